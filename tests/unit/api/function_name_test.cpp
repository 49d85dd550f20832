#include "api/function_name.hpp"

#include <catch2/catch.hpp>

using namespace lambda_emu::api;

TEST_CASE("function name: every form the Invoke API accepts", "[api][invoke]") {
  auto plain = parse_function_name("my-fn");
  REQUIRE(plain);
  CHECK(plain->name == "my-fn");
  CHECK(plain->qualifier.empty());

  auto qualified = parse_function_name("my_fn:prod");
  REQUIRE(qualified);
  CHECK(qualified->name == "my_fn");
  CHECK(qualified->qualifier == "prod");

  auto partial = parse_function_name("123456789012:function:my-fn");
  REQUIRE(partial);
  CHECK(partial->account == "123456789012");
  CHECK(partial->name == "my-fn");

  // The SDKs URL-encode the segment.
  auto arn = parse_function_name(
      "arn%3Aaws%3Alambda%3Aeu-west-1%3A123456789012%3Afunction%3Amy-fn%3A%24LATEST");
  REQUIRE(arn);
  CHECK(arn->region == "eu-west-1");
  CHECK(arn->account == "123456789012");
  CHECK(arn->name == "my-fn");
  CHECK(arn->qualifier == "$LATEST");
}

TEST_CASE("function name: malformed ones are refused", "[api][invoke]") {
  CHECK_FALSE(parse_function_name(""));
  CHECK_FALSE(parse_function_name("has space"));
  CHECK_FALSE(parse_function_name("a:b:c:d"));
  CHECK_FALSE(parse_function_name("fn:bad$qualifier"));
  CHECK_FALSE(parse_function_name("%zz"));
  CHECK_FALSE(parse_function_name(std::string(65, 'a')));
}

TEST_CASE("query values are found and decoded", "[api][invoke]") {
  CHECK(query_value("/2015-03-31/functions/f/invocations?Qualifier=%24LATEST", "Qualifier") ==
        "$LATEST");
  CHECK(query_value("/x?a=1&Qualifier=prod", "Qualifier") == "prod");
  CHECK(query_value("/x?a=1", "Qualifier").empty());
  CHECK(query_value("/x", "Qualifier").empty());
}

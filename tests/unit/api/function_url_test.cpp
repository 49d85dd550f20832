#include "api/function_url.hpp"

#include <map>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace lambda_emu;
using namespace lambda_emu::api;
using nlohmann::json;

namespace {

UrlRequestContext context() {
  UrlRequestContext ctx;
  ctx.request_id = "5c1ab7b7-0000-4000-8000-000000000001";
  ctx.account_id = "012345678912";
  ctx.region = "us-east-1";
  ctx.url_id = "abcdefghijklmnopqrstuvwxyz012345";
  ctx.source_ip = "127.0.0.1";
  ctx.port = 9001;
  ctx.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1583348638390));
  return ctx;
}

}  // namespace

TEST_CASE("function url: a request becomes a payload format 2.0 event", "[api][url]") {
  Request req{http::verb::post, "/my/path?parameter1=value1&parameter1=value2&parameter2=v%20x",
              11};
  req.set(http::field::content_type, "application/json");
  req.set(http::field::user_agent, "agent");
  req.set("Header2", "value1");
  req.insert("Header2", "value2");
  req.set(http::field::cookie, "cookie1=a; cookie2=b");
  req.body() = R"({"hello":"world"})";
  const json e = json::parse(url_event(req, context()));

  CHECK(e["version"] == "2.0");
  CHECK(e["routeKey"] == "$default");
  CHECK(e["rawPath"] == "/my/path");
  CHECK(e["rawQueryString"] == "parameter1=value1&parameter1=value2&parameter2=v%20x");
  CHECK(e["cookies"] == json{"cookie1=a", "cookie2=b"});
  CHECK(e["headers"]["header2"] == "value1,value2");  // names lowercased, repeats joined
  CHECK(e["headers"]["content-type"] == "application/json");
  CHECK_FALSE(e["headers"].contains("cookie"));
  CHECK(e["headers"]["x-forwarded-for"] == "127.0.0.1");
  CHECK(e["queryStringParameters"] == json{{"parameter1", "value1,value2"}, {"parameter2", "v x"}});
  const json& rc = e["requestContext"];
  CHECK(rc["accountId"] == "anonymous");  // auth type NONE
  CHECK(rc["apiId"] == "abcdefghijklmnopqrstuvwxyz012345");
  CHECK(rc["domainName"] == "abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws");
  CHECK(rc["http"] == json{{"method", "POST"},
                           {"path", "/my/path"},
                           {"protocol", "HTTP/1.1"},
                           {"sourceIp", "127.0.0.1"},
                           {"userAgent", "agent"}});
  CHECK(rc["requestId"] == "5c1ab7b7-0000-4000-8000-000000000001");
  CHECK(rc["stage"] == "$default");
  CHECK(rc["time"] == "04/Mar/2020:19:03:58 +0000");
  CHECK(rc["timeEpoch"] == 1583348638390);
  CHECK(e["body"] == R"({"hello":"world"})");
  CHECK(e["isBase64Encoded"] == false);
}

TEST_CASE("function url: binary bodies are base64, absent parts are left out", "[api][url]") {
  Request post{http::verb::post, "/upload", 11};
  post.set(http::field::content_type, "application/octet-stream");
  post.body() = std::string("\x00\xff\x10", 3);
  const json binary = json::parse(url_event(post, context()));
  CHECK(binary["body"] == "AP8Q");
  CHECK(binary["isBase64Encoded"] == true);

  Request get{http::verb::get, "/", 11};
  const json plain = json::parse(url_event(get, context()));
  CHECK(plain["rawQueryString"] == "");
  CHECK_FALSE(plain.contains("queryStringParameters"));
  CHECK_FALSE(plain.contains("cookies"));
  CHECK_FALSE(plain.contains("body"));
  CHECK(plain["isBase64Encoded"] == false);
}

TEST_CASE("function url: structured results, and results that are the body", "[api][url]") {
  const auto structured =
      url_response(R"({"statusCode":201,"headers":{"X-Custom":"yes","Content-Type":"text/plain"},)"
                   R"("cookies":["a=1; Path=/","b=2"],"body":"created"})");
  REQUIRE(structured);
  CHECK(structured->status == 201);
  CHECK(
      std::map<std::string, std::string>(structured->headers.begin(), structured->headers.end()) ==
      std::map<std::string, std::string>{{"X-Custom", "yes"}, {"Content-Type", "text/plain"}});
  CHECK(structured->cookies == std::vector<std::string>{"a=1; Path=/", "b=2"});
  CHECK(structured->body == "created");

  const auto base64 = url_response(R"({"statusCode":200,"body":"aGk=","isBase64Encoded":true})");
  REQUIRE(base64);
  CHECK(base64->body == "hi");
  CHECK(base64->headers.front().second == "application/json");  // the default type

  // Valid JSON without statusCode, or no JSON at all: 200 with the result as the body.
  for (const std::string_view result : {R"({"message":"hi"})", R"("hello")", "plain text"}) {
    const auto r = url_response(result);
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->body == result);
  }

  CHECK_FALSE(url_response(R"({"statusCode":"two hundred"})"));
  CHECK_FALSE(url_response(R"({"statusCode":99})"));
  CHECK_FALSE(url_response(R"({"statusCode":200,"headers":[1]})"));
  CHECK_FALSE(url_response(R"({"statusCode":200,"body":"%%","isBase64Encoded":true})"));
}

TEST_CASE("function url: the prelude of a streamed HTTP response", "[api][url]") {
  const auto p =
      url_prelude(R"({"statusCode":202,"headers":{"content-type":"text/csv"},"cookies":["c=3"]})");
  REQUIRE(p);
  CHECK(p->status == 202);
  CHECK(p->cookies == std::vector<std::string>{"c=3"});
  const auto defaults = url_prelude("{}");
  REQUIRE(defaults);
  CHECK(defaults->status == 200);
  CHECK(defaults->headers.front().second == "application/octet-stream");
  CHECK_FALSE(url_prelude("not json"));
  CHECK_FALSE(url_prelude(R"({"statusCode":1000})"));
}

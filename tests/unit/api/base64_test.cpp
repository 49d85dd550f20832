#include "api/base64.hpp"

#include <catch2/catch.hpp>

using lambda_emu::api::base64_decode;

TEST_CASE("base64: decodes RFC 4648 with padding, rejects the rest", "[api][base64][C4]") {
  CHECK(base64_decode("") == std::string());
  CHECK(base64_decode("Zg==") == std::string("f"));
  CHECK(base64_decode("Zm8=") == std::string("fo"));
  CHECK(base64_decode("Zm9v") == std::string("foo"));
  CHECK(base64_decode("eyJjdXN0b20iOnsiYSI6MX19") == std::string("{\"custom\":{\"a\":1}}"));
  CHECK(base64_decode("/w==") == std::string("\xff"));
  CHECK_FALSE(base64_decode("Zg="));
  CHECK_FALSE(base64_decode("Z==="));
  CHECK_FALSE(base64_decode("Zg==Zm9v"));
  CHECK_FALSE(base64_decode("Zm9*"));
  CHECK_FALSE(base64_decode("not base64!"));
}

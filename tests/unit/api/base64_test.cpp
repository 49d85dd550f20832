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

TEST_CASE("base64: encodes with padding, and decodes back", "[api][base64]") {
  using lambda_emu::api::base64_encode;
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_encode("\xff") == "/w==");
  std::string all;
  for (int c = 0; c < 256; ++c) {
    all.push_back(static_cast<char>(c));
  }
  CHECK(base64_decode(base64_encode(all)) == all);
}

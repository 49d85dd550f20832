#include "telemetry/subscription.hpp"

#include <catch2/catch.hpp>

using namespace lambda_emu::telemetry;
using namespace std::chrono_literals;

namespace {

// A valid Telemetry API body with one part replaced.
std::string body(std::string buffering = R"({"maxItems":1000,"maxBytes":262144,"timeoutMs":100})",
                 std::string destination =
                     R"({"protocol":"HTTP","URI":"http://sandbox.localdomain:8080/telemetry"})",
                 std::string types = R"(["platform","function","extension"])",
                 std::string schema = R"("schemaVersion":"2022-12-13",)") {
  return "{" + schema + R"("types":)" + types + R"(,"buffering":)" + buffering +
         R"(,"destination":)" + destination + "}";
}

Subscription ok(const std::string& text, Api api = Api::telemetry) {
  auto parsed = parse_subscription(text, api);
  if (auto* e = std::get_if<ValidationError>(&parsed)) {
    FAIL("rejected: " << e->message);
  }
  return std::get<Subscription>(parsed);
}

ValidationError rejected(const std::string& text, Api api = Api::telemetry) {
  auto parsed = parse_subscription(text, api);
  REQUIRE(std::holds_alternative<ValidationError>(parsed));
  return std::get<ValidationError>(parsed);
}

std::string destination(const std::string& uri) {
  return R"({"protocol":"HTTP","URI":")" + uri + R"("})";
}

}  // namespace

TEST_CASE("subscription: the documented example", "[telemetry][C58]") {
  Subscription s = ok(body());
  CHECK(s.schema_version == "2022-12-13");
  CHECK(s.types == std::vector<std::string>{"platform", "function", "extension"});
  CHECK(s.buffering.max_items == 1000);
  CHECK(s.buffering.max_bytes == 262144);
  CHECK(s.buffering.timeout == 100ms);
  CHECK(s.destination.protocol == Destination::Protocol::http);
  CHECK(s.destination.host == "sandbox.localdomain");
  CHECK(s.destination.port == 8080);
  CHECK(s.destination.path == "/telemetry");
  CHECK(s.wants("function"));
}

TEST_CASE("subscription: buffering defaults and limits", "[telemetry][C60]") {
  Subscription s = ok(body("{}"));
  CHECK(s.buffering.max_items == 10000);
  CHECK(s.buffering.max_bytes == 262144);
  CHECK(s.buffering.timeout == 1000ms);
  std::string no_buffering = R"({"schemaVersion":"2022-07-01","types":["platform"],)"
                             R"("destination":{"protocol":"HTTP","URI":"http://sandbox:9000"}})";
  CHECK(ok(no_buffering).buffering.max_items == 10000);

  CHECK(ok(body(R"({"maxItems":10000,"maxBytes":1048576,"timeoutMs":30000})")).buffering.timeout ==
        30000ms);
  CHECK(ok(body(R"({"maxItems":1000.0,"timeoutMs":25})")).buffering.timeout == 25ms);

  for (const char* bad :
       {R"({"maxItems":999})", R"({"maxItems":10001})", R"({"maxBytes":262143})",
        R"({"maxBytes":1048577})", R"({"timeoutMs":24})", R"({"timeoutMs":30001})",
        R"({"timeoutMs":100.5})", R"({"maxItems":"1000"})", R"([1000])"}) {
    INFO(bad);
    ValidationError e = rejected(body(bad));
    CHECK(e.error_type == "ValidationError");
    CHECK_FALSE(e.message.empty());
  }
  CHECK(rejected(body(R"({"maxItems":999})")).message ==
        "buffering.maxItems must be an integer between 1000 and 10000");
}

TEST_CASE("subscription: types", "[telemetry][C60]") {
  CHECK(rejected(body("{}", destination("http://sandbox:1"), "[]")).message ==
        "types must be a non-empty array of platform, function, extension");
  CHECK(rejected(body("{}", destination("http://sandbox:1"), R"("platform")"))
            .message.starts_with("types must be"));
  CHECK(rejected(body("{}", destination("http://sandbox:1"), R"(["platform","logs"])")).message ==
        R"(types: "logs" is not one of platform, function, extension)");
  CHECK(ok(body("{}", destination("http://sandbox:1"), R"(["function","function"])")).types ==
        std::vector<std::string>{"function"});
  CHECK(rejected(R"({"schemaVersion":"2022-07-01","destination":{"protocol":"TCP","port":9}})")
            .message == "types is required");
}

TEST_CASE("subscription: schemaVersion", "[telemetry]") {
  CHECK(rejected(body("{}", destination("http://sandbox:1"), R"(["platform"])", "")).message ==
        "schemaVersion is required (one of 2022-07-01, 2022-12-13, 2025-01-29)");
  CHECK(rejected(body("{}", destination("http://sandbox:1"), R"(["platform"])",
                      R"("schemaVersion":"2020-08-15",)"))
            .message.starts_with("schemaVersion must be one of"));
  CHECK(ok(body("{}", destination("http://sandbox:1"), R"(["platform"])",
                R"("schemaVersion":"2025-01-29",)"))
            .schema_version == "2025-01-29");

  // Logs API: optional, its own versions, its own error type.
  Subscription logs =
      ok(body("{}", destination("http://sandbox:1"), R"(["platform"])", ""), Api::logs);
  CHECK(logs.schema_version.empty());
  CHECK_FALSE(logs.logs_runtime_done());
  CHECK(ok(body("{}", destination("http://sandbox:1"), R"(["platform"])",
                R"("schemaVersion":"2021-03-18",)"),
           Api::logs)
            .logs_runtime_done());
  ValidationError e = rejected(body(), Api::logs);
  CHECK(e.error_type == "Logs.ValidationError");
  CHECK(e.message == "schemaVersion must be one of 2020-08-15, 2021-03-18");
}

TEST_CASE("subscription: HTTP destinations", "[telemetry][C60]") {
  auto dst = [](const std::string& uri) { return ok(body("{}", destination(uri))).destination; };
  CHECK(dst("http://sandbox:4243").path == "/");
  CHECK(dst("http://sandbox:4243").host == "sandbox");
  CHECK(dst("http://sandbox.localdomain").port == 80);
  CHECK(dst("HTTP://Sandbox.LocalDomain:1234/a/b?c=d#frag").path == "/a/b?c=d");
  CHECK(dst("http://sandbox.localdomain:1234/a/b?c=d").host == "sandbox.localdomain");
  CHECK(dst("http://sandbox:1234?x=1").path == "/?x=1");
  CHECK(dst("http://127.0.0.1:5000/").port == 5000);
  CHECK(dst("http://localhost:5000/").host == "localhost");

  CHECK(rejected(body("{}", destination("https://sandbox.localdomain:8080/")))
            .message.starts_with("destination.URI: HTTPS is not supported"));
  CHECK(rejected(body("{}", destination("http://example.com:8080/")))
            .message.starts_with("destination.URI host must be sandbox.localdomain"));
  CHECK(rejected(body("{}", destination("ftp://sandbox:8080/")))
            .message.starts_with("destination.URI must start with http://"));
  for (const char* port : {"0", "65536", "", "80a", "999999"}) {
    INFO(port);
    CHECK(rejected(body("{}", destination(std::string("http://sandbox:") + port + "/"))).message ==
          "destination.URI port must be between 1 and 65535");
  }
  CHECK(rejected(body("{}", R"({"protocol":"HTTP"})"))
            .message.starts_with("destination.URI is required for HTTP"));
  CHECK(rejected(body("{}", R"({"protocol":"HTTP","URI":""})")).message ==
        "destination.URI must be a non-empty string");
  CHECK(rejected(body("{}", R"({"protocol":"UDP","URI":"http://sandbox:1"})")).message ==
        R"(destination.protocol must be "HTTP" or "TCP")");
  CHECK(rejected(R"({"schemaVersion":"2022-07-01","types":["platform"]})").message ==
        "destination is required");
  CHECK(rejected(body("{}", R"("http://sandbox:1")")).message == "destination must be an object");
}

TEST_CASE("subscription: TCP destinations", "[telemetry]") {
  Destination d = ok(body("{}", R"({"protocol":"TCP","port":4244})")).destination;
  CHECK(d.protocol == Destination::Protocol::tcp);
  CHECK(d.port == 4244);
  CHECK(d.host == "sandbox.localdomain");
  CHECK(ok(body("{}", R"({"protocol":"TCP","URI":"tcp://sandbox:4245"})")).destination.port ==
        4245);
  CHECK(ok(body("{}", R"({"protocol":"TCP","URI":"http://sandbox.localdomain:4246"})"))
            .destination.port == 4246);
  CHECK(rejected(body("{}", R"({"protocol":"TCP","port":0})")).message ==
        "destination.port must be an integer between 1 and 65535");
  CHECK(rejected(body("{}", R"({"protocol":"TCP","port":65536})")).message ==
        "destination.port must be an integer between 1 and 65535");
  CHECK(rejected(body("{}", R"({"protocol":"TCP","URI":"tcp://sandbox"})")).message ==
        "destination.URI port is not provided");
  CHECK(rejected(body("{}", R"({"protocol":"TCP"})"))
            .message.starts_with("destination.port (1-65535) or destination.URI is required"));
}

TEST_CASE("subscription: not JSON, or not an object, is a validation error", "[telemetry]") {
  // Form-urlencoded or missing Content-Type: the bytes are parsed as JSON whatever the header.
  CHECK(rejected("types=platform&destination=x").message.starts_with("Invalid JSON: "));
  CHECK(rejected("").message.starts_with("Invalid JSON: "));
  CHECK(rejected("[]").message == "the subscription must be a JSON object");
  CHECK(rejected("null").message == "the subscription must be a JSON object");
  CHECK_NOTHROW(parse_subscription("{\"types\":[\"\xff\xfe\"]}", Api::telemetry));
  CHECK_NOTHROW(parse_subscription(std::string(10000, '['), Api::logs));
  CHECK_NOTHROW(
      parse_subscription(R"({"schemaVersion":7,"types":{},"destination":[]})", Api::telemetry));
}

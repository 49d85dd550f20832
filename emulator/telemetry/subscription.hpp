#pragma once
// Subscription: a validated Telemetry API (PUT /2022-07-01/telemetry) or Logs API
// (PUT /2020-08-15/logs) subscribe body, section 5.1 and 5.4.
//
//   auto parsed = telemetry::parse_subscription(call.request.body(), telemetry::Api::telemetry);
//   if (auto* bad = std::get_if<telemetry::ValidationError>(&parsed))
//     return 400 {"errorType": bad->error_type, "errorMessage": bad->message};
//   // the core checks the identifier and the phase, then: hub.subscribe(name, sub, api)
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace lambda_emu::telemetry {

// Which API a subscriber used: it decides the event shapes it receives.
enum class Api { telemetry, logs };

struct Buffering {
  std::size_t max_items = 10'000;
  std::size_t max_bytes = 262'144;
  std::chrono::milliseconds timeout{1'000};
};

struct Destination {
  enum class Protocol { http, tcp };
  Protocol protocol = Protocol::http;
  std::string host;         // as given: sandbox.localdomain, sandbox, 127.0.0.1 or localhost
  std::uint16_t port = 80;  // HTTP default 80
  std::string path = "/";   // HTTP request target (path and query); "/" when none was given
};

struct Subscription {
  std::string schema_version;      // empty: the Logs API's default, 2020-08-15
  std::vector<std::string> types;  // subset of "platform", "function", "extension"; no repeats
  Buffering buffering;
  Destination destination;

  [[nodiscard]] bool wants(std::string_view type) const;
  // Logs API schema 2021-03-18 adds platform.runtimeDone.
  [[nodiscard]] bool logs_runtime_done() const { return schema_version == "2021-03-18"; }
};

// A 400 answer: errorType "ValidationError" (Telemetry API) or "Logs.ValidationError".
struct ValidationError {
  std::string error_type;
  std::string message;
};

// Validates `body` as JSON whatever its Content-Type (clients send none, or form-urlencoded).
// Never throws.
[[nodiscard]] std::variant<Subscription, ValidationError> parse_subscription(std::string_view body,
                                                                             Api api);

}  // namespace lambda_emu::telemetry

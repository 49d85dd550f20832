#pragma once
// ExtensionsApi: an external extension's side of the Extensions API (2020-01-01) and the
// Telemetry API (2022-07-01), on one keep-alive connection: register, the next event, an Init
// error, a telemetry subscription.
//
//   ExtensionsApi api(std::getenv("AWS_LAMBDA_RUNTIME_API"));
//   if (auto failed = api.register_as("telemetry-agent")) { ... }
//   auto event = api.next();   // {"eventType":"INVOKE","requestId":...,"deadlineMs":...}
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "bootstrap/http_connection.hpp"

namespace lambda_emu::wrapper_sim {

class ExtensionsApi {
 public:
  explicit ExtensionsApi(std::string address);

  // POST /register for INVOKE and SHUTDOWN; keeps the identifier for the later calls.
  [[nodiscard]] std::optional<HttpFailure> register_as(const std::string& name);
  // GET /event/next: blocks until the next event.
  [[nodiscard]] std::variant<nlohmann::json, HttpFailure> next();
  // POST /init/error.
  [[nodiscard]] std::optional<HttpFailure> init_error(std::string_view type,
                                                      std::string_view message);
  // PUT the Telemetry API subscription `request` (the body as Lambda documents it).
  [[nodiscard]] std::optional<HttpFailure> subscribe_telemetry(const nlohmann::json& request);

 private:
  [[nodiscard]] HttpResult call(Request req);

  HttpConnection connection_;
  std::string id_;
};

}  // namespace lambda_emu::wrapper_sim

#include "bootstrap/telemetry_subscription.hpp"

#include <spdlog/spdlog.h>

#include "bootstrap/loopback_server.hpp"

namespace lambda_emu::wrapper_sim {

std::optional<std::string> subscribe_to_platform_telemetry(ExtensionsApi& api) {
  auto made = LoopbackServer::listen([](const Request& req) {
    const auto batch = nlohmann::json::parse(req.body(), nullptr, false);
    spdlog::debug("telemetry: {} records", batch.is_array() ? batch.size() : 0);
    return ok_response(req);
  });
  if (auto* failed = std::get_if<HttpFailure>(&made)) {
    return "telemetry listener: " + failed->message;
  }
  const auto& listener = std::get<std::shared_ptr<LoopbackServer>>(made);
  listener->start();
  const nlohmann::json request = {
      {"schemaVersion", "2022-12-13"},
      {"types", {"platform"}},
      {"buffering", {{"timeoutMs", 25}, {"maxItems", 1000}, {"maxBytes", 262144}}},
      {"destination",
       {{"protocol", "HTTP"},
        {"URI", "http://sandbox.localdomain:" + std::to_string(listener->port()) + "/"}}}};
  if (auto failed = api.subscribe_telemetry(request)) {
    return failed->message;
  }
  spdlog::info("subscribed to platform telemetry on port {}", listener->port());
  return std::nullopt;
}

}  // namespace lambda_emu::wrapper_sim

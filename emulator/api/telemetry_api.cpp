// Telemetry API (PUT /2022-07-01/telemetry) and Logs API (PUT /2020-08-15/logs) subscriptions,
// sections 5.1 and 5.4: the identifier, then the body, then the core's checks (known extension,
// still in Init, not both APIs); then the hub starts delivering.
#include <nlohmann/json.hpp>

#include "api/extension_identifier.hpp"
#include "api/handlers.hpp"
#include "api/render.hpp"
#include "driver/sandbox_host.hpp"
#include "telemetry/hub.hpp"
#include "telemetry/subscription.hpp"

namespace lambda_emu::api {
namespace {

Reply subscribe(Call& call, driver::SandboxHost& sandbox, telemetry::Api api) {
  if (!sandbox.function().extensions_enabled) {
    return render::empty_not_found(call.request);
  }
  std::string identifier;
  if (auto refused = check_extension_identifier(call.request, identifier)) {
    return *refused;  // C59
  }
  auto parsed = telemetry::parse_subscription(call.request.body(), api);
  if (auto* bad = std::get_if<telemetry::ValidationError>(&parsed)) {
    return render::error(call.request, http::status::bad_request, bad->error_type,
                         bad->message);  // C60
  }
  telemetry::Subscription& sub = std::get<telemetry::Subscription>(parsed);
  const core::Result r =
      sandbox.handle(core::TelemetrySubscribe{identifier, sub.types, api == telemetry::Api::logs});
  if (r.refusal) {
    return render::refusal(call.request, *r.refusal);  // C61, C69
  }
  if (auto name = sandbox.extension_name(identifier)) {
    sandbox.telemetry().subscribe(std::move(*name), std::move(sub), api);
  }
  // C58: 200 with the JSON string "OK".
  Response res = render::response(call.request, http::status::ok);
  res.set(http::field::content_type, "application/json");
  res.body().assign("\"OK\"");
  res.prepare_payload();
  return res;
}

}  // namespace

std::uint64_t subscription_body_limit(const Request&) {
  return 64 * 1024;
}

Reply handle_telemetry_subscribe(Call& call, driver::SandboxHost& sandbox) {
  return subscribe(call, sandbox, telemetry::Api::telemetry);
}

Reply handle_logs_subscribe(Call& call, driver::SandboxHost& sandbox) {
  return subscribe(call, sandbox, telemetry::Api::logs);
}

}  // namespace lambda_emu::api

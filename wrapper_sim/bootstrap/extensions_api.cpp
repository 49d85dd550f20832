#include "bootstrap/extensions_api.hpp"

namespace lambda_emu::wrapper_sim {
namespace {

constexpr std::string_view extension_prefix = "/2020-01-01/extension";
constexpr std::string_view telemetry_path = "/2022-07-01/telemetry";

// The reply, or why there was none or it was not `expected`.
std::optional<HttpFailure> check(std::string_view call, const HttpResult& r,
                                 http::status expected) {
  if (const auto* failed = std::get_if<HttpFailure>(&r)) {
    return *failed;
  }
  return unexpected_status(call, std::get<Response>(r), expected);
}

}  // namespace

ExtensionsApi::ExtensionsApi(std::string address) : connection_(std::move(address)) {}

HttpResult ExtensionsApi::call(Request req) {
  if (!id_.empty()) {
    req.set("Lambda-Extension-Identifier", id_);
  }
  return connection_.exchange(std::move(req));
}

std::optional<HttpFailure> ExtensionsApi::register_as(const std::string& name) {
  Request req = make_request(http::verb::post, std::string(extension_prefix) + "/register",
                             R"({"events":["INVOKE","SHUTDOWN"]})", "application/json");
  req.set("Lambda-Extension-Name", name);
  HttpResult r = call(std::move(req));
  if (auto failed = check("POST /register", r, http::status::ok)) {
    return failed;
  }
  id_ = std::string(std::get<Response>(r)["Lambda-Extension-Identifier"]);
  return std::nullopt;
}

std::variant<nlohmann::json, HttpFailure> ExtensionsApi::next() {
  HttpResult r = call(make_request(http::verb::get, std::string(extension_prefix) + "/event/next"));
  if (auto failed = check("GET /event/next", r, http::status::ok)) {
    return *failed;
  }
  nlohmann::json event = nlohmann::json::parse(std::get<Response>(r).body(), nullptr, false);
  if (!event.is_object()) {
    return HttpFailure{"GET /event/next: the event is not a JSON object"};
  }
  return event;
}

std::optional<HttpFailure> ExtensionsApi::init_error(std::string_view type,
                                                     std::string_view message) {
  Request req = make_request(http::verb::post, std::string(extension_prefix) + "/init/error",
                             nlohmann::json{{"errorMessage", message}, {"errorType", type}}.dump(),
                             "application/json");
  req.set("Lambda-Extension-Function-Error-Type", type);
  return check("POST /init/error", call(std::move(req)), http::status::accepted);
}

std::optional<HttpFailure> ExtensionsApi::subscribe_telemetry(const nlohmann::json& request) {
  return check(
      "PUT /telemetry",
      call(make_request(http::verb::put, telemetry_path, request.dump(), "application/json")),
      http::status::ok);
}

}  // namespace lambda_emu::wrapper_sim

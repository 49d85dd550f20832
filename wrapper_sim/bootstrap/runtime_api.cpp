#include "bootstrap/runtime_api.hpp"

#include <nlohmann/json.hpp>

namespace lambda_emu::wrapper_sim {
namespace {

constexpr std::string_view runtime_prefix = "/2018-06-01/runtime";

// Lambda's error shape, as runtimes post it.
std::string error_body(std::string_view type, std::string_view message) {
  return nlohmann::json{
      {"errorMessage", message}, {"errorType", type}, {"stackTrace", nlohmann::json::array()}}
      .dump();
}

}  // namespace

std::string invocation_target(std::string_view request_id, std::string_view what) {
  return std::string(runtime_prefix) + "/invocation/" + std::string(request_id) + "/" +
         std::string(what);
}

RuntimeApi::RuntimeApi(std::string address) : connection_(std::move(address)) {}

std::variant<Invocation, HttpFailure> RuntimeApi::next() {
  HttpResult r = connection_.exchange(
      make_request(http::verb::get, std::string(runtime_prefix) + "/invocation/next"));
  if (auto* failed = std::get_if<HttpFailure>(&r)) {
    return *failed;
  }
  Response& res = std::get<Response>(r);
  if (auto bad = unexpected_status("GET /next", res, http::status::ok)) {
    return *bad;
  }
  return Invocation{std::string(res["Lambda-Runtime-Aws-Request-Id"]), std::move(res.body())};
}

std::optional<HttpFailure> RuntimeApi::post(std::string target, std::string body,
                                            std::string_view content_type,
                                            std::string_view error_type) {
  Request req = make_request(http::verb::post, target, std::move(body), content_type);
  if (!error_type.empty()) {
    req.set("Lambda-Runtime-Function-Error-Type", error_type);
  }
  HttpResult r = connection_.exchange(std::move(req));
  if (auto* failed = std::get_if<HttpFailure>(&r)) {
    return *failed;
  }
  return unexpected_status("POST " + target, std::get<Response>(r), http::status::accepted);
}

std::optional<HttpFailure> RuntimeApi::respond(const std::string& request_id, std::string body,
                                               std::string_view content_type) {
  return post(invocation_target(request_id, "response"), std::move(body), content_type);
}

std::optional<HttpFailure> RuntimeApi::invoke_error(const std::string& request_id,
                                                    std::string_view type,
                                                    std::string_view message) {
  return post(invocation_target(request_id, "error"), error_body(type, message), "application/json",
              type);
}

std::optional<HttpFailure> RuntimeApi::init_error(std::string_view type, std::string_view message) {
  return post(std::string(runtime_prefix) + "/init/error", error_body(type, message),
              "application/json", type);
}

}  // namespace lambda_emu::wrapper_sim

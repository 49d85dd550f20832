#include "api/lambda_service.hpp"

#include <nlohmann/json.hpp>

#include "api/function_name.hpp"
#include "api/render.hpp"
#include "driver/emulator.hpp"

namespace lambda_emu::api {

Response service_error(const Request& req, http::status status, std::string_view type,
                       const std::string& message) {
  Response res = render::response(req, status);
  res.set("x-amzn-ErrorType", type);
  res.set(http::field::content_type, "application/json");
  res.body().assign(nlohmann::json{{"Type", "User"}, {"message", message}}.dump());
  res.prepare_payload();
  return res;
}

Response too_many_requests(const Request& req) {
  Response res = render::response(req, http::status::too_many_requests);
  res.set("x-amzn-ErrorType", "TooManyRequestsException");
  res.set(http::field::content_type, "application/json");
  res.body().assign(nlohmann::json{{"Reason", "ReservedFunctionConcurrentInvocationLimitExceeded"},
                                   {"Type", "User"},
                                   {"message", "Rate Exceeded."}}
                        .dump());
  res.prepare_payload();
  return res;
}

std::variant<driver::FunctionHost*, Response> resolve_function(const Call& call,
                                                               driver::Emulator& emu) {
  const Request& req = call.request;
  const std::optional<FunctionName> name = parse_function_name(call.param);
  if (!name) {
    return service_error(req, http::status::bad_request, "ValidationException",
                         "1 validation error detected: Value '" + call.param +
                             "' at 'functionName' failed to satisfy constraint: Member must "
                             "satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?"
                             "([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?"
                             "([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?");
  }
  const std::string query = query_value(req.target(), "Qualifier");
  if (!query.empty() && !name->qualifier.empty() && query != name->qualifier) {
    return service_error(
        req, http::status::bad_request, "InvalidParameterValueException",
        "The derived qualifier from the function name does not match the specified qualifier.");
  }
  const std::string qualifier = query.empty() ? name->qualifier : query;
  driver::FunctionHost* host = emu.find(name->name);
  const core::FunctionConfig& fn = host ? host->function() : emu.first().function();
  const bool same = host && (name->account.empty() || name->account == fn.account_id) &&
                    (name->region.empty() || name->region == fn.region);
  const bool version_ok = qualifier.empty() || qualifier == fn.version || qualifier == "$LATEST";
  if (!same || !version_ok) {
    std::string arn = "arn:aws:lambda:" + (name->region.empty() ? fn.region : name->region) + ":" +
                      (name->account.empty() ? fn.account_id : name->account) +
                      ":function:" + name->name + (qualifier.empty() ? "" : ":" + qualifier);
    return service_error(req, http::status::not_found, "ResourceNotFoundException",
                         "Function not found: " + arn);
  }
  return host;
}

}  // namespace lambda_emu::api

// The function configuration operations of the Lambda API that cold-start harnesses written for
// AWS call: GetFunction, GetFunctionConfiguration and UpdateFunctionConfiguration. An update
// takes effect at once (LastUpdateStatus Successful): new sandboxes get the new configuration,
// warm ones are retired as Lambda retires them, so the next invoke is a cold start.
#include <ctime>

#include <nlohmann/json.hpp>

#include "api/handlers.hpp"
#include "api/lambda_service.hpp"
#include "api/render.hpp"
#include "driver/emulator.hpp"
#include "process/environment.hpp"

namespace lambda_emu::api {
namespace {

// "2026-11-29T05:00:00.000+0000", Lambda's LastModified.
std::string last_modified_text(WallTime t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()) % 1000;
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%03d+0000", static_cast<int>(ms.count()));
  return std::string(text) + frac;
}

nlohmann::ordered_json configuration(const driver::FunctionHost& host) {
  const driver::FunctionSpec& spec = host.spec();
  const core::FunctionConfig& fn = spec.function;
  nlohmann::ordered_json variables = nlohmann::ordered_json::object();
  for (const auto& [key, value] : spec.env) {
    variables[key] = value;
  }
  nlohmann::ordered_json c{
      {"FunctionName", fn.name},
      {"FunctionArn", fn.arn()},
      {"Role", "arn:aws:iam::" + fn.account_id + ":role/lambda-emu"},
      {"Handler", fn.handler},
      {"CodeSize", 0},
      {"Description", ""},
      {"Timeout", std::chrono::duration_cast<std::chrono::seconds>(fn.timeout).count()},
      {"MemorySize", fn.memory_mb},
      {"LastModified", last_modified_text(host.last_modified())},
      {"CodeSha256", ""},
      {"Version", fn.version},
      {"Environment", {{"Variables", variables}}},
      {"TracingConfig", {{"Mode", "PassThrough"}}},
      {"RevisionId", host.revision_id()},
      {"State", "Active"},
      {"LastUpdateStatus", "Successful"},
      {"PackageType", "Zip"},
      {"Architectures", {"x86_64"}},
      {"EphemeralStorage", {{"Size", 512}}},
      {"LoggingConfig", {{"LogFormat", "Text"}, {"LogGroup", fn.log_group()}}}};
  return c;
}

Response json_response(const Request& req, const nlohmann::ordered_json& body) {
  Response res = render::response(req, http::status::ok);
  res.set(http::field::content_type, "application/json");
  res.body().assign(body.dump());
  res.prepare_payload();
  return res;
}

// A whole number from lo to hi, or the ValidationException Lambda answers (its text names the
// upper bound whichever bound was broken).
std::optional<Response> check_whole(const Request& req, const nlohmann::json& value,
                                    std::string_view field, int lo, int hi) {
  if (value.is_number_integer() && value >= lo && value <= hi) {
    return std::nullopt;
  }
  return service_error(req, http::status::bad_request, "ValidationException",
                       "1 validation error detected: Value '" + value.dump() + "' at '" +
                           std::string(field) +
                           "' failed to satisfy constraint: Member must have value less than or "
                           "equal to " +
                           std::to_string(hi));
}

Response invalid(const Request& req, const std::string& message) {
  return service_error(req, http::status::bad_request, "InvalidParameterValueException", message);
}

// The update the body asks for applied to `spec`, or the answer that refuses it. Fields Lambda
// has and lambda-emu does not model (Role, Layers, VpcConfig, ...) are accepted and ignored.
std::variant<driver::FunctionSpec, Response> updated_spec(const Request& req,
                                                          driver::FunctionSpec spec) {
  const nlohmann::json body = nlohmann::json::parse(req.body(), nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return service_error(req, http::status::bad_request, "InvalidRequestContentException",
                         "Could not parse request body into json");
  }
  core::FunctionConfig& fn = spec.function;
  if (const auto it = body.find("MemorySize"); it != body.end()) {
    if (auto refused =
            check_whole(req, *it, "memorySize", core::min_memory_mb, core::max_memory_mb)) {
      return std::move(*refused);
    }
    fn.memory_mb = it->get<int>();
  }
  if (const auto it = body.find("Timeout"); it != body.end()) {
    if (auto refused = check_whole(req, *it, "timeout", 1, core::max_timeout_seconds)) {
      return std::move(*refused);
    }
    fn.timeout = std::chrono::seconds(it->get<int>());
  }
  if (const auto it = body.find("Handler"); it != body.end() && it->is_string()) {
    fn.handler = it->get<std::string>();
  }
  if (const auto it = body.find("Environment"); it != body.end() && it->is_object()) {
    // The variables given replace all of them, as in Lambda.
    process::EnvVars env;
    if (const auto vars = it->find("Variables"); vars != it->end() && vars->is_object()) {
      for (const auto& [key, value] : vars->items()) {
        if (!value.is_string() || !process::valid_env_key(key)) {
          return invalid(req, "Environment variable " + key + " is not a KEY=string pair");
        }
        env.emplace_back(key, value.get<std::string>());
      }
    }
    const auto checked = process::runtime_environment(fn, "", "", "", env, nullptr);
    if (!checked.ignored.empty()) {
      std::string keys;
      for (const std::string& k : checked.ignored) {
        keys += (keys.empty() ? "" : ",") + k;
      }
      return invalid(req,
                     "Lambda was unable to configure your environment variables because the "
                     "environment variables you have provided contains reserved keys that are "
                     "currently not supported for modification. Reserved keys used in this "
                     "request: " +
                         keys);
    }
    spec.env = std::move(env);
  }
  return spec;
}

}  // namespace

std::uint64_t configuration_body_limit(const Request&) {
  return 256 * 1024;
}

Reply handle_get_function(Call& call, driver::Emulator& emu) {
  auto resolved = resolve_function(call, emu);
  if (auto* refused = std::get_if<Response>(&resolved)) {
    return std::move(*refused);
  }
  const driver::FunctionHost& host = *std::get<driver::FunctionHost*>(resolved);
  nlohmann::ordered_json body{
      {"Configuration", configuration(host)},
      {"Code", {{"RepositoryType", "S3"}, {"Location", ""}}},
      {"Concurrency", {{"ReservedConcurrentExecutions", host.spec().pool.max_concurrency}}}};
  return json_response(call.request, body);
}

Reply handle_get_function_configuration(Call& call, driver::Emulator& emu) {
  auto resolved = resolve_function(call, emu);
  if (auto* refused = std::get_if<Response>(&resolved)) {
    return std::move(*refused);
  }
  return json_response(call.request, configuration(*std::get<driver::FunctionHost*>(resolved)));
}

Reply handle_update_function_configuration(Call& call, driver::Emulator& emu) {
  auto resolved = resolve_function(call, emu);
  if (auto* refused = std::get_if<Response>(&resolved)) {
    return std::move(*refused);
  }
  driver::FunctionHost& host = *std::get<driver::FunctionHost*>(resolved);
  if (call.over_limit) {
    return service_error(call.request, http::status::payload_too_large, "RequestTooLargeException",
                         "Request must be smaller than " +
                             std::to_string(configuration_body_limit(call.request)) + " bytes");
  }
  auto updated = updated_spec(call.request, host.spec());
  if (auto* refused = std::get_if<Response>(&updated)) {
    return std::move(*refused);
  }
  host.update(std::get<driver::FunctionSpec>(std::move(updated)));
  return json_response(call.request, configuration(host));
}

}  // namespace lambda_emu::api

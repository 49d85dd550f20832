#include "api/router.hpp"

#include "api/handlers.hpp"

namespace lambda_emu {

bool match_path(std::string_view pattern, std::string_view path, std::string& param) {
  if (pattern == "*") {
    return true;
  }
  while (!pattern.empty() && !path.empty()) {
    const std::size_t ps = pattern.find('/', 1);
    const std::size_t ts = path.find('/', 1);
    std::string_view pseg = pattern.substr(0, ps);
    std::string_view tseg = path.substr(0, ts);
    if (pseg == "/{}") {
      if (tseg.size() < 2) {
        return false;
      }
      param = std::string(tseg.substr(1));
    } else if (pseg != tseg) {
      return false;
    }
    pattern = ps == std::string_view::npos ? std::string_view() : pattern.substr(ps);
    path = ts == std::string_view::npos ? std::string_view() : path.substr(ts);
  }
  return pattern.empty() && path.empty();
}

namespace {

// One listener serves the Runtime, Extensions, Telemetry and Logs APIs (section 1).
constexpr RuntimeRoute runtime_table[] = {
    {http::verb::get, "/2018-06-01/runtime/invocation/next", api::handle_invocation_next,
     api::no_body},
    {http::verb::post, "/2018-06-01/runtime/invocation/{}/response",
     api::handle_invocation_response, api::response_body_limit, &api::streamed_response},
    {http::verb::post, "/2018-06-01/runtime/invocation/{}/error", api::handle_invocation_error,
     api::error_body_limit},
    {http::verb::post, "/2018-06-01/runtime/init/error", api::handle_init_error,
     api::error_body_limit},
    {http::verb::get, "/2018-06-01/ping", api::handle_ping, api::no_body},
    {http::verb::post, "/2020-01-01/extension/register", api::handle_extension_register,
     api::extension_body_limit},
    {http::verb::get, "/2020-01-01/extension/event/next", api::handle_extension_next, api::no_body},
    {http::verb::post, "/2020-01-01/extension/init/error", api::handle_extension_init_error,
     api::extension_body_limit},
    {http::verb::post, "/2020-01-01/extension/exit/error", api::handle_extension_exit_error,
     api::extension_body_limit},
    {http::verb::put, "/2022-07-01/telemetry", api::handle_telemetry_subscribe,
     api::subscription_body_limit},
    {http::verb::put, "/2020-08-15/logs", api::handle_logs_subscribe, api::subscription_body_limit},
};

// Invoke front doors: RIE's path, where the function name is literally "function" (section 8),
// then the Lambda Invoke API for the function by its name or ARN, and the configuration
// operations cold-start harnesses use.
constexpr InvokeRoute invoke_table[] = {
    {http::verb::post, "/2015-03-31/functions/function/invocations", api::handle_rie_invoke,
     api::invoke_body_limit},
    {http::verb::post, "/2015-03-31/functions/{}/invocations", api::handle_invoke,
     api::invoke_body_limit},
    {http::verb::post, "/2021-11-15/functions/{}/response-streaming-invocations",
     api::handle_invoke_with_response_stream, api::invoke_body_limit},
    {http::verb::get, "/2015-03-31/functions/{}", api::handle_get_function, api::no_body},
    {http::verb::get, "/2015-03-31/functions/{}/configuration",
     api::handle_get_function_configuration, api::no_body},
    {http::verb::put, "/2015-03-31/functions/{}/configuration",
     api::handle_update_function_configuration, api::configuration_body_limit},
};

// A function URL turns every request into an event, whatever its method and path.
constexpr FunctionUrlRoute function_url_table[] = {
    {http::verb::get, "*", api::handle_function_url, api::invoke_body_limit},
    {http::verb::post, "*", api::handle_function_url, api::invoke_body_limit},
    {http::verb::put, "*", api::handle_function_url, api::invoke_body_limit},
    {http::verb::patch, "*", api::handle_function_url, api::invoke_body_limit},
    {http::verb::delete_, "*", api::handle_function_url, api::invoke_body_limit},
    {http::verb::options, "*", api::handle_function_url, api::invoke_body_limit},
};

}  // namespace

std::span<const FunctionUrlRoute> function_url_routes() {
  return function_url_table;
}

std::span<const RuntimeRoute> runtime_routes() {
  return runtime_table;
}
std::span<const InvokeRoute> invoke_routes() {
  return invoke_table;
}

}  // namespace lambda_emu

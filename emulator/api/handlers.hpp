#pragma once
// Endpoint handlers, one free function per endpoint, named for it. Each takes the request and
// the driver and answers now or parks. Body limits are declared beside them.
#include "api/router.hpp"

namespace lambda_emu::api {

// A request header's value; empty when absent (Beast matches the name case-insensitively).
inline std::string header(const Request& req, std::string_view name) {
  const auto it = req.find(name);
  return it == req.end() ? std::string() : std::string(it->value());
}

// Runtime API (runtime_api.cpp)
Reply handle_invocation_next(Call& call, driver::SandboxHost& sandbox);
Reply handle_invocation_response(Call& call, driver::SandboxHost& sandbox);
extern const StreamedBody streamed_response;  // Lambda-Runtime-Function-Response-Mode: streaming
Reply handle_invocation_error(Call& call, driver::SandboxHost& sandbox);
Reply handle_init_error(Call& call, driver::SandboxHost& sandbox);
Reply handle_ping(Call& call, driver::SandboxHost& sandbox);

// Extensions API (extensions_api.cpp)
Reply handle_extension_register(Call& call, driver::SandboxHost& sandbox);
Reply handle_extension_next(Call& call, driver::SandboxHost& sandbox);
Reply handle_extension_init_error(Call& call, driver::SandboxHost& sandbox);
Reply handle_extension_exit_error(Call& call, driver::SandboxHost& sandbox);

// Telemetry and Logs API subscriptions (telemetry_api.cpp)
Reply handle_telemetry_subscribe(Call& call, driver::SandboxHost& sandbox);
Reply handle_logs_subscribe(Call& call, driver::SandboxHost& sandbox);

// Invoke front doors (invoke_api.cpp)
Reply handle_rie_invoke(Call& call, driver::Emulator& emu);
Reply handle_invoke(Call& call, driver::Emulator& emu);  // the Invoke API, by function name
Reply handle_invoke_with_response_stream(Call& call, driver::Emulator& emu);

// The function configuration operations cold-start harnesses use (function_config_api.cpp)
Reply handle_get_function(Call& call, driver::Emulator& emu);
Reply handle_get_function_configuration(Call& call, driver::Emulator& emu);
Reply handle_update_function_configuration(Call& call, driver::Emulator& emu);

// Function URLs (function_url_api.cpp)
Reply handle_function_url(Call& call, driver::FunctionHost& fn);

std::uint64_t no_body(const Request&);
std::uint64_t response_body_limit(const Request& req);
std::uint64_t error_body_limit(const Request&);
std::uint64_t invoke_body_limit(const Request&);
std::uint64_t extension_body_limit(const Request&);
std::uint64_t subscription_body_limit(const Request&);
std::uint64_t configuration_body_limit(const Request&);

}  // namespace lambda_emu::api

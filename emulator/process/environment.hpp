#pragma once
// The runtime's environment as Lambda builds it (section 7): the host's variables pass through
// (as with the official emulator in a container), Lambda's own variables are set on top, and the
// function's variables last, except where they would override a reserved key.
//
//   auto env = runtime_environment(fn, "127.0.0.1:9001", "/var/task", customer, environ);
#include <string>
#include <utility>
#include <vector>

#include "lambda_emu/core/function_config.hpp"

namespace lambda_emu::process {

using EnvVars = std::vector<std::pair<std::string, std::string>>;

struct RuntimeEnvironment {
  std::vector<std::string> vars;     // "KEY=value"
  std::vector<std::string> ignored;  // customer keys dropped because Lambda reserves them
};

[[nodiscard]] RuntimeEnvironment runtime_environment(
    const core::FunctionConfig& fn, const std::string& runtime_api, const std::string& task_root,
    const std::string& log_stream, const EnvVars& customer, const char* const* host_env);

// An external extension's environment: the shared variables, none of the runtime-only ones.
[[nodiscard]] RuntimeEnvironment extension_environment(const core::FunctionConfig& fn,
                                                       const std::string& runtime_api,
                                                       const EnvVars& customer,
                                                       const char* const* host_env);

// Lambda's rule for variable names: a letter first, then letters, digits and '_', 2 or more.
[[nodiscard]] bool valid_env_key(const std::string& key);

}  // namespace lambda_emu::process

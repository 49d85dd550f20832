#pragma once
// FunctionSpec: one function as the command line or the config file describes it: what Lambda
// knows about it (FunctionConfig), its pool, and where its code and layers are on this machine.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lambda_emu/core/function_config.hpp"
#include "lambda_emu/core/pool.hpp"
#include "process/environment.hpp"
#include "process/extension_files.hpp"

namespace lambda_emu::driver {

struct FunctionSpec {
  core::FunctionConfig function;
  core::PoolConfig pool;
  // Set: the function's URL listens here (on the emulator's listen host), 0 for any free port.
  std::optional<std::uint16_t> url_port;
  std::vector<std::string> bootstrap;              // the runtime's argv
  std::string task_root;                           // absolute; the runtime's working directory
  std::vector<std::string> opt_dirs;               // layers, as /opt
  std::vector<process::ExtensionFile> extensions;  // function.extensions, with their files
  process::EnvVars env;                            // the function's own variables
};

}  // namespace lambda_emu::driver

#include "process/exec_wrapper.hpp"

namespace lambda_emu::process {

std::vector<std::string> apply_exec_wrapper(std::vector<std::string> argv,
                                            const EnvVars& customer) {
  const std::string* wrapper = nullptr;
  for (const auto& [key, value] : customer) {
    if (key == "AWS_LAMBDA_EXEC_WRAPPER") {
      wrapper = &value;
    }
  }
  if (wrapper && !wrapper->empty()) {
    argv.insert(argv.begin(), *wrapper);
  }
  return argv;
}

}  // namespace lambda_emu::process

#pragma once
// AWS_LAMBDA_EXEC_WRAPPER (section 7): when the function's variables name a wrapper script,
// Lambda's managed runtimes exec it with the runtime's original command line as its arguments,
// so the script can change the environment or the command before it execs "$@".
//
//   argv = apply_exec_wrapper({"/var/task/bootstrap"}, {{"AWS_LAMBDA_EXEC_WRAPPER", "/opt/w"}});
//   // {"/opt/w", "/var/task/bootstrap"}
#include <string>
#include <vector>

#include "process/environment.hpp"

namespace lambda_emu::process {

// argv unchanged when the variable is unset or empty; the last setting wins, as in the
// environment the runtime gets.
[[nodiscard]] std::vector<std::string> apply_exec_wrapper(std::vector<std::string> argv,
                                                          const EnvVars& customer);

}  // namespace lambda_emu::process

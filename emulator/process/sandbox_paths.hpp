#pragma once
// Paths as the sandbox's processes see them: Lambda's own (/var/task, /opt) when the sandbox is
// isolated (isolation.hpp), else the host directories they stand for. The driver builds argv,
// cwd and LAMBDA_TASK_ROOT from these, and finds extensions on the host either way.
//
//   cwd = sandbox_task_root(iso, "fn/")                                 // "/var/task" | "/abs/fn"
//   exe = sandbox_path_for_extension("ext", iso, {"l1", "l2"})          // "/opt/extensions/ext"
//                                                                       // |
//                                                                       "/abs/l2/extensions/ext"
//   exe = sandbox_path_for_host_path("fn/bootstrap", iso, "fn", layers) // "/var/task/bootstrap"
//   exe = sandbox_path_for_lambda_path("/opt/wrapper", iso, "fn", layers)  // | "/abs/l2/wrapper"
#include <optional>
#include <string>
#include <vector>

namespace lambda_emu::process {

// "/var/task", or the host task root made absolute.
[[nodiscard]] std::string sandbox_task_root(bool isolated, const std::string& host_task_root);

// "/opt/extensions/<name>", or the file in the last host layer that has it (the last layer when
// none has; "/opt/extensions/<name>" when there are no layers).
[[nodiscard]] std::string sandbox_path_for_extension(const std::string& name, bool isolated,
                                                     const std::vector<std::string>& host_opt_dirs);

// A host file as the sandbox sees it: isolated, a file in the task root is under /var/task and a
// file in a layer under /opt; anything else, and everything without isolation, keeps its
// (absolute) host path.
[[nodiscard]] std::string sandbox_path_for_host_path(const std::string& host_path, bool isolated,
                                                     const std::string& host_task_root,
                                                     const std::vector<std::string>& host_opt_dirs);

// A path of Lambda's filesystem as the sandbox sees it: itself when isolated; else /var/task/...
// becomes the host task root's file and /opt/... the file of the last layer that has it.
[[nodiscard]] std::string sandbox_path_for_lambda_path(
    const std::string& lambda_path, bool isolated, const std::string& host_task_root,
    const std::vector<std::string>& host_opt_dirs);

// The first of `host_paths` (the bootstrap, the task root, layers, the emulator's own directory,
// path-valued variables) that exists under the host's /tmp. A private /tmp would hide it, so the
// sandbox keeps the host's /tmp when there is one.
[[nodiscard]] std::optional<std::string> host_path_under_tmp(
    const std::vector<std::string>& host_paths);

}  // namespace lambda_emu::process

#pragma once
// Lambda's paths and names inside a sandbox. Where the kernel allows it (real root, or an
// unprivileged user namespace), the runtime and the external extensions run in a private mount
// namespace that shows: the task root read-only at /var/task, the layers merged read-only at /opt
// (overlayfs; later layers win), a /tmp private to the sandbox that survives its process
// restarts, and an /etc/hosts that names 127.0.0.1 `sandbox.localdomain` and `sandbox`. Everything
// else stays the host's: the runtime needs the host's node and libc. The network is the host's too
// unless the sandbox has one of its own (network_namespace.hpp; SandboxJoins). Elsewhere the
// processes see the host's paths.
//
// The driver, once at start (probe_isolation itself warns once, naming the reason, when the
// kernel refuses):
//
//   const process::IsolationSupport support = process::probe_isolation(log);
//   std::string error;
//   if (support.available && !(files_ = process::SandboxFiles::create(error)))  // per sandbox
//     log.warn("sandbox isolation unavailable: {}", error);
//   iso_ = files_.has_value();
//   if (iso_) spec_ = {support, host_task_root, host_opt_dirs, files_->tmp_dir(),
//                      files_->hosts_file()};
//
// spec_ and files_ are members: files_ is removed on destruction, so it must outlive the
// supervisor's kill_all(). Every launch of the sandbox passes `iso_ ? &spec_ : nullptr` and uses
// the paths the processes see (sandbox_paths.hpp), "/var/task" and "/opt/..." when isolated:
//
//   runtime    argv[0]   sandbox_task_root(iso_, host_task_root) + "/bootstrap", or a given host
//                        bootstrap through sandbox_path_for_host_path(p, iso_, host_task_root,
//                        host_opt_dirs); then apply_exec_wrapper(argv, customer), whose new
//                        argv[0] is a Lambda path: sandbox_path_for_lambda_path(it, iso_, ...)
//              cwd and LAMBDA_TASK_ROOT   sandbox_task_root(iso_, host_task_root)
//   extension  argv[0]   sandbox_path_for_extension(name, iso_, host_opt_dirs), the names found
//                        on the host (find_extension_files(host_opt_dirs))
//
//   supervisor_.launch({argv, env, cwd, iso_ ? &spec_ : nullptr}, on_line, on_exit);
//
// Host paths under the host's /tmp that are neither in the task root nor in a layer are hidden
// inside: the sandbox has its own /tmp.
#include <sys/types.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/logger.h>

namespace lambda_emu::process {

// How a private mount table is obtained.
enum class NamespaceKind {
  mount,           // unshare(CLONE_NEWNS): real root (CAP_SYS_ADMIN)
  user_and_mount,  // unshare(CLONE_NEWUSER | CLONE_NEWNS), the uid and gid mapped to themselves
};

struct IsolationSupport {
  bool available = false;
  NamespaceKind kind = NamespaceKind::mount;
  bool overlay = false;  // /opt can merge several layers; else only the last layer is mounted
  std::string reason;    // why not available (empty when available)
};

// What to show inside, as host paths (absolute or relative to the emulator's cwd).
struct IsolationSpec {
  IsolationSupport support;           // from probe_isolation()
  std::string task_root;              // at /var/task, read-only; empty: /var/task left alone
  std::vector<std::string> opt_dirs;  // at /opt, read-only, later ones win; empty: host's /opt
  std::string tmp_dir;                // at /tmp, writable
  std::string hosts_file;             // at /etc/hosts (sandbox_hosts())
};

struct ProbeOptions {
  // false: go straight to a user namespace, as an unprivileged user would (tests use it as root).
  bool allow_plain_mount_namespace = true;
};

// Tries the whole setup once in throwaway children (scratch directories mounted over /var/task,
// /opt, /tmp and /etc/hosts) and says whether launches can be isolated, and how. As real root it
// creates an empty /var/task on the host when there is none. Logs a warning naming the reason when
// isolation is unavailable. Blocks for a few milliseconds; call it once, before launching.
[[nodiscard]] IsolationSupport probe_isolation(spdlog::logger& log,
                                               const ProbeOptions& options = {});

// --- pure parts, unit-tested -------------------------------------------------------------------

// What the probe's children found; -1: not tried, 0: worked, else the errno of the failed step.
struct ProbeFindings {
  bool root = false;             // euid 0: may create /var/task on the host
  bool var_task_exists = false;  // /var/task is a directory on the host
  int mount_ns_error = -1;       // the setup in a plain mount namespace, /opt a single bind
  std::string mount_ns_step;     // the step that failed, e.g. "unshare(CLONE_NEWNS)"
  int user_ns_error = -1;        // the same in a new user namespace
  std::string user_ns_step;
  int overlay_error = -1;  // /opt as a read-only overlay of two layers, in the namespace that works
};

struct IsolationDecision {
  IsolationSupport support;
  bool create_var_task = false;  // available once the empty /var/task exists on the host
};

[[nodiscard]] IsolationDecision decide_isolation(const ProbeFindings& findings);

// The sandbox's /etc/hosts: Lambda's names first (the first matching line wins), then the host's.
[[nodiscard]] std::string sandbox_hosts(std::string_view host_hosts);

// overlayfs options for read-only layers, later ones on top: "lowerdir=/l2:/l1", with ':', ','
// and '\' escaped.
[[nodiscard]] std::string overlay_options(const std::vector<std::string>& opt_dirs);

// --- in the child ------------------------------------------------------------------------------

class SandboxCgroup;

// What a sandbox's processes join before anything else, whether or not they are isolated.
struct SandboxJoins {
  const SandboxCgroup* cgroup = nullptr;  // its cgroups (cgroup.hpp), or none
  int network_namespace = -1;             // NetworkNamespace::fd(), or -1: the host's network
  [[nodiscard]] bool empty() const { return cgroup == nullptr && network_namespace < 0; }
};

// The setup steps of one launch, every string and path prepared before fork, so the child runs
// only raw system calls (setns, unshare, open, write, mount) between fork and execve.
class SandboxSetup {
 public:
  // The joins first: a user namespace entered later could no longer join them.
  SandboxSetup(const SandboxJoins& joins, const IsolationSpec* spec);
  explicit SandboxSetup(const IsolationSpec& spec) : SandboxSetup({}, &spec) {}

  // In the child, between fork and execve; async-signal-safe. Returns 0, or the errno of the
  // failed step and its index in *failed_step. The caller chdirs to the cwd afterwards (a cwd
  // inside a new mount is only reachable once it is mounted).
  int enter(std::size_t* failed_step) const noexcept;

  [[nodiscard]] std::size_t size() const { return steps_.size(); }
  [[nodiscard]] bool empty() const { return steps_.empty(); }
  // "mount /opt (overlay of 2 layers)": for error messages, in the parent.
  [[nodiscard]] const std::string& describe(std::size_t step) const;
  [[nodiscard]] bool is_namespace_step(std::size_t step) const;
  [[nodiscard]] bool is_overlay_step(std::size_t step) const;
  // Several layers and no overlay: only the last one is at /opt.
  [[nodiscard]] bool drops_layers() const { return drops_layers_; }

 private:
  enum class Kind { join_cgroup, setns, unshare, write_file, mount };
  struct Step {
    Kind kind = Kind::mount;
    int unshare_flags = 0;  // unshare, and setns's namespace type
    int fd = -1;            // setns
    const SandboxCgroup* cgroup = nullptr;
    std::string path;  // write_file: the file; mount: the target
    std::string content;
    bool optional = false;  // write_file: ENOENT is fine (/proc/self/setgroups before 3.19)
    std::string source, fstype, data;
    unsigned long flags = 0;
    bool overlay = false;
    bool namespace_step = false;
    std::string description;
  };
  void add_bind(const std::string& source, const std::string& target, bool read_only);

  std::vector<Step> steps_;
  bool drops_layers_ = false;
};

}  // namespace lambda_emu::process

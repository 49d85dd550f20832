#pragma once
// Supervisor: starts processes in their own process groups, reads their output line by line,
// notices their exits, and kills whole groups. Nothing it started outlives it.
//
//   Supervisor sup(ioc, log);
//   Launched l = sup.launch({argv, env, cwd}, on_line, on_exit);
//   if (!l.error.empty()) ...;      // "fork/exec /var/task/bootstrap: no such file or directory"
//   sup.kill_group(l.pid, SIGKILL);
//
// With an IsolationSpec (isolation.hpp) the process starts in a private mount namespace that
// shows Lambda's paths; argv[0] and cwd are then paths as seen inside.
#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/logger.h>

#include "http/net.hpp"
#include "lambda_emu/core/events.hpp"
#include "process/isolation.hpp"
#include "process/output_lines.hpp"

namespace lambda_emu::process {

struct LaunchSpec {
  std::vector<std::string> argv;  // argv[0]: the executable, absolute or relative to cwd
  std::vector<std::string> env;   // "KEY=value"
  std::string cwd;
  // Set (and support.available): fork, SandboxSetup, chdir, execve instead of posix_spawn. The
  // spec must outlive the call only.
  const IsolationSpec* isolation = nullptr;
  SandboxJoins joins;
};

struct Launched {
  pid_t pid = -1;
  std::string error;  // set when the executable could not be started, in Go's words
  // Its output: drain() delivers what it wrote so far (output_lines.hpp says why).
  std::shared_ptr<OutputLines> output;
};

class Supervisor {
 public:
  using LineFn = std::function<void(std::string_view)>;
  using ExitFn = std::function<void(core::ExitStatus)>;

  Supervisor(net::io_context& ioc, spdlog::logger& log);
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Starts a process; stdout and stderr (merged, as Lambda merges them) arrive by line. on_exit
  // runs once, after the process is reaped and the rest of its group killed.
  Launched launch(const LaunchSpec& spec, LineFn on_line, ExitFn on_exit);
  // Signals the process group led by `pid`.
  void kill_group(pid_t pid, int signal);
  void kill_all();

 private:
  struct Child {
    ExitFn on_exit;
  };
  void wait_for_sigchld();
  void reap();

  net::io_context& ioc_;
  spdlog::logger& log_;
  net::signal_set sigchld_;
  std::map<pid_t, Child> children_;
  bool warned_layers_ = false;
};

}  // namespace lambda_emu::process

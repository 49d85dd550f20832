#include "process/supervisor.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstring>
#include <filesystem>

namespace lambda_emu::process {
namespace {

std::string lowercase_first(std::string text) {
  if (!text.empty()) {
    text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  }
  return text;
}

// "fork/exec PATH: no such file or directory", as rapid reports a failed exec (C51).
std::string exec_error(const std::string& path, int err) {
  return "fork/exec " + path + ": " + lowercase_first(std::strerror(err));
}

std::vector<char*> c_strings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (const std::string& s : v) {
    out.push_back(const_cast<char*>(s.c_str()));
  }
  out.push_back(nullptr);
  return out;
}

// posix_spawn: stdin /dev/null, stdout and stderr into `out`. Returns the error text, or empty.
std::string spawn(const std::string& exe, char* const* argv, char* const* envp,
                  const std::string& cwd, int out, pid_t& pid) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out, 1);
  posix_spawn_file_actions_adddup2(&actions, out, 2);
  if (!cwd.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  }
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group, so a reset kills everything the runtime started; default signal
  // dispositions and an empty mask, whatever the emulator uses itself.
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t set;
  sigemptyset(&set);
  posix_spawnattr_setsigmask(&attr, &set);
  sigfillset(&set);
  posix_spawnattr_setsigdefault(&attr, &set);
  const int err = ::posix_spawn(&pid, exe.c_str(), &actions, &attr, argv, envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  return err == 0 ? std::string() : exec_error(exe, err);
}

// What the child reports through its error pipe before it gives up.
struct ChildFailure {
  int error;
  int step;  // a SandboxSetup step, or -1: setpgid, dup2, chdir or execve
};

// The same as spawn(), with the sandbox set up between fork and execve. Everything the child
// touches is prepared here first: between fork and execve it makes only async-signal-safe calls.
// A CLOEXEC pipe carries a failure back; it closes unwritten on a successful execve.
std::string spawn_with_setup(const SandboxSetup& setup, const std::string& exe, char* const* argv,
                             char* const* envp, const std::string& cwd, int out, pid_t& pid_out) {
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int err_pipe[2];
  if (null_fd < 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    const int err = errno;
    if (null_fd >= 0) {
      ::close(null_fd);
    }
    return exec_error(exe, err);
  }
  // Blocked until the child has reset every handler: none of the emulator's may run in it.
  sigset_t all, old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  const pid_t pid = ::fork();
  if (pid == 0) {
    auto fail = [&](int step, int err) {
      const ChildFailure f{err, step};
      (void)!::write(err_pipe[1], &f, sizeof f);
      ::_exit(127);
    };
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) {
      ::sigaction(sig, &dfl, nullptr);
    }
    if (::setpgid(0, 0) != 0 || ::dup2(null_fd, 0) < 0 || ::dup2(out, 1) < 0 ||
        ::dup2(out, 2) < 0) {
      fail(-1, errno);
    }
    std::size_t step = 0;
    if (const int err = setup.enter(&step); err != 0) {
      fail(static_cast<int>(step), err);
    }
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) {
      fail(-1, errno);
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(exe.c_str(), argv, envp);
    fail(-1, errno);
  }
  const int fork_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ::close(null_fd);
  ::close(err_pipe[1]);
  if (pid < 0) {
    ::close(err_pipe[0]);
    return exec_error(exe, fork_errno);
  }
  ChildFailure f{0, 0};
  ssize_t n;
  do {
    n = ::read(err_pipe[0], &f, sizeof f);
  } while (n < 0 && errno == EINTR);
  ::close(err_pipe[0]);
  if (n != static_cast<ssize_t>(sizeof f)) {
    pid_out = pid;  // the pipe closed on execve: the program runs
    return {};
  }
  // Not in children_ yet, so reaped here and never reported as an exit.
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  if (f.step < 0) {
    return exec_error(exe, f.error);
  }
  return "sandbox setup failed: " + setup.describe(static_cast<std::size_t>(f.step)) + ": " +
         lowercase_first(std::strerror(f.error));
}

}  // namespace

Supervisor::Supervisor(net::io_context& ioc, spdlog::logger& log)
    : ioc_(ioc), log_(log), sigchld_(ioc, SIGCHLD) {
  wait_for_sigchld();
}

Supervisor::~Supervisor() {
  kill_all();
}

Launched Supervisor::launch(const LaunchSpec& spec, LineFn on_line, ExitFn on_exit) {
  Launched result;
  // The child changes directory before exec, so a relative path must be made absolute first.
  std::string exe = spec.argv.at(0);
  if (exe.find('/') != std::string::npos) {
    exe = std::filesystem::absolute(exe).lexically_normal().string();
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    result.error = exec_error(exe, errno);
    return result;
  }

  std::vector<std::string> argv = spec.argv;
  argv[0] = exe;
  auto cargv = c_strings(argv);
  auto cenv = c_strings(spec.env);
  pid_t pid = -1;
  const bool isolated = spec.isolation && spec.isolation->support.available;
  const SandboxSetup setup(spec.joins, spec.isolation);
  if (!setup.empty()) {
    if (setup.drops_layers() && !warned_layers_) {
      warned_layers_ = true;
      log_.warn("overlayfs refused: /opt shows only the last of {} layers",
                spec.isolation->opt_dirs.size());
    }
    result.error = spawn_with_setup(setup, exe, cargv.data(), cenv.data(), spec.cwd, fds[1], pid);
  } else {
    result.error = spawn(exe, cargv.data(), cenv.data(), spec.cwd, fds[1], pid);
  }
  ::close(fds[1]);
  if (!result.error.empty()) {
    ::close(fds[0]);
    return result;
  }

  result.pid = pid;
  children_[pid] = Child{std::move(on_exit)};
  result.output = OutputLines::start(ioc_, fds[0], std::move(on_line));
  log_.debug("[pid {}] started {}{}{}", pid, exe, isolated ? " (isolated)" : "",
             spec.joins.network_namespace >= 0 ? " (private network)" : "");
  return result;
}

void Supervisor::wait_for_sigchld() {
  sigchld_.async_wait([this](const error_code& ec, int) {
    if (ec) {
      return;
    }
    reap();
    wait_for_sigchld();
  });
}

void Supervisor::reap() {
  for (auto it = children_.begin(); it != children_.end();) {
    int status = 0;
    const pid_t pid = it->first;
    if (::waitpid(pid, &status, WNOHANG) != pid) {
      ++it;
      continue;
    }
    // Whatever the runtime left behind in its group dies with it, as in a Lambda reset.
    ::kill(-pid, SIGKILL);
    core::ExitStatus exit;
    exit.signaled = WIFSIGNALED(status);
    exit.code = exit.signaled ? WTERMSIG(status) : WEXITSTATUS(status);
    log_.debug("[pid {}] exited {} {}", pid, exit.signaled ? "by signal" : "with status",
               exit.code);
    ExitFn on_exit = std::move(it->second.on_exit);
    it = children_.erase(it);
    if (on_exit) {
      on_exit(exit);
    }
  }
}

void Supervisor::kill_group(pid_t pid, int signal) {
  if (pid > 0 && children_.contains(pid)) {
    ::kill(-pid, signal);
  }
}

void Supervisor::kill_all() {
  for (auto& [pid, child] : children_) {
    ::kill(-pid, SIGKILL);
  }
  // Reap synchronously: the emulator is going away and must leave no process behind.
  for (auto& [pid, child] : children_) {
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
  children_.clear();
}

}  // namespace lambda_emu::process

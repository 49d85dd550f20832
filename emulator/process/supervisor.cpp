#include "process/supervisor.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstring>
#include <filesystem>

namespace lambda_emu::process {
namespace {

constexpr std::size_t max_line_bytes = 256 * 1024;

// "fork/exec PATH: no such file or directory", as rapid reports a failed exec (C51).
std::string exec_error(const std::string& path, int err) {
  std::string text = std::strerror(err);
  if (!text.empty()) {
    text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  }
  return "fork/exec " + path + ": " + text;
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
  // posix_spawn changes directory before exec, so a relative path must be made absolute first.
  std::string exe = spec.argv.at(0);
  if (exe.find('/') != std::string::npos) {
    exe = std::filesystem::absolute(exe).lexically_normal().string();
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    result.error = exec_error(exe, errno);
    return result;
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  if (!spec.cwd.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, spec.cwd.c_str());
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

  std::vector<std::string> argv = spec.argv;
  argv[0] = exe;
  auto cargv = c_strings(argv);
  auto cenv = c_strings(spec.env);
  pid_t pid = -1;
  const int err = ::posix_spawn(&pid, exe.c_str(), &actions, &attr, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(fds[1]);
  if (err != 0) {
    ::close(fds[0]);
    result.error = exec_error(exe, err);
    return result;
  }

  result.pid = pid;
  children_[pid] = Child{std::move(on_exit)};
  auto pipe = std::make_shared<net::posix::stream_descriptor>(ioc_, fds[0]);
  net::co_spawn(ioc_, read_lines(std::move(pipe), std::move(on_line)), net::detached);
  log_.debug("[pid {}] started {}", pid, exe);
  return result;
}

net::awaitable<void> Supervisor::read_lines(std::shared_ptr<net::posix::stream_descriptor> pipe,
                                            LineFn on_line) {
  std::string pending;
  for (;;) {
    error_code ec;
    const std::size_t n =
        co_await net::async_read_until(*pipe, net::dynamic_buffer(pending, max_line_bytes), '\n',
                                       net::redirect_error(net::use_awaitable, ec));
    if (ec == net::error::not_found) {
      // A line longer than the cap: pass it on in pieces.
      on_line(pending);
      pending.clear();
      continue;
    }
    if (ec) {
      if (!pending.empty()) {
        on_line(pending);  // the last line had no newline
      }
      co_return;
    }
    std::string_view line(pending.data(), n - 1);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    on_line(line);
    pending.erase(0, n);
  }
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

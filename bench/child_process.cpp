#include "child_process.hpp"

#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

extern char** environ;

namespace bench {

namespace {

cpu_set_t to_cpu_set(const std::vector<int>& cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (const int cpu : cpus)
    CPU_SET(cpu, &set);
  return set;
}

std::vector<std::string> merged_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view entry(*e);
    const auto eq = entry.find('=');
    const auto key = entry.substr(0, eq == std::string_view::npos ? entry.size() : eq + 1);
    bool replaced = false;
    for (const auto& x : extra)
      replaced = replaced || x.starts_with(key);
    if (!replaced)
      env.emplace_back(entry);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> c_array(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

namespace {

// Children still running, so a signal to the bench can stop them (see install_cleanup_handlers).
constexpr std::size_t kMaxTracked = 64;
std::array<std::atomic<pid_t>, kMaxTracked> g_tracked{};

void track(pid_t pid) {
  for (auto& slot : g_tracked) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, pid))
      return;
  }
}

void untrack(pid_t pid) {
  for (auto& slot : g_tracked) {
    pid_t expected = pid;
    if (slot.compare_exchange_strong(expected, 0))
      return;
  }
}

extern "C" void stop_children_and_die(int sig) {
  for (auto& slot : g_tracked) {
    const pid_t pid = slot.load();
    if (pid > 0)
      kill(pid, SIGTERM);
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

}  // namespace

void install_cleanup_handlers() {
  for (const int sig : {SIGINT, SIGTERM, SIGHUP})
    signal(sig, stop_children_and_die);
}

pid_t spawn(const SpawnOptions& options) {
  if (options.argv.empty())
    throw std::invalid_argument("spawn: empty argv");
  std::vector<std::string> args = options.argv;
  std::vector<std::string> env = merged_environment(options.extra_env);
  std::vector<char*> argv = c_array(args);
  std::vector<char*> envp = c_array(env);
  const std::string out_path = options.output_path.empty() ? "/dev/null" : options.output_path;

  // posix_spawn (vfork-style in glibc), as lambda-emu itself starts runtimes: a fork() of the
  // bench would add its page-table copy to the runtime's measured cold start.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (!options.inherit_stderr)
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (const int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP})
    sigaddset(&defaults, sig);
  sigset_t no_mask;
  sigemptyset(&no_mask);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &no_mask);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  // A child inherits the spawning thread's CPU affinity: switch ours around the spawn.
  cpu_set_t saved;
  const bool pin = !options.cpus.empty() && sched_getaffinity(0, sizeof(saved), &saved) == 0;
  if (pin) {
    const cpu_set_t want = to_cpu_set(options.cpus);
    sched_setaffinity(0, sizeof(want), &want);
  }
  pid_t pid = -1;
  const int err = posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  if (pin)
    sched_setaffinity(0, sizeof(saved), &saved);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (err != 0)
    throw std::runtime_error("cannot start " + options.argv[0] + ": " + std::strerror(err));
  track(pid);
  return pid;
}

bool has_exited(pid_t pid, int* status) {
  int st = 0;
  const pid_t r = waitpid(pid, &st, WNOHANG);
  if (r == pid || (r < 0 && errno == ECHILD)) {
    if (status)
      *status = st;
    return true;
  }
  return false;
}

int stop_process(pid_t pid, int sig, std::chrono::milliseconds grace) {
  if (pid <= 0)
    return 0;
  int status = 0;
  if (has_exited(pid, &status))
    return status;
  kill(pid, sig);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  auto pause = std::chrono::microseconds(100);
  while (std::chrono::steady_clock::now() < deadline) {
    if (has_exited(pid, &status))
      return status;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(10000));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  untrack(pid);
  return status;
}

std::string describe_status(int status) {
  if (WIFEXITED(status))
    return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return std::string("signal ") + strsignal(WTERMSIG(status));
  return "status " + std::to_string(status);
}

std::optional<std::string> wait_for_ready_file(const std::string& path, const std::string& key,
                                               pid_t pid, std::chrono::milliseconds timeout,
                                               std::string* error) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::ifstream in(path);
    if (in) {
      std::stringstream text;
      text << in.rdbuf();
      // The writer may not write atomically: an unparsable file is retried until the deadline.
      const auto json = nlohmann::json::parse(text.str(), nullptr, false);
      if (!json.is_discarded() && json.is_object() && json.contains(key) && json[key].is_string())
        return json[key].get<std::string>();
    }
    int status = 0;
    if (pid > 0 && has_exited(pid, &status)) {
      if (error)
        *error = "process exited before it was ready (" + describe_status(status) + ")";
      return std::nullopt;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      if (error)
        *error = "no usable ready file " + path + " (key '" + key + "') in time";
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

std::string self_exe_path() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : p.string();
}

std::string self_exe_dir() {
  const auto p = self_exe_path();
  return p.empty() ? std::string(".") : std::filesystem::path(p).parent_path().string();
}

std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const auto name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line))
      continue;
    // pid (comm) state ppid ...; comm may contain spaces and parentheses.
    const auto close_paren = line.rfind(')');
    if (close_paren == std::string::npos)
      continue;
    std::istringstream rest(line.substr(close_paren + 1));
    char state = 0;
    pid_t ppid = 0;
    if (!(rest >> state >> ppid))
      continue;
    if (ppid == parent && state != 'Z' && state != 'X')
      out.push_back(std::stoi(name));
  }
  return out;
}

std::vector<int> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> out;
  if (sched_getaffinity(0, sizeof(set), &set) != 0)
    return out;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &set))
      out.push_back(cpu);
  return out;
}

bool pin_this_thread(const std::vector<int>& cpus) {
  const cpu_set_t set = to_cpu_set(cpus);
  return sched_setaffinity(0, sizeof(set), &set) == 0;
}

bool pin_process(pid_t pid, const std::vector<int>& cpus) {
  const cpu_set_t set = to_cpu_set(cpus);
  bool ok = true;
  std::error_code ec;
  const std::string task_dir = "/proc/" + std::to_string(pid) + "/task";
  bool any = false;
  for (const auto& entry : std::filesystem::directory_iterator(task_dir, ec)) {
    any = true;
    const pid_t tid = std::stoi(entry.path().filename().string());
    ok = sched_setaffinity(tid, sizeof(set), &set) == 0 && ok;
  }
  if (!any)
    ok = sched_setaffinity(pid, sizeof(set), &set) == 0;
  return ok;
}

}  // namespace bench

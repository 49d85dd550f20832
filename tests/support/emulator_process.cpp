#include "emulator_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

// TestEventListenerBase, for the listener below that counts failed assertions.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

extern char** environ;

namespace lambda_emu::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr auto kReadyTimeout = 10s;

// Failed assertions so far, so an emulator can tell whether the test it served went wrong and
// keep its logs for the reader.
std::atomic<std::uint64_t> g_failed_assertions{0};

class FailureCounter : public Catch::TestEventListenerBase {
 public:
  using TestEventListenerBase::TestEventListenerBase;
  bool assertionEnded(const Catch::AssertionStats& stats) override {
    if (!stats.assertionResult.isOk()) {
      ++g_failed_assertions;
    }
    return true;
  }
};

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) {
    out.push_back(s.data());
  }
  out.push_back(nullptr);
  return out;
}

// Our environment with `extra` ("K=V") added or replacing entries of the same key.
std::vector<std::string> merged_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const std::string_view key = entry.substr(0, entry.find('=') + 1);
    bool replaced = false;
    for (const std::string& x : extra) {
      replaced = replaced || x.starts_with(key);
    }
    if (!replaced) {
      env.emplace_back(entry);
    }
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::uint16_t port_of(const std::string& host_port) {
  const std::size_t colon = host_port.rfind(':');
  if (colon == std::string::npos) {
    throw std::runtime_error("ready file: no port in '" + host_port + "'");
  }
  return static_cast<std::uint16_t>(std::stoi(host_port.substr(colon + 1)));
}

int decode_status(int status) {
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

std::string tail_lines(const std::string& text, std::size_t lines) {
  if (text.empty()) {
    return text;
  }
  std::size_t pos = text.size();
  for (std::size_t n = 0; n <= lines && pos > 0; ++n) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) {
      return text;
    }
  }
  return text.substr(pos + 1);
}

// "{tmp}" stands for the per-test directory, which exists only once the emulator is created.
void substitute_tmp(std::string& text, const std::string& dir) {
  constexpr std::string_view kTmp = "{tmp}";
  for (std::size_t at = text.find(kTmp); at != std::string::npos; at = text.find(kTmp, at)) {
    text.replace(at, kTmp.size(), dir);
    at += dir.size();
  }
}

std::string quote_argv(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) {
    out += (out.empty() ? "" : " ") + ("'" + a + "'");
  }
  return out;
}

}  // namespace

CATCH_REGISTER_LISTENER(FailureCounter)

std::string bin_path(std::string_view name) {
  return (fs::path(LAMBDA_EMU_BIN_DIR) / name).string();
}

std::string lambda_emu_binary() {
  const char* chosen = std::getenv("LAMBDA_EMU_BINARY");
  return chosen != nullptr && *chosen != '\0' ? std::string(chosen) : bin_path("lambda-emu");
}

std::string source_path(std::string_view relative) {
  return (fs::path(LAMBDA_EMU_SOURCE_DIR) / relative).string();
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool process_gone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!stat || !std::getline(stat, text)) {
    return true;
  }
  const std::size_t paren = text.rfind(')');
  return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] == 'Z';
}

EmulatorProcess::EmulatorProcess(EmulatorSpec spec)
    : failures_at_start_(g_failed_assertions.load()) {
  // Not under /tmp: an isolated sandbox has a private /tmp, and tests read what runtimes and
  // extensions write into this directory.
  const fs::path base = fs::path(bin_path("")).parent_path().parent_path() / "test-tmp";
  fs::create_directories(base);
  std::string pattern = (base / "lambda-emu-it.XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  }
  dir_ = pattern;
  const fs::path ready = dir_ / "ready.json";

  argv_ = {lambda_emu_binary(), "serve", "--listen", "127.0.0.1:0", "--ready-file", ready.string()};
  argv_.insert(argv_.end(), spec.args.begin(), spec.args.end());
  argv_.push_back("--");
  argv_.insert(argv_.end(), spec.bootstrap.begin(), spec.bootstrap.end());
  for (std::string& arg : argv_) {
    substitute_tmp(arg, dir_.string());
  }
  for (std::string& kv : spec.env) {
    substitute_tmp(kv, dir_.string());
  }
  std::vector<std::string> argv = argv_;
  std::vector<std::string> env = merged_environment(spec.env);
  std::vector<char*> c_argv = c_strings(argv);
  std::vector<char*> c_env = c_strings(env);
  const std::string out_path = (dir_ / "stdout.log").string();
  const std::string err_path = (dir_ / "stderr.log").string();

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group (so cleanup can kill the group), default dispositions, no mask.
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t set;
  sigemptyset(&set);
  posix_spawnattr_setsigmask(&attr, &set);
  sigfillset(&set);
  posix_spawnattr_setsigdefault(&attr, &set);
  const int err = ::posix_spawn(&pid_, c_argv[0], &actions, &attr, c_argv.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (err != 0) {
    pid_ = -1;
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
    throw std::runtime_error("cannot start " + argv_[0] + ": " + std::strerror(err));
  }

  int status = 0;
  const bool ready_in_time = wait_until(
      [&] {
        if (fs::exists(ready)) {
          return true;
        }
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
          stopped_ = true;
          exit_status_ = decode_status(status);
          return true;
        }
        return false;
      },
      kReadyTimeout);
  if (stopped_ || !ready_in_time) {
    const std::string why = stopped_ ? "exited with status " + std::to_string(exit_status_)
                                     : "wrote no ready file within 10 s";
    const std::string message = "lambda-emu " + why + "\n" + describe();
    stop();
    fs::remove_all(dir_);
    throw std::runtime_error(message);
  }
  ready_text_ = read_file(ready);
  const auto j = nlohmann::json::parse(ready_text_);
  invoke_port_ = port_of(j.at("invoke").get<std::string>());
  runtime_api_port_ = port_of(j.at("runtime_api").get<std::string>());
  sandbox_paths_ = j.value("sandbox_paths", false);
  private_tmp_ = j.value("private_tmp", false);
  if (j.contains("function_url")) {
    function_url_port_ = port_of(j["function_url"].get<std::string>());
  }
}

EmulatorProcess::~EmulatorProcess() {
  stop();
  kill_leftovers();
  if (g_failed_assertions.load() != failures_at_start_ || std::uncaught_exceptions() > 0) {
    std::cerr << "---- lambda-emu of the failed test; logs kept in " << dir_.string() << "\n"
              << describe() << "----\n";
    return;
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string EmulatorProcess::stdout_text() const {
  return read_file(dir_ / "stdout.log");
}

std::string EmulatorProcess::stderr_text() const {
  return read_file(dir_ / "stderr.log");
}

namespace {

std::size_t occurrences(const std::string& text, std::string_view needle, std::size_t enough) {
  std::size_t found = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos && found < enough;
       at = text.find(needle, at + needle.size())) {
    ++found;
  }
  return found;
}

}  // namespace

bool EmulatorProcess::wait_for_stderr(std::string_view needle,
                                      std::chrono::milliseconds timeout) const {
  return wait_until([&] { return occurrences(stderr_text(), needle, 1) == 1; }, timeout);
}

bool EmulatorProcess::wait_for_stdout(std::string_view needle, std::chrono::milliseconds timeout,
                                      std::size_t count) const {
  return wait_until([&] { return occurrences(stdout_text(), needle, count) >= count; }, timeout);
}

std::vector<pid_t> EmulatorProcess::child_pids() const {
  std::vector<pid_t> out;
  if (pid_ <= 0) {
    return out;
  }
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    std::ifstream stat(e.path() / "stat");
    std::string text;
    if (!std::getline(stat, text)) {
      continue;
    }
    // pid (comm) state ppid ...: comm may hold spaces, so parse after the last ')'.
    const std::size_t paren = text.rfind(')');
    if (paren == std::string::npos) {
      continue;
    }
    std::istringstream rest(text.substr(paren + 1));
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == pid_ && state != 'Z') {
      out.push_back(static_cast<pid_t>(std::stol(name)));
    }
  }
  return out;
}

int EmulatorProcess::stop(std::chrono::milliseconds grace) {
  if (stopped_ || pid_ <= 0) {
    return exit_status_;
  }
  // Runtimes live in their own process groups; remember them in case SIGKILL is needed.
  runtime_groups_ = child_pids();
  ::kill(pid_, SIGTERM);
  int status = 0;
  const bool exited = wait_until([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, grace);
  if (!exited) {
    for (const pid_t child : child_pids()) {
      runtime_groups_.push_back(child);
    }
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
  }
  stopped_ = true;
  exit_status_ = decode_status(status);
  return exit_status_;
}

void EmulatorProcess::kill_leftovers() {
  if (pid_ <= 0) {
    return;
  }
  ::kill(-pid_, SIGKILL);
  for (const pid_t group : runtime_groups_) {
    ::kill(-group, SIGKILL);
  }
  runtime_groups_.clear();
}

std::string EmulatorProcess::describe() const {
  std::ostringstream s;
  s << "command: " << quote_argv(argv_) << "\n"
    << "stdout (tail):\n"
    << tail_lines(stdout_text(), 60) << "stderr (tail):\n"
    << tail_lines(stderr_text(), 30);
  return s.str();
}

}  // namespace lambda_emu::testing

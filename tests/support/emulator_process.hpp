#pragma once
// EmulatorProcess: one `lambda-emu serve` child for an integration test.
//
// It starts build/bin/lambda-emu in its own process group, listening on 127.0.0.1 port 0, with
// stdout and stderr captured in files of a per-test temporary directory, and waits (with a
// deadline) for the ready file that names both ports. The destructor stops it and everything it
// started. Integration tests talk to it with http_client.hpp.
//
//   EmulatorProcess emu({.args = {"--handler", "echo"}, .bootstrap = {bin_path("test-runtime")}});
//   HttpResult r = request(emu.invoke_port(), "POST", kInvokePath, "{}");
//   REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", 5s));
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace lambda_emu::testing {

// build/bin/<name>: the emulator and the test runtimes of the same build.
std::string bin_path(std::string_view name);
// The lambda-emu under test: $LAMBDA_EMU_BINARY (the sanitizer pass sets it), else
// bin_path("lambda-emu").
std::string lambda_emu_binary();
// <source tree>/<relative>: bootstraps and handler files kept in the repository.
std::string source_path(std::string_view relative);

// In args, bootstrap and env, "{tmp}" is replaced by the per-test directory (e.g. a trace file).
struct EmulatorSpec {
  std::vector<std::string> args;       // `serve` options, placed before "--"
  std::vector<std::string> bootstrap;  // the runtime's argv, placed after "--"
  std::vector<std::string> env;        // "K=V" added to the emulator's (and so the runtime's) env
};

class EmulatorProcess {
 public:
  // Starts the emulator and waits up to 10 s for its ready file; throws std::runtime_error
  // (with the emulator's stderr) if it exits or never gets ready.
  explicit EmulatorProcess(EmulatorSpec spec);
  ~EmulatorProcess();
  EmulatorProcess(const EmulatorProcess&) = delete;
  EmulatorProcess& operator=(const EmulatorProcess&) = delete;

  [[nodiscard]] std::uint16_t invoke_port() const { return invoke_port_; }
  [[nodiscard]] std::uint16_t runtime_api_port() const { return runtime_api_port_; }
  // With --function-url-port: the port of the function's URL (0 otherwise).
  [[nodiscard]] std::uint16_t function_url_port() const { return function_url_port_; }
  [[nodiscard]] pid_t pid() const { return pid_; }
  // The sandbox's processes see Lambda's paths (/var/task, /opt, a private /tmp), not the host's.
  [[nodiscard]] bool sandbox_paths() const { return sandbox_paths_; }
  [[nodiscard]] bool private_tmp() const { return private_tmp_; }
  // `host_path` as the runtime sees it: /var/task when the sandbox has Lambda's paths.
  [[nodiscard]] std::string task_root_seen(const std::string& host_path) const {
    return sandbox_paths_ ? "/var/task" : host_path;
  }
  // The per-test directory (removed by the destructor unless a check failed).
  [[nodiscard]] const std::filesystem::path& temp_dir() const { return dir_; }

  // Everything the emulator has written to stdout / stderr so far.
  // The ready file as the emulator wrote it (JSON).
  [[nodiscard]] const std::string& ready_text() const { return ready_text_; }
  [[nodiscard]] std::string stdout_text() const;
  [[nodiscard]] std::string stderr_text() const;
  // Polls stdout until `needle` occurs `count` times; false at the deadline.
  bool wait_for_stdout(std::string_view needle, std::chrono::milliseconds timeout,
                       std::size_t count = 1) const;
  // Polls the emulator's own log (stderr) likewise.
  bool wait_for_stderr(std::string_view needle, std::chrono::milliseconds timeout) const;

  // Direct children of the emulator (its runtime), found in /proc.
  [[nodiscard]] std::vector<pid_t> child_pids() const;

  // SIGTERM, then waits up to `grace` before SIGKILL. Returns the exit code, or 128 + signal
  // number if a signal ended it. Idempotent: later calls return the first result.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

  // Command line and the tails of both logs, for failure messages.
  [[nodiscard]] std::string describe() const;

 private:
  void kill_leftovers();

  std::filesystem::path dir_;
  std::vector<std::string> argv_;
  pid_t pid_ = -1;
  std::vector<pid_t> runtime_groups_;  // remembered so a SIGKILLed emulator leaves nothing
  std::uint16_t invoke_port_ = 0;
  std::uint16_t runtime_api_port_ = 0;
  std::string ready_text_;
  std::uint16_t function_url_port_ = 0;
  bool sandbox_paths_ = false;
  bool private_tmp_ = false;
  bool stopped_ = false;
  int exit_status_ = -1;
  std::uint64_t failures_at_start_ = 0;
};

// True once `pid` has exited (gone from /proc, or a zombie).
bool process_gone(pid_t pid);

// Polls `condition` every 5 ms until it holds or `timeout` passes; returns its last value.
template <typename F>
bool wait_until(F&& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) {
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// Reads a whole file; empty if it does not exist.
std::string read_file(const std::filesystem::path& path);

}  // namespace lambda_emu::testing

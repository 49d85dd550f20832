#pragma once
// Spawning, placing and stopping the processes the bench measures.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace bench {

struct SpawnOptions {
  std::vector<std::string> argv;       // argv[0] is the path executed
  std::vector<std::string> extra_env;  // "KEY=VALUE", added to (or replacing in) our environment
  std::string output_path;             // stdout+stderr appended here; empty: /dev/null
  bool inherit_stderr = false;         // keep our stderr instead (stdout still redirected)
  std::vector<int> cpus;               // affinity for the child; empty: inherit ours
};

// posix_spawn, as lambda-emu starts runtimes. Throws std::runtime_error if it fails (glibc
// reports exec errors too). The child is remembered until reaped, for the cleanup handlers.
pid_t spawn(const SpawnOptions& options);

// On SIGINT/SIGTERM/SIGHUP: SIGTERM every child not yet reaped, then die of the signal.
void install_cleanup_handlers();

// Sends sig, waits up to grace for the exit, then SIGKILLs. Returns the waitpid status.
int stop_process(pid_t pid, int sig, std::chrono::milliseconds grace);

// True (and the status stored) if pid has exited; reaps it.
bool has_exited(pid_t pid, int* status);

std::string describe_status(int status);

// Polls for a JSON file holding a string member `key` (e.g. "invoke" in the emulator's ready
// file) until the deadline. Fails early with *error set if `pid` exits meanwhile.
std::optional<std::string> wait_for_ready_file(const std::string& path, const std::string& key,
                                               pid_t pid, std::chrono::milliseconds timeout,
                                               std::string* error);

// Directory holding the running executable (dirname of /proc/self/exe).
std::string self_exe_dir();
std::string self_exe_path();

// Live (non-zombie) processes whose parent is `parent`, found by scanning /proc.
std::vector<pid_t> children_of(pid_t parent);

// CPUs this process may run on, in order.
std::vector<int> allowed_cpus();
// Pins every thread of `pid` to the given CPUs (0: the calling thread). Returns false on error.
bool pin_process(pid_t pid, const std::vector<int>& cpus);
bool pin_this_thread(const std::vector<int>& cpus);

}  // namespace bench

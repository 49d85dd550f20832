#pragma once
// What one benchmark run shares: options, temporary directory, CPU placement, the failures and
// notes to report, and starting/stopping the processes it measures.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "child_process.hpp"
#include "options.hpp"

namespace bench {

using Clock = std::chrono::steady_clock;

inline constexpr std::string_view kInvokePath = "/2015-03-31/functions/function/invocations";
inline constexpr std::chrono::seconds kReadyTimeout{10};
inline constexpr std::chrono::seconds kColdTimeout{15};

struct Context {
  Options opt;
  std::filesystem::path tmp;
  std::vector<int> all_cpus;
  std::vector<int> cpu_a;  // client, relay, emulator (when pinned)
  std::vector<int> cpu_b;  // echo server, runtime (when pinned)
  bool pinned = false;
  int ready_counter = 0;
  std::vector<std::string> failures;  // things that failed to start or broke mid-run
  std::vector<std::string> notes;     // things worth reading that are not failures
  // How the first lambda-emu shaped its sandboxes (its ready file's cpu_scaling, memory_limit,
  // freezer): figures mean something else where the kernel refused cgroups.
  std::string sandboxes;

  // A path in tmp for a child's ready file, unique within the run.
  std::string fresh_ready_file(const std::string& what) {
    return (tmp / (what + "-" + std::to_string(++ready_counter) + ".json")).string();
  }
};

struct Child {
  pid_t pid = -1;
  std::string address;  // what it listens on
  explicit operator bool() const { return pid > 0; }
};

// What differs between the lambda-emu instances a run starts.
struct EmulatorLaunch {
  std::string opt_dir;      // --opt-dir (a layer with external extensions); empty: none given
  std::string output_path;  // its stdout+stderr; empty: --emulator-log (or discarded)
  std::vector<std::string> options;  // more `serve` options
  std::string bootstrap;             // empty: --runtime with --handler echo
};

// `lambda-emu serve --listen 127.0.0.1:0 --ready-file F [--opt-dir D] OPTIONS -- BOOTSTRAP`
// (`--handler echo -- RUNTIME` by default), waited for until its ready file names the invoke
// address. On failure: a failure recorded, empty Child.
Child start_emulator(Context& ctx, const std::vector<int>& cpus, const EmulatorLaunch& launch = {});

// `lambda-emu-bench ARGS... --ready-file F` (a floor server), waited for likewise.
Child start_floor_server(Context& ctx, std::vector<std::string> args, const std::vector<int>& cpus,
                         const std::string& what);

// SIGTERM, waitpid; SIGKILL after 5 s.
void stop_child(Child& child);

// All live descendants of pid (the runtime, and anything it started).
std::vector<pid_t> descendants_of(pid_t pid);

// With --pin: moves everything lambda-emu started (runtime, extensions) to the second CPU. Call
// once they exist, i.e. after the first invoke. The second form moves them to `cpus` in any case.
void pin_emulator_children(const Context& ctx, const Child& emulator);
void pin_emulator_children(const Child& emulator, const std::vector<int>& cpus);

// With the bench as child subreaper, runtimes the emulator failed to stop become our children.
// Kills and reaps them; returns how many were still alive after a short grace.
std::size_t reap_leftovers();

// A valid JSON document of exactly `size` bytes (Lambda requires JSON events).
std::string make_payload(std::size_t size);

// A new directory where sandboxed processes see the host's files too: /dev/shm, else /var/tmp
// (lambda-emu gives runtimes and extensions a private /tmp where the kernel allows). Empty, with
// *error set, if neither can hold one.
std::filesystem::path visible_scratch_dir(const std::string& prefix, std::string* error);

}  // namespace bench

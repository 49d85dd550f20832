#pragma once
// Events: everything that can happen to a sandbox, as plain values fed to Sandbox::handle.
//
// Adapters validate what they can before building an event (request ids are checked by the core
// because only it knows the current invoke). Bodies are moved in, never copied.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "lambda_emu/core/invoke.hpp"

namespace lambda_emu::core {

using Generation = std::uint64_t;  // one per runtime process launch; stale exits are ignored
using TimerId = std::uint64_t;

// How a process ended, as waitpid reports it.
struct ExitStatus {
  bool signaled = false;
  int code = 0;  // exit code, or signal number when signaled
  // Killed for going past the memory size (the sandbox's memory cgroup counted an OOM kill).
  bool out_of_memory = false;
};

// The invoke is shared from here on: the runtime's delivery and the extensions' INVOKE events
// hand out the same one, never a copy.
struct InvokeArrived {
  explicit InvokeArrived(Invoke&& in) : invoke(std::make_shared<const Invoke>(std::move(in))) {}
  explicit InvokeArrived(std::shared_ptr<const Invoke> in) : invoke(std::move(in)) {}

  std::shared_ptr<const Invoke> invoke;
};
// Init before any invoke: at startup when the function is eager, for provisioned concurrency, or
// proactively. `ahead`: the Init is on no invoke's path, so no REPORT shows its duration, as for
// Lambda's provisioned and proactively initialized environments; eager Init keeps RIE's habit of
// showing it on the first invoke.
struct InitRequested {
  bool ahead = false;
};
struct StopRequested {};  // the emulator is shutting down

// One process of the sandbox: the runtime, or the external extension FunctionConfig::extensions
// names at `index`. Every init launches a new generation of them; stale reports are ignored.
struct ProcessRef {
  static constexpr std::size_t runtime_index = static_cast<std::size_t>(-1);
  std::size_t index = runtime_index;
  Generation generation = 0;

  [[nodiscard]] bool is_runtime() const { return index == runtime_index; }
  [[nodiscard]] static ProcessRef runtime(Generation g) { return {runtime_index, g}; }
  [[nodiscard]] static ProcessRef extension(std::size_t i, Generation g) { return {i, g}; }
  bool operator==(const ProcessRef&) const = default;
};

struct LaunchFailed {
  ProcessRef process;
  std::string message;  // e.g. "fork/exec /var/task/bootstrap: no such file or directory"
};
struct ProcessExited {
  ProcessRef process;
  ExitStatus status;
};

struct RuntimeNext {};

enum class ResponseMode { buffered, streaming, invalid };

struct RuntimeResponse {
  std::string request_id;
  std::string body;
  std::string content_type;
  ResponseMode mode = ResponseMode::buffered;
  std::uint64_t size = 0;  // bytes the runtime sent; may exceed body.size() when over the limit
};
// A streamed /response (section 3.1): its header arrived, the body flows to the caller as it
// comes (the adapter moves the bytes; the core sees only the start and the end).
struct RuntimeStreamStarted {
  std::string request_id;
  std::string content_type;
};
struct RuntimeStreamEnded {
  enum class End {
    complete,   // the body ended normally; error trailers, if any, below
    truncated,  // the connection broke mid-body (C26)
    too_large,  // more than the streamed limit (C28)
  };
  std::string request_id;
  End end = End::complete;
  std::uint64_t size = 0;  // bytes streamed
  std::string error_type;  // Lambda-Runtime-Function-Error-Type trailer (C25); empty: none
  std::string error_body;  // Lambda-Runtime-Function-Error-Body, base64-decoded
};
struct RuntimeError {
  std::string request_id;
  std::string error_type;  // Lambda-Runtime-Function-Error-Type, or the body's errorType
  std::string body;
  std::string content_type;
};
struct RuntimeInitError {
  std::string error_type;
  std::string body;
  std::string content_type;
};

// --- Extensions API (section 4). Adapters check header syntax (names present, identifiers
// UUID-shaped, bodies JSON); the core checks everything that depends on state.

struct ExtensionRegister {
  std::string name;                 // Lambda-Extension-Name
  std::string identifier;           // a fresh UUID from the adapter; kept when accepted
  std::vector<std::string> events;  // as sent: "INVOKE", "SHUTDOWN", or anything else (refused)
};
struct ExtensionNext {
  std::string identifier;
};
struct ExtensionInitError {
  std::string identifier;
  std::string error_type;  // Lambda-Extension-Function-Error-Type
};
struct ExtensionExitError {
  std::string identifier;
  std::string error_type;
};
// PUT /2022-07-01/telemetry or /2020-08-15/logs with a body the adapter already validated.
struct TelemetrySubscribe {
  std::string identifier;
  std::vector<std::string> types;
  bool logs_api = false;
};

struct TimerFired {
  TimerId id;
};

using Event = std::variant<InvokeArrived, InitRequested, StopRequested, LaunchFailed, ProcessExited,
                           RuntimeNext, RuntimeResponse, RuntimeStreamStarted, RuntimeStreamEnded,
                           RuntimeError, RuntimeInitError, ExtensionRegister, ExtensionNext,
                           ExtensionInitError, ExtensionExitError, TelemetrySubscribe, TimerFired>;

}  // namespace lambda_emu::core

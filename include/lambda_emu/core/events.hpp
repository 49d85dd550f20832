#pragma once
// Events: everything that can happen to a sandbox, as plain values fed to Sandbox::handle.
//
// Adapters validate what they can before building an event (request ids are checked by the core
// because only it knows the current invoke). Bodies are moved in, never copied.
#include <cstdint>
#include <string>
#include <variant>

#include "lambda_emu/core/invoke.hpp"

namespace lambda_emu::core {

using Generation = std::uint64_t;  // one per runtime process launch; stale exits are ignored
using TimerId = std::uint64_t;

// How a process ended, as waitpid reports it.
struct ExitStatus {
  bool signaled = false;
  int code = 0;  // exit code, or signal number when signaled
};

struct InvokeArrived {
  Invoke invoke;
};
struct InitRequested {};  // eager init at startup
struct StopRequested {};  // the emulator is shutting down

struct RuntimeLaunchFailed {
  Generation generation;
  std::string message;  // e.g. "fork/exec /var/task/bootstrap: no such file or directory"
};
struct RuntimeExited {
  Generation generation;
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

struct TimerFired {
  TimerId id;
};

using Event =
    std::variant<InvokeArrived, InitRequested, StopRequested, RuntimeLaunchFailed, RuntimeExited,
                 RuntimeNext, RuntimeResponse, RuntimeError, RuntimeInitError, TimerFired>;

}  // namespace lambda_emu::core

#pragma once
// The lifecycle's state vocabulary: sandbox phases, runtime states (RIE's names, section 2.1) and
// init phases. Every enum has a to_string; error messages and the trace use those names.
#include <string_view>

namespace lambda_emu::core {

enum class SandboxPhase {
  idle,          // no runtime process; the next invoke starts an init
  initializing,  // runtime launched, waiting for its first /next
  ready,         // initialized, runtime parked in /next, no invoke running
  invoking,      // an invoke is running (possibly with an init inside it)
  resetting,     // runtime killed after a failure, waiting for it to exit
  stopped,       // shut down for good
};

// Runtime API states. `response_sent` is RIE's RuntimeResponseSentState.
enum class RuntimeState { none, started, ready, running, response_sent, init_error };

// Target states named in InvalidStateTransition messages.
enum class RuntimeTarget { ready, invocation_response, invocation_error_response, init_error };

// `init` for a regular Init phase; `invoke` for an init re-run inside an invoke after a failure
// or reset ("suppressed init", section 6.1).
enum class InitPhase { init, invoke };

enum class InitializationType { on_demand, provisioned_concurrency, snap_start };

// Extensions API states (section 4.2), named as rapid names them in its 403 messages.
enum class ExtensionState {
  launched,  // external process started, not registered yet ("Started" in messages)
  registered,
  ready,    // parked in /event/next
  running,  // an event was delivered
  init_error,
  exit_error,
  exited,           // exited 0 after SHUTDOWN
  shutdown_failed,  // killed, or nonzero exit at shutdown
  launch_error,
};

// Why an environment shuts down (SHUTDOWN event shutdownReason, section 4.4).
enum class ShutdownReason { spindown, timeout, failure };

[[nodiscard]] std::string_view to_string(SandboxPhase p);
[[nodiscard]] std::string_view to_string(RuntimeState s);
[[nodiscard]] std::string_view to_string(RuntimeTarget t);
[[nodiscard]] std::string_view to_string(InitPhase p);
[[nodiscard]] std::string_view to_string(InitializationType t);
[[nodiscard]] std::string_view to_string(ExtensionState s);
[[nodiscard]] std::string_view to_string(ShutdownReason r);

}  // namespace lambda_emu::core

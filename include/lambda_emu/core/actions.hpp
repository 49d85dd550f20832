#pragma once
// Actions: what the lifecycle core asks its driver to do. The core performs no I/O; the real
// driver turns these into processes, HTTP responses and steady timers, the simulator into
// scheduled virtual events.
#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "lambda_emu/core/events.hpp"
#include "lambda_emu/core/records.hpp"
#include "lambda_emu/core/states.hpp"

namespace lambda_emu::core {

// Start a process: the runtime, or an external extension (with the extension environment).
struct Spawn {
  ProcessRef process;
};
// Signal a process's whole group: SIGTERM asks it to end, SIGKILL ends it (section 6.3).
enum class Signal { terminate, kill };
struct SignalProcess {
  ProcessRef process;
  Signal signal;
};
// Answer the runtime's parked /next with this invoke.
struct DeliverInvoke {
  std::shared_ptr<const Invoke> invoke;
  WallTime deadline{};
};
// Answer an extension's parked /event/next (section 4.4).
struct ExtensionEvent {
  enum class Kind { invoke, shutdown };
  Kind kind = Kind::invoke;
  WallTime deadline{};                   // deadlineMs
  std::shared_ptr<const Invoke> invoke;  // INVOKE: requestId, invokedFunctionArn, tracing
  ShutdownReason reason = ShutdownReason::spindown;  // SHUTDOWN
};
struct DeliverExtensionEvent {
  std::string identifier;
  ExtensionEvent event;
};
// The runtime streams its response: the caller's answer starts now, with this content type, and
// the body follows as the runtime writes it. The CompleteInvoke that follows ends the stream.
struct StartStream {
  std::string request_id;
  std::string content_type;
};
// The invoke's one and only outcome, for its caller.
struct CompleteInvoke {
  std::string request_id;
  Outcome outcome;
};
struct ArmTimer {
  TimerId id;
  Instant at;
};
struct CancelTimer {
  TimerId id;
};
struct EmitRecord {
  // Built in place: the core makes the record inside its action.
  template <class R, class... Args>
  explicit EmitRecord(std::in_place_type_t<R> kind, Args&&... args)
      : record(kind, std::forward<Args>(args)...) {}

  Record record;
};
// For the lifecycle trace: an actor ("sandbox", "runtime") changed state.
struct Transition {
  std::string_view actor;  // "sandbox", "runtime", "extension"
  std::string extension;   // the extension's name; empty for the others (no allocation)
  std::string_view from;
  std::string_view to;

  // "sandbox", "runtime", "extension <name>"
  [[nodiscard]] std::string who() const {
    return extension.empty() ? std::string(actor) : std::string(actor) + " " + extension;
  }
};
// Lambda freezes an environment that has nothing to do: the invoke (or Init) is over, the runtime
// and the INVOKE-subscribed extensions wait in their next calls. None of its processes runs until
// Thaw, which comes before the next event is delivered and before any signal (a frozen process
// could not act on it).
struct Freeze {};
struct Thaw {};
// Everything is down: no process, no invoke, nothing armed.
struct Stopped {};

// Which of the optional outputs, the records and the transitions, the driver listens to. The
// emulator takes every record, and the transitions when it logs or traces them; the simulator
// only the few records it measures. The core spends nothing building the rest (most of its work
// on a warm invoke).
class Outputs {
 public:
  [[nodiscard]] static constexpr Outputs all() { return Outputs(~0u, true); }
  template <class... R>
  [[nodiscard]] static constexpr Outputs records_only() {
    return Outputs((bit<R>() | ... | 0u), false);
  }

  template <class R>
  [[nodiscard]] constexpr bool record() const {
    return (records_ & bit<R>()) != 0;
  }
  [[nodiscard]] constexpr bool transitions() const { return transitions_; }
  [[nodiscard]] constexpr Outputs with_transitions(bool on) const { return Outputs(records_, on); }

 private:
  constexpr Outputs(unsigned records, bool transitions)
      : records_(records), transitions_(transitions) {}

  template <class R, class... Rs>
  static constexpr std::size_t index_in(const std::variant<Rs...>*) {
    static_assert((std::is_same_v<R, Rs> || ...), "not a Record");
    std::size_t i = 0;
    (void)((std::is_same_v<R, Rs> ? true : (++i, false)) || ...);
    return i;
  }
  template <class R>
  static constexpr unsigned bit() {
    return 1u << index_in<R>(static_cast<const Record*>(nullptr));
  }

  unsigned records_;
  bool transitions_;
};

using Action = std::variant<Spawn, SignalProcess, DeliverInvoke, DeliverExtensionEvent, StartStream,
                            CompleteInvoke, ArmTimer, CancelTimer, EmitRecord, Transition, Freeze,
                            Thaw, Stopped>;

}  // namespace lambda_emu::core

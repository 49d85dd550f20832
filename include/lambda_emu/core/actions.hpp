#pragma once
// Actions: what the lifecycle core asks its driver to do. The core performs no I/O; the real
// driver turns these into processes, HTTP responses and steady timers, the simulator into
// scheduled virtual events.
#include <memory>
#include <string>
#include <variant>

#include "lambda_emu/core/events.hpp"
#include "lambda_emu/core/records.hpp"
#include "lambda_emu/core/states.hpp"

namespace lambda_emu::core {

struct SpawnRuntime {
  Generation generation;
};
// Kill the runtime's whole process group with SIGKILL (no extensions: no SIGTERM first, C55).
struct KillRuntime {
  Generation generation;
};
// Answer the runtime's parked /next with this invoke.
struct DeliverInvoke {
  std::shared_ptr<const Invoke> invoke;
  WallTime deadline{};
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
  Record record;
};
// For the lifecycle trace: an actor ("sandbox", "runtime") changed state.
struct Transition {
  std::string_view actor;
  std::string_view from;
  std::string_view to;
};
// Everything is down: no process, no invoke, nothing armed.
struct Stopped {};

using Action = std::variant<SpawnRuntime, KillRuntime, DeliverInvoke, CompleteInvoke, ArmTimer,
                            CancelTimer, EmitRecord, Transition, Stopped>;

}  // namespace lambda_emu::core

#pragma once
// ExtensionStage: an external extension process. It registers, spends its init (and, with
// telemetry, subscribes to the Telemetry API) before its first /event/next, which holds up the
// end of Init. On every INVOKE it waits for the runtime to say the response is out (one loopback
// hop, as tracer-to-extension flush calls do), spends post_invoke, then calls next: until then
// the environment cannot take the next invoke. On SHUTDOWN it spends `shutdown` and exits.
//
//   {"type": "extension", "name": "telemetry-agent", "init": 40, "telemetry": true,
//    "post_invoke": {"dist": "uniform", "min_ms": 1, "max_ms": 3}, "shutdown": 20}
#include <string>

#include "costs/cost.hpp"
#include "scenario/fields.hpp"

namespace lambda_emu::wrapper_sim {

struct ExtensionStage {
  std::string name;
  costs::Cost init;
  bool telemetry = false;
  costs::Cost post_invoke;
  costs::Cost shutdown;

  [[nodiscard]] static ExtensionStage parse(Fields& f);
};

}  // namespace lambda_emu::wrapper_sim

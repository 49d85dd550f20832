#pragma once
// SandboxStage: the placement and provisioning delay before Init that no wrapper controls (the
// worker is found, the microVM and the code are ready). The caller of a cold start waits for it;
// Init Duration does not include it.
//
//   {"type": "sandbox", "placement": {"dist": "lognormal", "p50_ms": 60, "p99_ms": 250}}
#include "costs/cost.hpp"
#include "scenario/fields.hpp"

namespace lambda_emu::wrapper_sim {

struct SandboxStage {
  costs::Cost placement;

  [[nodiscard]] static SandboxStage parse(Fields& f);
};

}  // namespace lambda_emu::wrapper_sim

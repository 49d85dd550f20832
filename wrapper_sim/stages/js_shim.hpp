#pragma once
// JsShim: pre-handler code in the runtime process (a wrapper's handler that loads config, sets
// up tracing, then calls the user's): work at init, and work before every invoke reaches the
// handler.
//
//   {"type": "js_shim", "init": {"kind": "cpu", "dist": "lognormal", "p50_ms": 12, "p99_ms": 30},
//    "per_invoke": 0.3}
#include "costs/cost.hpp"
#include "scenario/fields.hpp"

namespace lambda_emu::wrapper_sim {

struct JsShim {
  costs::Cost init;
  costs::Cost per_invoke;

  [[nodiscard]] static JsShim parse(Fields& f);
};

}  // namespace lambda_emu::wrapper_sim

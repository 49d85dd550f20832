#pragma once
// HttpServer: the wrapper starts an HTTP server on loopback at init and proxies every invoke
// through it, as launchers and web adapters do. Init waits for the server's startup, which the
// launcher notices only at its next readiness poll; each invoke pays one loopback HTTP round trip
// plus the proxy's own work, and, when the bridge re-encodes bodies, base64 of the payload and
// the response, each encoded on one side of the hop and decoded on the other.
//
//   {"type": "http_server", "startup": {"dist": "lognormal", "p50_ms": 80, "p99_ms": 160},
//    "poll_interval_ms": 10, "per_invoke": 1.5, "base64": true}
#include <cstdint>

#include "costs/cost.hpp"
#include "scenario/fields.hpp"

namespace lambda_emu::wrapper_sim {

struct HttpServer {
  costs::Cost startup;        // process start to listening
  Duration poll_interval{0};  // zero: the launcher waits on the server's own ready signal
  costs::Cost per_invoke;     // the proxy's work per invoke, besides the loopback hop
  bool base64 = false;        // bodies cross the hop base64-encoded (as bridges do)

  // When the launcher sees the server ready: the first poll at or after `startup` (polls at 0,
  // interval, 2 interval, ...), and that poll's own round trip `hop`.
  [[nodiscard]] Duration ready_after(Duration startup_time, Duration hop) const;

  [[nodiscard]] static HttpServer parse(Fields& f);
};

}  // namespace lambda_emu::wrapper_sim

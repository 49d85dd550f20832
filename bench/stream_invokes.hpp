#pragma once
// Streamed responses: a 10 MiB body written by the runtime in 64 KiB chunks ({"do":"stream"} of
// test-runtime) through lambda-emu with --stream-throttle off, against floors measured in the
// same run, interleaved:
//   - the two-hop stream: the same chunks from the floor's echo server through the relay, which
//     passes each piece on as it arrives (client <- relay <- echo server): the same shape as
//     caller <- lambda-emu <- runtime, so the floor for time to first byte and full transfer;
//   - the one-hop stream: the echo server straight to the client (a stricter transfer floor);
//   - a 100 B round trip through the relay, the earliest any answer can come back over two hops.
// With two CPUs or more the part always places its processes as --pin does (client, relay and
// lambda-emu on one CPU, echo server and runtime on another): left to the scheduler, three busy
// processes on two CPUs make either path's first byte p50 jump between ~0.35 and ~0.9 ms from
// run to run, which judges the scheduler, not lambda-emu.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "run_context.hpp"

namespace bench {

struct StreamResult {
  std::uint64_t bytes = 10ull * 1024 * 1024;
  std::size_t runs = 0;
  std::vector<double> emulator_first_byte_us;
  std::vector<double> emulator_total_us;
  std::vector<double> floor_first_byte_us;  // the one-hop stream
  std::vector<double> floor_total_us;
  std::vector<double> relay_first_byte_us;  // the two-hop stream
  std::vector<double> relay_total_us;
  std::vector<double> relay_round_trip_us;  // 100 B through the relay, nothing behind it
  bool pinned = false;                      // placed as --pin does
  std::size_t errors = 0;
  std::string first_error;
  bool ran = false;
};

StreamResult run_streaming(Context& ctx);

}  // namespace bench

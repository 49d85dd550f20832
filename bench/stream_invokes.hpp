#pragma once
// Streamed responses: a 10 MiB body written by the runtime in 64 KiB chunks ({"do":"stream"} of
// test-runtime) through lambda-emu with --stream-throttle off, against floors measured in the
// same run, interleaved:
//   - the two-hop stream: the same chunks from the floor's echo server through the relay, which
//     passes each piece on as it arrives (client <- relay <- echo server): the same shape as
//     caller <- lambda-emu <- runtime, so the floor for time to first byte and full transfer;
//   - the one-hop stream: the echo server straight to the client (a stricter transfer floor);
//   - a 100 B round trip through the relay, the earliest any answer can come back over two hops.
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
  std::vector<double> relay_round_trip_us;  // 100 B through the relay: the first-byte floor
  std::size_t errors = 0;
  std::string first_error;
  bool ran = false;
};

StreamResult run_streaming(Context& ctx);

}  // namespace bench

#pragma once
// Streamed responses: a 10 MiB body written by the runtime in 64 KiB chunks ({"do":"stream"} of
// test-runtime) through lambda-emu with --stream-throttle off, against two floors measured in the
// same run, interleaved:
//   - time to first byte: a 100 B round trip through the relay floor (client -> relay -> echo
//     server and back), the earliest a first byte can come back over two hops;
//   - full transfer: the same chunks streamed by the floor's echo server straight to the client
//     (one hop: a stricter floor than the emulator's two).
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
  std::vector<double> relay_round_trip_us;  // 100 B through the relay: the first-byte floor
  std::size_t errors = 0;
  std::string first_error;
  bool ran = false;
};

StreamResult run_streaming(Context& ctx);

}  // namespace bench

#pragma once
// Warm sequential invokes: lambda-emu and the floor, one keep-alive client each, interleaved.
#include <cstddef>
#include <string>
#include <vector>

#include "invoke_loop.hpp"
#include "run_context.hpp"

namespace bench {

// One payload size: both paths, measured in alternating blocks.
struct SizeRun {
  std::size_t size = 0;
  std::size_t iterations = 0;
  std::size_t warmup = 0;
  std::size_t block = 0;
  PathRun emulator;
  PathRun floor;
};

struct WarmResult {
  std::vector<SizeRun> sizes;
  bool with_emulator = false;
  bool ran = false;
};

// Starts the echo server, the relay and (unless --floor-only) lambda-emu, runs every size and
// stops them again. ran is false if something failed to start or broke (see ctx.failures).
WarmResult run_warm(Context& ctx);

}  // namespace bench

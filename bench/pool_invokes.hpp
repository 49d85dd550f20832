#pragma once
// Throughput of the sandbox pool: `lambda-emu serve --max-concurrency N --at-limit queue` driven by
// N concurrent keep-alive clients, for several N, each measured in rounds (ABBA order, a fresh
// lambda-emu each time) so drift hits every N alike.
#include <cstddef>
#include <vector>

#include "invoke_loop.hpp"
#include "run_context.hpp"

namespace bench {

// The target: four sandboxes give at least twice the throughput of one.
inline constexpr std::size_t kPoolTargetSandboxes = 4;
inline constexpr double kPoolTargetSpeedup = 2.0;

// What each process used of the CPUs during a measured phase, in CPUs (1.0: one CPU all the time).
struct CpuShare {
  double emulator = 0;  // lambda-emu (one thread)
  double runtimes = 0;  // every runtime it started, together
  double bench = 0;     // the bench: its client threads
};

// One emulator, N clients, all starting together.
struct PoolRound {
  std::size_t invokes = 0;   // measured, all clients
  double seconds = 0;        // the first client's start to the last client's end
  double per_second = 0;     // invokes / seconds
  std::size_t runtimes = 0;  // runtime processes after the warm-up: N if every sandbox exists
  CpuShare cpu;
};

// One pool size, over all rounds.
struct PoolSizeRun {
  std::size_t sandboxes = 0;  // N: --max-concurrency and the number of clients
  bool unfrozen = false;      // run with --freeze off: the pool without the freezer's writes
  PathRun invokes;            // every measured invoke of every client and round
  std::vector<PoolRound> rounds;
};

struct PoolResult {
  std::size_t payload = 100;
  std::size_t iterations = 0;  // measured invokes per client and round
  std::size_t warmup = 0;      // per client and round
  std::size_t rounds = 0;
  std::size_t cpus = 0;            // CPUs the bench may use
  std::vector<PoolSizeRun> sizes;  // as configured; then N=1 and N=4 unfrozen, unless the
                                   // emulator arguments set --freeze themselves
  bool ran = false;
};

// Runs every pool size of --pool-sizes, --pool-rounds times each. ran is false if an emulator
// failed to start or a client broke (see ctx.failures).
PoolResult run_pool(Context& ctx);

}  // namespace bench

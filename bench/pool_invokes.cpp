#include "pool_invokes.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <fstream>
#include <latch>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "http_client.hpp"

namespace bench {

namespace {

// Measured invokes per client and round: with 2 rounds of N = 1, 2, 4, 8 that is 30 times this
// many invokes, about 30 s on a quiet 2-core VM.
constexpr double kIterations = 6000;

// What one client of a round did.
struct ClientRun {
  PathRun warmup;
  PathRun measured;
  Clock::time_point start;
  Clock::time_point end;
  std::string failure;  // what stopped it (an I/O error or timeout)
};

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// CPU time (user + system) pid has used so far, in seconds; 0 if it is gone.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  std::getline(in, stat);
  // The name (field 2) may hold spaces and parentheses: count fields from its closing one.
  const auto name_end = stat.rfind(')');
  if (name_end == std::string::npos)
    return 0;
  std::istringstream fields(stat.substr(name_end + 1));
  std::string field;
  unsigned long long ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i >= 14)  // utime, stime
      ticks += std::stoull(field);
  }
  return static_cast<double>(ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// CPU seconds used so far by lambda-emu, by each runtime it started, and by the bench.
struct CpuClock {
  double emulator = 0;
  std::map<pid_t, double> runtimes;
  double bench = 0;
};

CpuClock read_cpu(const Child& emulator) {
  CpuClock c;
  c.emulator = cpu_seconds(emulator.pid);
  for (const pid_t pid : descendants_of(emulator.pid))
    c.runtimes[pid] = cpu_seconds(pid);
  c.bench = cpu_seconds(getpid());
  return c;
}

CpuShare cpu_share(const CpuClock& before, const CpuClock& after, double wall_seconds) {
  CpuShare share;
  if (wall_seconds <= 0)
    return share;
  double runtimes = 0;
  for (const auto& [pid, used] : after.runtimes) {
    const auto it = before.runtimes.find(pid);
    runtimes += used - (it == before.runtimes.end() ? 0 : it->second);
  }
  share.emulator = (after.emulator - before.emulator) / wall_seconds;
  share.runtimes = runtimes / wall_seconds;
  share.bench = (after.bench - before.bench) / wall_seconds;
  return share;
}

void merge(PathRun& into, const PathRun& from) {
  into.samples_us.insert(into.samples_us.end(), from.samples_us.begin(), from.samples_us.end());
  if (into.errors == 0 && from.errors > 0)
    into.first_error = from.first_error;
  into.errors += from.errors;
}

// One round of run.sandboxes sandboxes: a fresh lambda-emu and as many clients, warmed up
// together, then measured together. Returns false (a failure recorded) if the emulator did not
// start or a client broke.
bool run_round(Context& ctx, const PoolResult& pool, PoolSizeRun& run, std::size_t round_number,
               const std::string& payload) {
  const std::size_t n = run.sandboxes;
  const std::string what =
      "pool, N=" + std::to_string(n) + " round " + std::to_string(round_number);
  const std::vector<int> none;
  std::vector<std::string> options{"--max-concurrency", std::to_string(n), "--at-limit", "queue"};
  if (run.unfrozen)
    options.insert(options.end(), {"--freeze", "off"});
  Child emulator = start_emulator(
      ctx, ctx.pinned ? ctx.cpu_a : none,
      EmulatorLaunch{.opt_dir = {}, .output_path = {}, .options = options, .bootstrap = {}});
  if (!emulator)
    return false;

  std::string failure;
  std::vector<std::unique_ptr<HttpClient>> connections;
  std::vector<ClientRun> clients(n);
  PoolRound round;
  try {
    for (std::size_t i = 0; i < n; ++i) {
      connections.push_back(std::make_unique<HttpClient>());
      connections.back()->connect(parse_host_port(emulator.address));
    }
  } catch (const std::exception& e) {
    failure = std::string("cannot connect: ") + e.what();
  }
  if (failure.empty()) {
    std::latch warmed(static_cast<std::ptrdiff_t>(n));
    std::latch go(1);
    CpuClock before;
    Clock::time_point released;
    {
      std::vector<std::jthread> threads;
      for (std::size_t i = 0; i < n; ++i) {
        threads.emplace_back([&, i] {
          HttpClient& client = *connections[i];
          ClientRun& mine = clients[i];
          // Concurrent from the start, so lambda-emu has to start all n sandboxes.
          try {
            invoke_n(client, payload, pool.warmup, &mine.warmup, true);
          } catch (const std::exception& e) {
            mine.failure = std::string("warm-up: ") + e.what();
          }
          warmed.count_down();
          go.wait();
          if (!mine.failure.empty())
            return;
          mine.measured.samples_us.reserve(pool.iterations);
          mine.start = Clock::now();
          try {
            invoke_n(client, payload, pool.iterations, &mine.measured, false);
          } catch (const std::exception& e) {
            mine.failure = e.what();
          }
          mine.end = Clock::now();
        });
      }
      warmed.wait();
      // Every sandbox has answered by now: its runtime exists, to be counted and placed. Whatever
      // happens here, `go` is released, or the clients would wait forever.
      try {
        pin_emulator_children(ctx, emulator);
        round.runtimes = children_of(emulator.pid).size();
        before = read_cpu(emulator);
      } catch (const std::exception& e) {
        failure = std::string("reading /proc: ") + e.what();
      }
      released = Clock::now();
      go.count_down();
    }
    // Read before the emulator stops, while the runtimes still exist.
    round.cpu = cpu_share(before, read_cpu(emulator), seconds(Clock::now() - released));

    Clock::time_point first_start = Clock::time_point::max();
    Clock::time_point last_end = Clock::time_point::min();
    PathRun warmup;
    for (std::size_t i = 0; i < n; ++i) {
      const ClientRun& c = clients[i];
      if (!c.failure.empty() && failure.empty())
        failure = "client " + std::to_string(i + 1) + ": " + c.failure;
      merge(warmup, c.warmup);
      merge(run.invokes, c.measured);
      round.invokes += c.measured.samples_us.size();
      first_start = std::min(first_start, c.start);
      last_end = std::max(last_end, c.end);
    }
    round.seconds = seconds(last_end - first_start);
    round.per_second = round.seconds > 0 ? static_cast<double>(round.invokes) / round.seconds : 0;
    if (warmup.errors)
      ctx.notes.push_back(what + " warm-up: " + std::to_string(warmup.errors) +
                          " bad responses, first: " + warmup.first_error);
    if (round.runtimes != n)
      ctx.notes.push_back(what + ": " + std::to_string(round.runtimes) +
                          " runtime processes after the warm-up, not " + std::to_string(n));
  }
  for (auto& c : connections)
    c->close();
  int status = 0;
  if (has_exited(emulator.pid, &status)) {
    ctx.failures.push_back("lambda-emu exited during the " + what + " (" + describe_status(status) +
                           ")");
    emulator.pid = -1;
  }
  stop_child(emulator);
  if (const auto leaked = reap_leftovers())
    ctx.notes.push_back("after SIGTERM to lambda-emu (" + what + "), " + std::to_string(leaked) +
                        " process(es) it started were still running and were killed");
  if (!failure.empty()) {
    ctx.failures.push_back(what + " aborted: " + failure);
    return false;
  }
  run.rounds.push_back(round);
  return true;
}

}  // namespace

PoolResult run_pool(Context& ctx) {
  PoolResult result;
  const auto& opt = ctx.opt;
  result.iterations = std::max<std::size_t>(
      10, opt.pool_iterations
              ? *opt.pool_iterations
              : static_cast<std::size_t>(std::lround(kIterations * opt.quick_scale)));
  // Enough that all N clients were in flight at once at least once, so every sandbox exists before
  // the measurement (20 each left one of 8 unstarted now and then).
  result.warmup = std::max<std::size_t>(50, opt.warmup);
  result.rounds = opt.pool_rounds;
  result.cpus = ctx.all_cpus.size();
  for (const std::size_t n : opt.pool_sizes) {
    PoolSizeRun run;
    run.sandboxes = n;
    result.sizes.push_back(std::move(run));
  }
  // Freezing (on by default) costs every invoke two kernel writes, whatever N is; the pool's own
  // scaling is measured beside it without them, at the two sizes the target compares.
  const bool sets_freeze = std::find(opt.emulator_args.begin(), opt.emulator_args.end(),
                                     "--freeze") != opt.emulator_args.end();
  const auto measured = [&](std::size_t n) {
    return std::find(opt.pool_sizes.begin(), opt.pool_sizes.end(), n) != opt.pool_sizes.end();
  };
  if (!sets_freeze && measured(1) && measured(kPoolTargetSandboxes)) {
    for (const std::size_t n : {std::size_t{1}, kPoolTargetSandboxes}) {
      PoolSizeRun run;
      run.sandboxes = n;
      run.unfrozen = true;
      result.sizes.push_back(std::move(run));
    }
  }
  const std::string payload = make_payload(result.payload);

  std::string sizes_text;
  std::string unfrozen_text;
  for (const auto& run : result.sizes) {
    std::string& text = run.unfrozen ? unfrozen_text : sizes_text;
    text += (text.empty() ? "" : ",") + std::to_string(run.sandboxes);
  }
  if (!unfrozen_text.empty())
    sizes_text += " and, with --freeze off, " + unfrozen_text;
  std::printf(
      "  N = %s sandboxes, %zu round%s in ABBA order; per client %zu warm-up, then %zu "
      "invokes...\n",
      sizes_text.c_str(), result.rounds, result.rounds == 1 ? "" : "s", result.warmup,
      result.iterations);
  std::fflush(stdout);
  // Forward in even rounds, backward in odd ones, a fresh emulator each time: drift and whatever
  // the previous emulator left behind hit every N alike.
  for (std::size_t round = 0; round < result.rounds; ++round) {
    for (const std::size_t i : interleaved_order(result.sizes.size(), round)) {
      if (!run_round(ctx, result, result.sizes[i], round + 1, payload))
        return result;
    }
  }
  result.ran = true;
  return result;
}

}  // namespace bench

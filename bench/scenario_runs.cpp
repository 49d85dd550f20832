#include "scenario_runs.hpp"

#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "child_process.hpp"
#include "cold_serve.hpp"
#include "emulator_variant.hpp"
#include "invoke_loop.hpp"

namespace bench {

namespace {

namespace fs = std::filesystem;
using lambda_emu::Duration;
using lambda_emu::wrapper_sim::Phase;
using lambda_emu::wrapper_sim::RunResult;
using lambda_emu::wrapper_sim::Samples;
using lambda_emu::wrapper_sim::Scenario;
using lambda_emu::wrapper_sim::Variant;

enum InvokePhase { kUncounted, kCounted };

// A shutdown takes its extensions' shutdown costs, within Lambda's 2 s limit: far less than this.
constexpr std::chrono::seconds kStopTimeout{15};

Duration from_ms(double ms) {
  return Duration(static_cast<Duration::rep>(std::llround(std::max(ms, 0.0) * 1e6)));
}

Duration duration_of(std::chrono::nanoseconds d) {
  return Duration(d.count());
}

// All but the first (the uncounted cold start's).
std::vector<double> after_first(const std::vector<double>& v) {
  return v.size() > 1 ? std::vector<double>(v.begin() + 1, v.end()) : std::vector<double>{};
}

// The variant's layer, made by the extension's own installer (`--install-layer DIR`: a link
// DIR/extensions/<stage name> to it per extension stage; Lambda names an extension after its
// file). With no extension stages the layer is empty, so nothing in the host's /opt joins in.
std::string make_variant_layer(const fs::path& dir, const ScenarioRunSettings& st,
                               const Variant& v) {
  fs::create_directories(dir / "extensions");
  if (v.extensions().empty())
    return dir.string();
  SpawnOptions so;
  so.argv = {st.wrapper_extension, "--install-layer", dir.string()};
  so.extra_env = {"LAMBDA_EMU_SCENARIO=" + st.scenario_file.string(),
                  "LAMBDA_EMU_VARIANT=" + v.name};
  so.inherit_stderr = true;
  const pid_t pid = spawn(so);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error(st.wrapper_extension + " --install-layer " + dir.string() + ": " +
                             describe_status(status));
  return dir.string();
}

// One variant at one payload size: its two lambda-emu instances and what they measured.
struct VariantRun {
  const Variant* variant = nullptr;
  bool streams = false;
  bool extensions = false;
  ColdServe cold;
  EmulatorVariant warm;
  Samples samples;
};

VariantRun prepare(Context& ctx, const Scenario& s, const ScenarioRunSettings& st, const Variant& v,
                   const std::string& name) {
  const fs::path base = ctx.tmp / name;
  VariantRun r{&v,
               v.streams(s.handler),
               !v.extensions().empty(),
               make_cold_serve(v.name + ", cold", base.string() + "-cold"),
               {},
               {}};
  char timeout[32];
  std::snprintf(timeout, sizeof timeout, "%.3f", static_cast<double>(s.timeout.count()) / 1000);
  const std::vector<std::string> options{
      "--memory",  std::to_string(s.memory_mb),
      "--timeout", timeout,
      "-e",        "LAMBDA_EMU_SCENARIO=" + st.scenario_file.string(),
      "-e",        "LAMBDA_EMU_VARIANT=" + v.name};
  const std::string layer = make_variant_layer(base.string() + "-layer", st, v);
  for (EmulatorVariant* e : {&r.cold.variant, &r.warm}) {
    e->options.insert(e->options.end(), options.begin(), options.end());
    e->opt_dir = layer;
    e->bootstrap = st.wrapper;
  }
  r.warm.label = v.name + ", warm";
  r.warm.log_path = base.string() + "-warm.log";
  return r;
}

EmulatorVariant& instance(VariantRun& r, bool cold) {
  return cold ? r.cold.variant : r.warm;
}

bool start_all(Context& ctx, std::vector<VariantRun>& runs, bool cold) {
  for (VariantRun& r : runs) {
    if (!start_variant(ctx, instance(r, cold)))
      return false;
  }
  return true;
}

// Cold starts, the variants in turns; then the figures of their REPORT lines and trace.
void cold_starts(Context& ctx, std::vector<VariantRun>& runs, const std::string& payload,
                 std::uint64_t count) {
  const bool started = start_all(ctx, runs, true);
  try {
    for (std::uint64_t round = 0; started && round <= count; ++round) {
      for (const std::size_t i : interleaved_order(runs.size(), round)) {
        VariantRun& r = runs[i];
        std::string error;
        const auto t =
            invoke_cold(r.cold, payload, round == 0 ? kUncounted : kCounted, kStopTimeout, &error);
        if (!t)
          throw std::runtime_error(r.variant->name + ": cold start " + std::to_string(round) +
                                   ": " + error);
        if (round > 0)
          r.samples.add(Phase::cold_start, duration_of(t->total));
      }
    }
  } catch (const std::exception& e) {
    ctx.failures.push_back(e.what());
  }
  for (VariantRun& r : runs) {
    EmulatorVariant& v = r.cold.variant;
    stop_variant(ctx, v, "validation");
    if (!check_reports(ctx, v, "validation, cold starts"))
      continue;
    for (std::size_t i = 0; i < v.reports.size(); ++i) {
      if (v.phases[i] == kCounted) {
        r.samples.add(Phase::init, from_ms(v.reports[i].init_duration_ms.value_or(0)));
        r.samples.add(Phase::duration, from_ms(v.reports[i].duration_ms));
      }
    }
    r.cold.trace.poll();
    for (const double ms : after_first(r.cold.trace.shutdown_ms()))
      r.samples.add(Phase::shutdown, from_ms(ms));
    if (r.extensions) {
      for (const double ms : after_first(r.cold.trace.extension_init_ms()))
        r.samples.add(Phase::extension_init, from_ms(ms));
      for (const double ms : after_first(r.cold.trace.extension_overhead_ms()))
        r.samples.add(Phase::post_invoke, from_ms(ms));
    }
  }
}

// Warm invokes, `count` counted per variant, in blocks the variants take in turns.
void warm_invokes(Context& ctx, std::vector<VariantRun>& runs, const std::string& payload,
                  std::uint64_t count, Duration think, const ScenarioRunSettings& st) {
  auto send = [&](VariantRun& r, int phase) {
    if (think > Duration::zero())
      std::this_thread::sleep_for(think);
    const auto t = invoke_variant_timed(r.warm, payload, phase);
    if (const std::string bad = invoke_error(t); !bad.empty())
      throw std::runtime_error(r.variant->name + ": a warm invoke failed: " + bad);
    if (phase == kCounted) {
      r.samples.add(Phase::warm, duration_of(t.total));
      if (r.streams)
        r.samples.add(Phase::ttfb, duration_of(t.first_byte));
    }
  };
  const bool started = start_all(ctx, runs, false);
  try {
    for (VariantRun& r : runs) {
      for (std::size_t i = 0; started && i <= st.warmup; ++i)  // the first is the cold start
        send(r, kUncounted);
    }
    if (started) {
      run_interleaved(runs.size(), count, st.block, [&](std::size_t path, std::size_t n, bool) {
        send(runs[path], kUncounted);
        for (std::size_t i = 0; i < n; ++i)
          send(runs[path], kCounted);
      });
    }
  } catch (const std::exception& e) {
    ctx.failures.push_back(e.what());
  }
  for (VariantRun& r : runs) {
    stop_variant(ctx, r.warm, "validation");
    if (check_reports(ctx, r.warm, "validation, warm invokes")) {
      for (const double us : report_durations_us(r.warm, kCounted))
        r.samples.add(Phase::duration, from_ms(us / 1000));
    }
  }
}

}  // namespace

std::vector<RunResult> run_scenario(Context& ctx, const Scenario& scenario,
                                    const ScenarioRunSettings& settings) {
  std::vector<RunResult> out;
  for (const std::uint64_t payload_bytes : scenario.work.payload_bytes) {
    std::vector<VariantRun> runs;
    try {
      for (const Variant& v : scenario.variants) {
        const std::string name = std::to_string(payload_bytes) + "B-" + std::to_string(runs.size());
        runs.push_back(prepare(ctx, scenario, settings, v, name));
      }
    } catch (const std::exception& e) {  // the layer's directory or links
      ctx.failures.push_back(std::string("validation: ") + e.what());
      return out;
    }
    const std::string payload = make_payload(payload_bytes);
    std::fprintf(stderr, "  payload %llu B: %llu cold starts per variant...\n",
                 static_cast<unsigned long long>(payload_bytes),
                 static_cast<unsigned long long>(scenario.work.cold_starts));
    cold_starts(ctx, runs, payload, scenario.work.cold_starts);
    const std::uint64_t warm = scenario.work.cold_starts * scenario.work.warm_invokes;
    if (ctx.failures.empty() && warm > 0) {
      std::fprintf(stderr, "  payload %llu B: %llu warm invokes per variant...\n",
                   static_cast<unsigned long long>(payload_bytes),
                   static_cast<unsigned long long>(warm));
      warm_invokes(ctx, runs, payload, warm, scenario.work.think, settings);
    }
    reap_leftovers();
    for (VariantRun& r : runs)
      out.push_back({r.variant->name, payload_bytes, std::move(r.samples)});
    if (!ctx.failures.empty())
      break;
  }
  return out;
}

}  // namespace bench

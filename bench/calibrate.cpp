#include "calibrate.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "api/base64.hpp"
#include "child_process.hpp"
#include "cold_serve.hpp"
#include "emulator_variant.hpp"
#include "invoke_loop.hpp"
#include "options.hpp"
#include "stats.hpp"
#include "subcommand.hpp"

namespace bench {

namespace {

namespace fs = std::filesystem;
using lambda_emu::Duration;

enum Phase { kWarmup, kMeasured };
constexpr std::chrono::milliseconds kIdleBeforeCold{50};
// Handler sleeps whose late wake-up is measured: the timer's slack at the shortest, then the
// longer waits after which this VM's idle vCPUs are slower to wake.
constexpr double kSleepsMs[] = {0.1, 1, 5, 20};

constexpr const char* kUsage = R"(usage: lambda-emu calibrate [--out FILE] [options]

Measures this machine's constants for the wrapper_sim model and writes them as the calibration
file `lambda-emu sim|validate --calibration FILE` reads (JSON, on stdout without --out); the
figures go to stderr too. Medians, the measurements interleaved in rounds after a warm-up:
  http_hop_ms          a loopback HTTP/1.1 keep-alive round trip (echo server)
  invoke_overhead_ms   a warm invoke through `lambda-emu serve` of a runtime doing nothing
  runtime_exchange_ms  those warm invokes' REPORT Duration
  process_spawn_ms     a cold invoke's (`serve --fresh-sandboxes`, after 50 ms idle) Init Duration
  sandbox_setup_ms     the rest of the cold invoke: it minus invoke_overhead and Init Duration
  process_exit_ms      the shutdown of each of those sandboxes (SIGTERM to the runtime's exit)
  sleep_wake_ms        warm invokes of handlers sleeping 0.1, 1, 5 and 20 ms: REPORT Duration
                       minus the sleep and runtime_exchange (wrapper runtime only)
  base64_ns_per_byte   base64 encoding (emulator/api/base64.cpp), per byte
  machine              host, CPUs, kernel, date

options:
  --out FILE            write the calibration here (default: stdout)
  --runtime wrapper|echo
                        the runtime measured: the wrapper runtime with a scenario of no costs
                        (default, when lambda-emu-wrapper is built) or test-runtime's echo handler
  --memory MB           `serve --memory` (default 1024, the scenario default)
  --rounds N            rounds of 200 round trips, 200 warm and 3 cold invokes and 5 of each
                        sleeping handler (default 10)
  --quick               3 rounds of 50, 50, 2 and 2 (a smoke run)
  --emulator PATH       lambda-emu (default: next to this binary)
  --wrapper PATH        lambda-emu-wrapper (default: next to this binary)
  --test-runtime PATH   test-runtime (default: next to this binary)
  --emulator-arg ARG    one more argument for every `lambda-emu serve` (repeatable)
  --emulator-log FILE   append lambda-emu's output here (default: discard)
)";

double us_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

double us(std::chrono::nanoseconds d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

Duration from_us(double v) {
  return Duration(static_cast<Duration::rep>(std::llround(std::max(v, 0.0) * 1000)));
}

std::string format(const char* fmt, double a, double b = 0, double c = 0) {
  char buf[256];
  std::snprintf(buf, sizeof buf, fmt, a, b, c);
  return buf;
}

// A scenario whose runtime and only variant cost nothing and whose handler sleeps `sleep_ms`
// (or nothing): what the wrapper runtime itself costs, and what a sleep in it does.
fs::path write_scenario(const fs::path& dir, double sleep_ms = 0) {
  const fs::path file = dir / ("calibration-scenario-" + std::to_string(sleep_ms) + ".json");
  nlohmann::json handler = nlohmann::json::object();
  if (sleep_ms > 0)
    handler["work"] = sleep_ms;
  const nlohmann::json scenario{
      {"name", "calibration"},
      {"comment", "lambda-emu calibrate: a runtime whose handler sleeps or does nothing"},
      {"runtime", nlohmann::json::object()},
      {"handler", handler},
      {"variants", {{{"name", "bare"}}}}};
  std::ofstream(file) << scenario.dump(2) << '\n';
  return file;
}

std::vector<std::string> wrapper_options(const fs::path& scenario) {
  return {"-e", "LAMBDA_EMU_SCENARIO=" + scenario.string(), "-e", "LAMBDA_EMU_VARIANT=bare"};
}

// Median ns per byte of base64-encoding 64 KiB, 200 times after 20 discarded.
double base64_ns_per_byte() {
  std::string input(64 * 1024, '\0');
  for (std::size_t i = 0; i < input.size(); ++i)
    input[i] = static_cast<char>((i * 131) ^ (i >> 3));
  std::size_t sink = 0;  // keeps the encodings from being optimized away
  std::vector<double> per_byte;
  for (int i = 0; i < 220; ++i) {
    const auto t0 = Clock::now();
    sink += lambda_emu::api::base64_encode(input).size();
    if (i >= 20)
      per_byte.push_back(us_since(t0) * 1000 / static_cast<double>(input.size()));
  }
  return sink > 0 ? summarize(per_byte).p50_us : 0;
}

}  // namespace

std::string describe_machine() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  utsname u{};
  uname(&u);
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%MZ", &utc);
  return std::string(host) + ", " + std::to_string(std::thread::hardware_concurrency()) +
         " CPUs, " + u.sysname + " " + u.release + ", " + date;
}

CalibrationRun measure_calibration(Context& ctx, const CalibrateSettings& s) {
  CalibrationRun run;
  const std::string payload = make_payload(s.payload_bytes);
  std::vector<std::string> options{"--memory", std::to_string(s.memory_mb)};
  EmulatorVariant warm;
  warm.label = "calibration, warm";
  warm.log_path = (ctx.tmp / "calibrate-warm.log").string();
  warm.bootstrap = s.wrapper;
  // One more emulator per handler sleep, when the runtime can sleep.
  std::vector<EmulatorVariant> sleepers;
  if (!s.wrapper.empty()) {
    for (const double ms : kSleepsMs) {
      EmulatorVariant& v = sleepers.emplace_back();
      v.label = format("calibration, handler sleeping %g ms", ms);
      v.log_path = (ctx.tmp / format("calibrate-sleep-%g.log", ms)).string();
      v.options = options;
      const auto env = wrapper_options(write_scenario(ctx.tmp, ms));
      v.options.insert(v.options.end(), env.begin(), env.end());
      v.bootstrap = s.wrapper;
    }
    const auto env = wrapper_options(write_scenario(ctx.tmp));
    options.insert(options.end(), env.begin(), env.end());
    run.runtime = "lambda-emu-wrapper with a scenario of no costs";
  } else {
    run.runtime = "test-runtime's echo handler";
  }
  warm.options = options;
  ColdServe cold = make_cold_serve("calibration, cold", ctx.tmp / "calibrate-cold");
  cold.variant.options.insert(cold.variant.options.end(), options.begin(), options.end());
  cold.variant.bootstrap = s.wrapper;

  Child echo = start_floor_server(ctx, {"--serve-echo", "127.0.0.1:0"}, {}, "echo server");
  std::vector<double> hop_us;
  std::vector<double> warm_us;
  std::vector<double> cold_us;
  const bool sleepers_started = std::all_of(
      sleepers.begin(), sleepers.end(), [&](EmulatorVariant& v) { return start_variant(ctx, v); });
  if (echo && sleepers_started && start_variant(ctx, warm) && start_variant(ctx, cold.variant)) {
    try {
      HttpClient hop(kColdTimeout);
      hop.connect(parse_host_port(echo.address));
      auto one_hop = [&] { return us(hop.post_streamed("/", payload).total); };
      auto one_warm = [&](int phase, EmulatorVariant& v) {
        const auto t = invoke_variant_timed(v, payload, phase);
        if (const std::string bad = invoke_error(t); !bad.empty())
          throw std::runtime_error("a warm invoke failed: " + bad);
        return us(t.total);
      };
      auto one_cold = [&](int phase) {
        // A cold start after idle CPUs, as a scenario's starts mostly are (an Init or handler
        // that sleeps 15 ms or more): on this 2-core VM a sandbox's setup and spawn then take
        // 10 to 20 ms, against about 5 ms straight after other work.
        std::this_thread::sleep_for(kIdleBeforeCold);
        std::string error;
        const auto t = invoke_cold(cold, payload, phase, kColdTimeout, &error);
        if (!t)
          throw std::runtime_error("a cold invoke failed: " + error);
        return us(t->total);
      };
      for (int i = 0; i < 200; ++i) {
        one_hop();
        one_warm(kWarmup, warm);  // the first is the sandbox's Init
      }
      for (EmulatorVariant& v : sleepers) {
        for (int i = 0; i < 5; ++i)
          one_warm(kWarmup, v);
      }
      one_cold(kWarmup);  // loads the binaries into the page cache
      for (std::size_t r = 0; r < s.rounds; ++r) {
        for (const std::size_t part : interleaved_order(4, r)) {
          for (std::size_t i = 0; part == 0 && i < s.hops; ++i)
            hop_us.push_back(one_hop());
          for (std::size_t i = 0; part == 1 && i < s.warm; ++i)
            warm_us.push_back(one_warm(kMeasured, warm));
          for (std::size_t i = 0; part == 2 && i < s.cold; ++i)
            cold_us.push_back(one_cold(kMeasured));
          for (std::size_t i = 0; part == 3 && i < s.sleeps; ++i) {
            for (EmulatorVariant& v : sleepers)
              one_warm(kMeasured, v);
          }
        }
      }
    } catch (const std::exception& e) {
      ctx.failures.push_back(std::string("calibration: ") + e.what());
    }
  }
  stop_variant(ctx, warm, "calibration");
  stop_variant(ctx, cold.variant, "calibration");
  for (EmulatorVariant& v : sleepers)
    stop_variant(ctx, v, "calibration");
  stop_child(echo);
  reap_leftovers();
  const bool sleepers_reported =
      std::all_of(sleepers.begin(), sleepers.end(),
                  [&](const EmulatorVariant& v) { return check_reports(ctx, v, "calibration"); });
  if (!ctx.failures.empty() || !check_reports(ctx, warm, "calibration") ||
      !check_reports(ctx, cold.variant, "calibration") || !sleepers_reported)
    return run;

  // In microseconds, as summarize() takes them; the first cold start and shutdown were the
  // warm-up's.
  std::vector<double> init_us;
  for (std::size_t i = 1; i < cold.variant.reports.size(); ++i)
    init_us.push_back(cold.variant.reports[i].init_duration_ms.value_or(0) * 1000);
  cold.trace.poll();
  std::vector<double> exit_us;
  for (std::size_t i = 1; i < cold.trace.shutdown_ms().size(); ++i)
    exit_us.push_back(cold.trace.shutdown_ms()[i] * 1000);
  const Summary hops = summarize(hop_us);
  const Summary warms = summarize(warm_us);
  const Summary colds = summarize(cold_us);
  const Summary inits = summarize(init_us);
  const Summary exchanges = summarize(report_durations_us(warm, kMeasured));
  const Summary exits = summarize(exit_us);
  lambda_emu::wrapper_sim::Calibration& c = run.calibration;
  c.http_hop = from_us(hops.p50_us);
  c.invoke_overhead = from_us(warms.p50_us);
  c.runtime_exchange = from_us(exchanges.p50_us);
  c.process_spawn = from_us(inits.p50_us);
  c.sandbox_setup = from_us(std::max(0.0, colds.p50_us - warms.p50_us - inits.p50_us));
  c.process_exit = from_us(exits.p50_us);
  std::vector<std::string> wake_text;
  for (std::size_t i = 0; i < sleepers.size(); ++i) {
    const Summary slept = summarize(report_durations_us(sleepers[i], kMeasured));
    const double late_us = std::max(0.0, slept.p50_us - kSleepsMs[i] * 1000 - exchanges.p50_us);
    c.sleep_wake.push_back({from_us(kSleepsMs[i] * 1000), from_us(late_us)});
    wake_text.push_back(
        format("  sleeping %4g ms %8.3f  late: median REPORT Duration %.3f minus "
               "the sleep and runtime_exchange",
               kSleepsMs[i], late_us / 1000, slept.p50_us / 1000));
  }
  c.base64_ns_per_byte = base64_ns_per_byte();
  c.machine = describe_machine();
  run.text = {
      format("http_hop_ms         %8.3f  median of %.0f loopback round trips (p90 %.3f)",
             hops.p50_us / 1000, static_cast<double>(hops.count), hops.p90_us / 1000),
      format("invoke_overhead_ms  %8.3f  median of %.0f warm invokes (p90 %.3f)",
             warms.p50_us / 1000, static_cast<double>(warms.count), warms.p90_us / 1000),
      format("runtime_exchange_ms %8.3f  median REPORT Duration of those invokes (p90 %.3f)",
             exchanges.p50_us / 1000, exchanges.p90_us / 1000),
      format("process_spawn_ms    %8.3f  median Init Duration of %.0f cold invokes (p90 %.3f)",
             inits.p50_us / 1000, static_cast<double>(inits.count), inits.p90_us / 1000),
      format("sandbox_setup_ms    %8.3f  their median, %.3f, minus invoke_overhead and Init",
             lambda_emu::to_ms(c.sandbox_setup), colds.p50_us / 1000),
      format("process_exit_ms     %8.3f  median of %.0f shutdowns after them (p90 %.3f)",
             exits.p50_us / 1000, static_cast<double>(exits.count), exits.p90_us / 1000),
  };
  if (!wake_text.empty()) {
    run.text.push_back(format("sleep_wake_ms       median of %.0f warm invokes per sleep:",
                              static_cast<double>(s.rounds * s.sleeps)));
    run.text.insert(run.text.end(), wake_text.begin(), wake_text.end());
  }
  run.text.insert(
      run.text.end(),
      {format("base64_ns_per_byte  %8.3f  median of 200 encodings of 64 KiB", c.base64_ns_per_byte),
       "machine             " + c.machine,
       "runtime             " + run.runtime + ", " + std::to_string(s.memory_mb) + " MB, payload " +
           std::to_string(s.payload_bytes) + " B"});
  run.ok = true;
  return run;
}

int run_calibrate(const std::vector<std::string>& args) {
  constexpr std::string_view kWho = "lambda-emu calibrate";
  CalibrateSettings settings;
  Context ctx;
  Programs programs;
  std::string out;
  std::string runtime;
  try {
    SubcommandArgs a(args);
    while (a.next()) {
      if (a.is("--help") || a.is("-h")) {
        std::fputs(kUsage, stdout);
        return 0;
      } else if (a.is("--out")) {
        out = a.value();
      } else if (a.is("--runtime")) {
        runtime = a.value();
        if (runtime != "wrapper" && runtime != "echo")
          throw std::invalid_argument("--runtime is wrapper or echo, not '" + runtime + "'");
      } else if (a.is("--memory")) {
        settings.memory_mb = static_cast<int>(parse_count(a.arg(), a.value()));
      } else if (a.is("--rounds")) {
        settings.rounds = std::max<std::size_t>(1, parse_count(a.arg(), a.value()));
      } else if (a.is("--quick")) {
        settings.rounds = 3;
        settings.hops = settings.warm = 50;
        settings.cold = settings.sleeps = 2;
      } else if (!programs.take(a, ctx)) {
        throw std::invalid_argument("unknown option '" + a.arg() + "' (see --help)");
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", kWho.data(), e.what());
    return 2;
  }
  programs.defaults(ctx);
  if (runtime.empty())
    runtime = fs::exists(programs.wrapper) ? "wrapper" : "echo";
  settings.wrapper = runtime == "wrapper" ? programs.wrapper : "";
  if (!all_exist(kWho,
                 {ctx.opt.emulator, runtime == "wrapper" ? programs.wrapper : ctx.opt.runtime}))
    return 1;
  std::string error;
  ctx.tmp = visible_scratch_dir("lambda-emu-calibrate", &error);
  if (ctx.tmp.empty()) {
    std::fprintf(stderr, "%s: %s\n", kWho.data(), error.c_str());
    return 1;
  }
  std::fprintf(stderr, "%s: measuring (%zu rounds)...\n", kWho.data(), settings.rounds);
  const CalibrationRun run = measure_calibration(ctx, settings);
  std::error_code ec;
  fs::remove_all(ctx.tmp, ec);
  for (const std::string& f : ctx.failures)
    std::fprintf(stderr, "%s: %s\n", kWho.data(), f.c_str());
  if (!run.ok)
    return 1;
  for (const std::string& line : run.text)
    std::fprintf(stderr, "  %s\n", line.c_str());
  return write_output(kWho, run.calibration.to_json().dump(2) + "\n", out) ? 0 : 1;
}

}  // namespace bench

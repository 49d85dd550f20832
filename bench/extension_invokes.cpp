#include "extension_invokes.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <stdexcept>

#include "emulator_variant.hpp"
#include "extension_layers.hpp"
#include "http_client.hpp"

namespace bench {

namespace {

constexpr std::size_t kPayload = 100;
// Long enough for the cycle's tail (the extensions' next calls, ~0.1-0.5 ms here) to end before
// the next invoke; possibly_queued says whether it was.
constexpr std::chrono::microseconds kPause{1000};
constexpr std::size_t kExtensionCounts[] = {0, 1, 3};
enum ExtensionRun { kExtensionWarmup, kCycle, kCaller };

std::string label_for(std::size_t extensions) {
  if (extensions == 0)
    return "no extension";
  return std::to_string(extensions) + (extensions == 1 ? " extension" : " extensions");
}

std::size_t count_possibly_queued(const PathRun& caller, const std::vector<double>& duration_us,
                                  std::chrono::microseconds pause) {
  if (duration_us.size() != caller.samples_us.size())
    return 0;
  std::size_t n = 0;
  for (std::size_t i = 1; i < duration_us.size(); ++i) {
    if (duration_us[i - 1] > caller.samples_us[i - 1] + static_cast<double>(pause.count()))
      ++n;
  }
  return n;
}

// Names the path in whatever aborted it.
template <typename F>
void labelled(const std::string& label, F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    throw std::runtime_error(label + ": " + e.what());
  }
}

}  // namespace

ExtensionResult run_extensions(Context& ctx) {
  ExtensionResult r;
  const auto& opt = ctx.opt;
  r.payload = kPayload;
  r.iterations = opt.ext_iterations.value_or(
      std::max<std::size_t>(10, static_cast<std::size_t>(std::lround(3000 * opt.quick_scale))));
  r.warmup = std::max<std::size_t>(10, opt.warmup);
  r.block = std::min(opt.block, std::max<std::size_t>(5, r.iterations / 10));
  r.pause = kPause;

  const std::vector<int> none;
  Child echo = start_floor_server(ctx, {"--serve-echo", "127.0.0.1:0"},
                                  ctx.pinned ? ctx.cpu_b : none, "echo-server");
  if (!echo)
    return r;

  std::vector<EmulatorVariant> variants;
  bool started = true;
  for (const std::size_t count : kExtensionCounts) {
    EmulatorVariant v;
    v.label = label_for(count);
    std::vector<Launcher> launchers;
    for (std::size_t i = 1; i <= count; ++i)
      launchers.push_back(fast_extension(opt.extension, "ext" + std::to_string(i)));
    const std::string tag = std::to_string(count) + "ext";
    try {
      // The emulator without extensions gets an empty layer too, so the host's /opt never counts.
      v.opt_dir = make_layer(ctx.tmp / ("layer-" + tag), launchers);
    } catch (const std::exception& e) {
      ctx.failures.push_back(std::string("extensions: ") + e.what());
      started = false;
      break;
    }
    v.log_path = (ctx.tmp / ("emulator-" + tag + ".log")).string();
    variants.push_back(std::move(v));
    if (!start_variant(ctx, variants.back())) {
      started = false;
      break;
    }
  }

  HttpClient rtt_client(kColdTimeout);
  if (started) {
    try {
      rtt_client.connect(parse_host_port(echo.address));
    } catch (const std::exception& e) {
      ctx.failures.push_back(std::string("extensions: echo server: ") + e.what());
      started = false;
    }
  }

  for (const std::size_t count : kExtensionCounts) {
    r.variants.emplace_back();
    r.variants.back().extensions = count;
  }
  if (started) {
    std::printf(
        "  100 B    warm-up %zu, then %zu invokes per path back to back and %zu with a %lld us "
        "pause, in blocks of %zu...\n",
        r.warmup, r.iterations, r.iterations, static_cast<long long>(r.pause.count()), r.block);
    std::fflush(stdout);
    const std::string payload = make_payload(kPayload);
    try {
      // Warm-up, interleaved: the first invoke of each emulator is its Init (extensions launched
      // and registered).
      PathRun warm_rtt;
      std::vector<PathRun> warm(variants.size());
      run_interleaved(
          1 + variants.size(), r.warmup, r.block, [&](std::size_t path, std::size_t n, bool first) {
            if (path == 0)
              return labelled("loopback round trip",
                              [&] { invoke_n(rtt_client, payload, n, &warm_rtt, first); });
            auto& v = variants[path - 1];
            labelled(v.label, [&] {
              invoke_variant(v, payload, n, &warm[path - 1], kExtensionWarmup, first);
            });
          });
      for (auto& v : variants)
        pin_emulator_children(ctx, v.child);  // runtime and extensions exist now
      if (warm_rtt.errors)
        ctx.notes.push_back(
            "extensions warm-up, loopback round trip: " + std::to_string(warm_rtt.errors) +
            " bad responses, first: " + warm_rtt.first_error);
      for (std::size_t i = 0; i < variants.size(); ++i) {
        if (warm[i].errors)
          ctx.notes.push_back("extensions warm-up through lambda-emu (" + variants[i].label +
                              "): " + std::to_string(warm[i].errors) +
                              " bad responses, first: " + warm[i].first_error);
      }

      // Full cycle: back to back, the loopback round trip taking its turn among them.
      run_interleaved(
          1 + variants.size(), r.iterations, r.block, [&](std::size_t path, std::size_t n, bool) {
            if (path == 0)
              return labelled("loopback round trip",
                              [&] { invoke_n(rtt_client, payload, n, &r.round_trip, false); });
            auto& v = variants[path - 1];
            labelled(v.label, [&] {
              invoke_variant(v, payload, n, &r.variants[path - 1].cycle, kCycle, false);
            });
          });

      // Caller latency: each invoke after a pause, so it finds the environment ready.
      run_interleaved(
          variants.size(), r.iterations, r.block, [&](std::size_t path, std::size_t n, bool) {
            auto& v = variants[path];
            labelled(v.label, [&] {
              invoke_variant(v, payload, n, &r.variants[path].caller, kCaller, false, r.pause);
            });
          });
      r.ran = true;
    } catch (const std::exception& e) {
      ctx.failures.push_back(std::string("extension invokes aborted: ") + e.what());
    }
  }

  rtt_client.close();
  for (auto& v : variants)
    stop_variant(ctx, v, "extensions");
  stop_child(echo);
  if (const auto leaked = reap_leftovers())
    ctx.notes.push_back("after SIGTERM to lambda-emu (extensions run), " + std::to_string(leaked) +
                        " process(es) it started were still running and were killed");
  if (!r.ran)
    return r;
  for (std::size_t i = 0; i < variants.size(); ++i) {
    auto& run = r.variants[i];
    run.reports_ok = check_reports(ctx, variants[i], "extensions");
    if (!run.reports_ok)
      continue;
    run.cycle_duration_us = report_durations_us(variants[i], kCycle);
    run.caller_duration_us = report_durations_us(variants[i], kCaller);
    run.possibly_queued = count_possibly_queued(run.caller, run.caller_duration_us, r.pause);
  }
  return r;
}

}  // namespace bench

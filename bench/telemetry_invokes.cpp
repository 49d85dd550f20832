#include "telemetry_invokes.hpp"

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "emulator_variant.hpp"
#include "extension_layers.hpp"

namespace bench {

namespace {

constexpr std::size_t kPayload = 100;
constexpr const char* kTypes = "platform,function";
enum TelemetryRun { kTelemetryWarmup, kMeasured };

std::int64_t epoch_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Counts the batches the listener recorded. It records a batch after its delay, so a batch was
// received delay earlier than its record says.
TelemetryDelivery read_delivery(const std::string& path, std::size_t delay_ms,
                                std::int64_t run_start_ns, std::int64_t run_end_ns) {
  TelemetryDelivery d;
  std::ifstream in(path);
  if (!in) {
    d.error = "the listener wrote no record (" + path + ")";
    return d;
  }
  d.known = true;
  const std::int64_t delay_ns = static_cast<std::int64_t>(delay_ms) * 1'000'000;
  std::string line;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || j.value("what", "") != "telemetry")
      continue;
    const auto batch = j.find("batch");
    if (batch == j.end() || !batch->is_array())
      continue;
    const std::int64_t received = j.value("epoch_ns", std::int64_t{0}) - delay_ns;
    const bool in_run = received >= run_start_ns && received <= run_end_ns;
    ++d.batches;
    d.records += batch->size();
    d.max_batch = std::max(d.max_batch, batch->size());
    if (in_run) {
      ++d.batches_in_run;
      d.records_in_run += batch->size();
    }
    for (const auto& event : *batch) {
      if (!event.is_object() || event.value("type", "") != "platform.logsDropped")
        continue;
      ++d.dropped_notices;
      const auto record = event.find("record");
      if (record != event.end() && record->is_object())
        d.dropped_records += record->value("droppedRecords", std::uint64_t{0});
    }
  }
  return d;
}

}  // namespace

TelemetryResult run_telemetry(Context& ctx) {
  TelemetryResult r;
  const auto& opt = ctx.opt;
  r.payload = kPayload;
  // --quick keeps a quarter, not a tenth: the run must outlast several slow batches.
  const double scale = opt.quick ? 0.25 : 1.0;
  r.iterations = opt.telemetry_iterations.value_or(
      std::max<std::size_t>(10, static_cast<std::size_t>(std::lround(20000 * scale))));
  r.warmup = std::max<std::size_t>(10, opt.warmup);
  r.block = std::min(opt.block, std::max<std::size_t>(5, r.iterations / 10));
  r.listener_delay_ms = opt.listener_delay_ms;
  r.types = kTypes;

  std::string scratch_error;
  const std::filesystem::path scratch =
      visible_scratch_dir("lambda-emu-bench-telemetry", &scratch_error);
  const std::string record_path = scratch.empty() ? "" : (scratch / "listener.jsonl").string();
  Launcher subscriber{
      "telemetry",
      {opt.extension, "--name", "telemetry", "--mode", std::string("telemetry:") + kTypes,
       "--events", "SHUTDOWN", "--listener-delay", std::to_string(opt.listener_delay_ms),
       "--buffering", R"({"timeoutMs":25})"}};
  if (!record_path.empty())
    subscriber.argv.insert(subscriber.argv.end(), {"--record", record_path});

  std::vector<EmulatorVariant> variants(2);
  variants[0].label = "no extension";
  variants[1].label = "slow telemetry listener";
  bool started = true;
  try {
    variants[0].opt_dir = make_layer(ctx.tmp / "layer-telemetry-none", {});
    variants[1].opt_dir = make_layer(ctx.tmp / "layer-telemetry", {subscriber});
  } catch (const std::exception& e) {
    ctx.failures.push_back(std::string("telemetry: ") + e.what());
    started = false;
  }
  variants[0].log_path = (ctx.tmp / "emulator-telemetry-none.log").string();
  variants[1].log_path = (ctx.tmp / "emulator-telemetry.log").string();
  for (auto& v : variants) {
    if (started && !start_variant(ctx, v))
      started = false;
  }

  PathRun* const runs[] = {&r.without, &r.with};
  std::int64_t run_start_ns = 0;
  std::int64_t run_end_ns = 0;
  if (started) {
    std::printf("  100 B    warm-up %zu, then %zu invokes per path in blocks of %zu...\n", r.warmup,
                r.iterations, r.block);
    std::fflush(stdout);
    const std::string payload = make_payload(kPayload);
    try {
      std::vector<PathRun> warm(variants.size());
      auto run_phase = [&](std::size_t total, TelemetryRun phase, std::vector<PathRun*> into) {
        run_interleaved(variants.size(), total, r.block,
                        [&](std::size_t path, std::size_t n, bool first) {
                          try {
                            invoke_variant(variants[path], payload, n, into[path], phase,
                                           phase == kTelemetryWarmup && first);
                          } catch (const std::exception& e) {
                            throw std::runtime_error(variants[path].label + ": " + e.what());
                          }
                        });
      };
      run_phase(r.warmup, kTelemetryWarmup, {&warm[0], &warm[1]});
      for (auto& v : variants)
        pin_emulator_children(ctx, v.child);
      for (std::size_t i = 0; i < variants.size(); ++i) {
        if (warm[i].errors)
          ctx.notes.push_back("telemetry warm-up through lambda-emu (" + variants[i].label +
                              "): " + std::to_string(warm[i].errors) +
                              " bad responses, first: " + warm[i].first_error);
      }
      const auto t0 = Clock::now();
      run_start_ns = epoch_ns();
      run_phase(r.iterations, kMeasured, {runs[0], runs[1]});
      run_end_ns = epoch_ns();
      r.run_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
      r.ran = true;
    } catch (const std::exception& e) {
      ctx.failures.push_back(std::string("telemetry invokes aborted: ") + e.what());
    }
  }

  for (auto& v : variants)
    stop_variant(ctx, v, "telemetry");
  if (const auto leaked = reap_leftovers())
    ctx.notes.push_back("after SIGTERM to lambda-emu (telemetry run), " + std::to_string(leaked) +
                        " process(es) it started were still running and were killed");
  if (r.ran) {
    if (check_reports(ctx, variants[0], "telemetry"))
      r.duration_without_us = report_durations_us(variants[0], kMeasured);
    if (check_reports(ctx, variants[1], "telemetry"))
      r.duration_with_us = report_durations_us(variants[1], kMeasured);
    if (record_path.empty()) {
      r.delivery.error = scratch_error;
    } else {
      r.delivery = read_delivery(record_path, r.listener_delay_ms, run_start_ns, run_end_ns);
    }
    if (!r.delivery.known)
      ctx.notes.push_back("telemetry: deliveries not counted: " + r.delivery.error);
    else if (r.delivery.batches_in_run == 0)
      ctx.notes.push_back("telemetry: the listener received no batch while the invokes ran");
  }
  if (!scratch.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(scratch, ec);
  }
  return r;
}

}  // namespace bench

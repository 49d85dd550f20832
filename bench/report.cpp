#include "report.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <utility>
#include <vector>

#include "stats.hpp"

namespace bench {

using nlohmann::json;

namespace {

struct Target {
  double max_ratio = 0;  // 0: none
};

// The project's targets: p50 <= 1.3x and p99 <= 2x at 100 B; <= 1.5x at 1 MB and above.
std::pair<Target, Target> targets_for(std::size_t size) {
  if (size <= 1000)
    return {{1.3}, {2.0}};
  if (size >= 1000000)
    return {{1.5}, {1.5}};
  return {};
}

std::string verdict(double ratio, Target t) {
  if (t.max_ratio <= 0)
    return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "<=%.1fx %s", t.max_ratio, ratio <= t.max_ratio ? "PASS" : "MISS");
  return buf;
}

json summary_json(const Summary& s, const PathRun& run) {
  return {{"count", s.count},     {"p50_us", s.p50_us},
          {"p90_us", s.p90_us},   {"p99_us", s.p99_us},
          {"min_us", s.min_us},   {"max_us", s.max_us},
          {"mean_us", s.mean_us}, {"invokes_per_s", s.per_second},
          {"errors", run.errors}, {"first_error", run.first_error}};
}

void print_path(const std::string& size, const char* label, const Summary& s, const PathRun& run) {
  std::printf("  %-8s %-10s %6zu %9.1f %9.1f %9.1f %10.0f %7zu\n", size.c_str(), label, s.count,
              s.p50_us, s.p90_us, s.p99_us, s.per_second, run.errors);
}

}  // namespace

json report_warm(const WarmResult& warm) {
  json out = json::array();
  if (!warm.ran)
    return out;
  std::printf(
      "\nWarm sequential invokes (one keep-alive client, interleaved blocks), microseconds\n");
  std::printf("  %-8s %-10s %6s %9s %9s %9s %10s %7s\n", "size", "path", "n", "p50", "p90", "p99",
              "invokes/s", "errors");
  for (const auto& run : warm.sizes) {
    const Summary floor = summarize(run.floor.samples_us);
    json j{{"size_bytes", run.size},
           {"iterations", run.iterations},
           {"warmup", run.warmup},
           {"block", run.block},
           {"floor", summary_json(floor, run.floor)}};
    const std::string size = format_size(run.size);
    if (warm.with_emulator) {
      const Summary emu = summarize(run.emulator.samples_us);
      print_path(size, "lambda-emu", emu, run.emulator);
      print_path("", "floor", floor, run.floor);
      const double r50 = floor.p50_us > 0 ? emu.p50_us / floor.p50_us : 0;
      const double r90 = floor.p90_us > 0 ? emu.p90_us / floor.p90_us : 0;
      const double r99 = floor.p99_us > 0 ? emu.p99_us / floor.p99_us : 0;
      const auto [t50, t99] = targets_for(run.size);
      std::string targets;
      if (t50.max_ratio > 0)
        targets += "  p50 " + verdict(r50, t50);
      if (t99.max_ratio > 0)
        targets += "  p99 " + verdict(r99, t99);
      std::printf("  %-8s %-10s %6s %8.2fx %8.2fx %8.2fx%s\n", "", "ratio", "", r50, r90, r99,
                  targets.c_str());
      j["emulator"] = summary_json(emu, run.emulator);
      j["ratio"] = {{"p50", r50}, {"p90", r90}, {"p99", r99}};
      json tj = json::object();
      if (t50.max_ratio > 0)
        tj["p50"] = {{"max_ratio", t50.max_ratio}, {"pass", r50 <= t50.max_ratio}};
      if (t99.max_ratio > 0)
        tj["p99"] = {{"max_ratio", t99.max_ratio}, {"pass", r99 <= t99.max_ratio}};
      j["targets"] = tj;
    } else {
      print_path(size, "floor", floor, run.floor);
    }
    out.push_back(std::move(j));
  }
  if (warm.with_emulator)
    std::printf("  ratio = lambda-emu / floor at the same percentile (1.00x: no overhead)\n");
  return out;
}

json report_cold(const ColdResult& cold) {
  if (!cold.ran_runtime)
    return nullptr;
  auto pct = [](std::vector<double> v, double q) {
    std::sort(v.begin(), v.end());
    return percentile_sorted(v, q);
  };
  const double a50 = pct(cold.runtime_ms, 0.5);
  const double a90 = pct(cold.runtime_ms, 0.9);
  std::printf("\nCold start, milliseconds              runs      p50      p90   failed\n");
  std::printf("  runtime alone (fake Runtime API)  %6zu %8.2f %8.2f %8zu\n", cold.runtime_ms.size(),
              a50, a90, cold.runtime_failures);
  json j{{"runtime_alone",
          {{"count", cold.runtime_ms.size()},
           {"p50_ms", a50},
           {"p90_ms", a90},
           {"failures", cold.runtime_failures}}},
         {"leaked_processes", cold.leaked}};
  if (cold.ran_emulator) {
    const double b50 = pct(cold.emulator_ms, 0.5);
    const double b90 = pct(cold.emulator_ms, 0.9);
    std::printf("  through lambda-emu (lazy init)    %6zu %8.2f %8.2f %8zu\n",
                cold.emulator_ms.size(), b50, b90, cold.emulator_failures);
    const bool have = !cold.runtime_ms.empty() && !cold.emulator_ms.empty();
    if (have) {
      std::printf("  lambda-emu adds                          %8.2f %8.2f   (p50 <= 3 ms %s)\n",
                  b50 - a50, b90 - a90, b50 - a50 <= 3.0 ? "PASS" : "MISS");
    }
    j["through_emulator"] = {{"count", cold.emulator_ms.size()},
                             {"p50_ms", b50},
                             {"p90_ms", b90},
                             {"failures", cold.emulator_failures}};
    if (have)
      j["emulator_adds_ms"] = {
          {"p50", b50 - a50}, {"p90", b90 - a90}, {"target_ms", 3.0}, {"pass", b50 - a50 <= 3.0}};
  }
  return j;
}

std::string placement_text(const Context& ctx) {
  auto list = [](const std::vector<int>& cpus) {
    std::string s;
    for (const int c : cpus)
      s += (s.empty() ? "" : ",") + std::to_string(c);
    return s;
  };
  if (ctx.pinned)
    return "pinned: client, relay, lambda-emu on CPU " + list(ctx.cpu_a) +
           "; echo server, runtime on CPU " + list(ctx.cpu_b) +
           " (warm part; cold-start children unpinned)";
  return "not pinned: the OS schedules every process freely on CPUs " + list(ctx.all_cpus);
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

}  // namespace bench

#include "sim/calibration.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "sim/stats.hpp"

namespace lambda_emu::wrapper_sim {

using nlohmann::json;

bool Calibration::empty() const {
  return process_spawn == Duration::zero() && sandbox_setup == Duration::zero() &&
         http_hop == Duration::zero() && invoke_overhead == Duration::zero() &&
         runtime_exchange == Duration::zero() && process_exit == Duration::zero() &&
         sleep_wake.empty() && base64_ns_per_byte == 0;
}

Duration Calibration::wake_late(Duration d) const {
  if (d <= Duration::zero() || sleep_wake.empty()) {
    return Duration::zero();
  }
  // From (0, 0): a stream's many tiny sleeps keep the CPUs busy and wake nearly on time.
  SleepWake a{};
  for (const SleepWake& b : sleep_wake) {
    if (d <= b.sleep) {
      const double t = static_cast<double>((d - a.sleep).count()) /
                       static_cast<double>((b.sleep - a.sleep).count());
      return a.late + Duration(static_cast<Duration::rep>(
                          std::llround(t * static_cast<double>((b.late - a.late).count()))));
    }
    a = b;
  }
  return sleep_wake.back().late;
}

Duration Calibration::spent(const costs::Cost& cost, costs::Random& random, int memory_mb) const {
  const Duration d = costs::sample(cost, random, memory_mb);
  return cost.kind == costs::Cost::Kind::sleep ? d + wake_late(d) : d;
}

Duration Calibration::base64(std::uint64_t bytes) const {
  return costs::cost_from_ns(base64_ns_per_byte * static_cast<double>(bytes));
}

nlohmann::ordered_json Calibration::to_json() const {
  nlohmann::ordered_json wake_json = nlohmann::ordered_json::array();
  for (const SleepWake& w : sleep_wake) {
    wake_json.push_back({{"sleep_ms", to_ms(w.sleep)}, {"late_ms", to_ms(w.late)}});
  }
  return {{"process_spawn_ms", to_ms(process_spawn)},
          {"sandbox_setup_ms", to_ms(sandbox_setup)},
          {"http_hop_ms", to_ms(http_hop)},
          {"invoke_overhead_ms", to_ms(invoke_overhead)},
          {"runtime_exchange_ms", to_ms(runtime_exchange)},
          {"process_exit_ms", to_ms(process_exit)},
          {"sleep_wake_ms", wake_json},
          {"base64_ns_per_byte", base64_ns_per_byte},
          {"machine", machine}};
}

namespace {

// ", sleeps wake late 0.060 ms at 0.1 ms, 0.400 ms at 5 ms"
std::string wake_text(const Calibration& c) {
  std::string text;
  for (const SleepWake& w : c.sleep_wake) {
    char sleep[32];
    std::snprintf(sleep, sizeof sleep, "%g", to_ms(w.sleep));
    text += (text.empty() ? ", sleeps wake late " : ", ") + fixed_ms(w.late) + " ms at " + sleep +
            " ms";
  }
  return text;
}

}  // namespace

std::string describe(const Calibration& c) {
  if (c.empty()) {
    return "none (an ideal machine: only the scenario's costs take time)";
  }
  return "spawn " + fixed_ms(c.process_spawn) + " ms, sandbox setup " + fixed_ms(c.sandbox_setup) +
         " ms, HTTP hop " + fixed_ms(c.http_hop) + " ms, emulator per invoke " +
         fixed_ms(c.invoke_overhead) + " ms, runtime exchange " + fixed_ms(c.runtime_exchange) +
         " ms, exit " + fixed_ms(c.process_exit) + " ms" + wake_text(c) +
         (c.machine.empty() ? "" : " (" + c.machine + ")");
}

std::variant<Calibration, ScenarioError> load_calibration(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) {
    return ScenarioError(file.string() + ": cannot be read");
  }
  const json spec = json::parse(in, nullptr, false);
  if (spec.is_discarded()) {
    return ScenarioError(file.string() + ": not valid JSON");
  }
  try {
    Fields f(spec, "", file.parent_path());
    Calibration c;
    c.process_spawn = f.ms("process_spawn_ms", c.process_spawn);
    c.sandbox_setup = f.ms("sandbox_setup_ms", c.sandbox_setup);
    c.http_hop = f.ms("http_hop_ms", c.http_hop);
    c.invoke_overhead = f.ms("invoke_overhead_ms", c.invoke_overhead);
    c.runtime_exchange = f.ms("runtime_exchange_ms", c.runtime_exchange);
    c.process_exit = f.ms("process_exit_ms", c.process_exit);
    if (f.has("sleep_wake_ms")) {
      const json& points = f.raw("sleep_wake_ms");
      if (!points.is_array()) {
        throw ScenarioError("sleep_wake_ms must be an array of {sleep_ms, late_ms}");
      }
      for (std::size_t i = 0; i < points.size(); ++i) {
        Fields p(points[i], "sleep_wake_ms[" + std::to_string(i) + "]", file.parent_path());
        const SleepWake w{p.ms("sleep_ms", Duration::zero()), p.ms("late_ms", Duration::zero())};
        p.done();
        if (w.sleep <= (c.sleep_wake.empty() ? Duration::zero() : c.sleep_wake.back().sleep)) {
          throw ScenarioError(p.path("sleep_ms") +
                              " must be > 0 and larger than the point before it");
        }
        c.sleep_wake.push_back(w);
      }
    }
    c.base64_ns_per_byte = f.number("base64_ns_per_byte", 0);
    c.machine = f.has("machine") ? f.text("machine") : std::string();
    f.done();
    return c;
  } catch (const ScenarioError& e) {
    return ScenarioError(file.string() + ": " + e.what());
  }
}

}  // namespace lambda_emu::wrapper_sim

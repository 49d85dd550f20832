#include "sim/calibration.hpp"

#include <fstream>

#include <nlohmann/json.hpp>

#include "sim/stats.hpp"

namespace lambda_emu::wrapper_sim {

using nlohmann::json;

bool Calibration::empty() const {
  return process_spawn == Duration::zero() && sandbox_setup == Duration::zero() &&
         http_hop == Duration::zero() && invoke_overhead == Duration::zero() &&
         runtime_exchange == Duration::zero() && process_exit == Duration::zero() &&
         base64_ns_per_byte == 0;
}

Duration Calibration::base64(std::uint64_t bytes) const {
  return costs::cost_from_ns(base64_ns_per_byte * static_cast<double>(bytes));
}

nlohmann::ordered_json Calibration::to_json() const {
  return {{"process_spawn_ms", to_ms(process_spawn)},
          {"sandbox_setup_ms", to_ms(sandbox_setup)},
          {"http_hop_ms", to_ms(http_hop)},
          {"invoke_overhead_ms", to_ms(invoke_overhead)},
          {"runtime_exchange_ms", to_ms(runtime_exchange)},
          {"process_exit_ms", to_ms(process_exit)},
          {"base64_ns_per_byte", base64_ns_per_byte},
          {"machine", machine}};
}

std::string describe(const Calibration& c) {
  if (c.empty()) {
    return "none (an ideal machine: only the scenario's costs take time)";
  }
  return "spawn " + fixed_ms(c.process_spawn) + " ms, sandbox setup " + fixed_ms(c.sandbox_setup) +
         " ms, HTTP hop " + fixed_ms(c.http_hop) + " ms, emulator per invoke " +
         fixed_ms(c.invoke_overhead) + " ms, runtime exchange " + fixed_ms(c.runtime_exchange) +
         " ms, exit " + fixed_ms(c.process_exit) + " ms" +
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
    c.base64_ns_per_byte = f.number("base64_ns_per_byte", 0);
    c.machine = f.has("machine") ? f.text("machine") : std::string();
    f.done();
    return c;
  } catch (const ScenarioError& e) {
    return ScenarioError(file.string() + ": " + e.what());
  }
}

}  // namespace lambda_emu::wrapper_sim

#include "sim/validation.hpp"

#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "overloaded.hpp"

namespace lambda_emu::wrapper_sim {
namespace {

using nlohmann::ordered_json;

std::vector<const costs::Cost*> stage_costs(const Stage& stage) {
  return std::visit(
      overloaded{
          [](const JsShim& s) -> std::vector<const costs::Cost*> {
            return {&s.init, &s.per_invoke};
          },
          [](const HttpServer& s) -> std::vector<const costs::Cost*> {
            return {&s.startup, &s.per_invoke};
          },
          [](const StreamingBridge& s) -> std::vector<const costs::Cost*> {
            return {&s.per_chunk, &s.first_byte};
          },
          [](const ExtensionStage& s) -> std::vector<const costs::Cost*> {
            return {&s.init, &s.post_invoke, &s.shutdown};
          },
          [](const SandboxStage& s) -> std::vector<const costs::Cost*> { return {&s.placement}; },
      },
      stage);
}

bool is_cpu(const costs::Cost* c) {
  return c->kind == costs::Cost::Kind::cpu;
}

// "+0.120 (+2.1%)": the difference, and its share of the model where the model is not zero.
std::string difference(Duration modeled, Duration measured) {
  std::string text = fixed_ms(measured - modeled, true);
  if (modeled > Duration::zero()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, " (%+.1f%%)",
                  100.0 * static_cast<double>((measured - modeled).count()) /
                      static_cast<double>(modeled.count()));
    text += buf;
  }
  return text;
}

std::string verdict(const RunComparison& run, const PhaseComparison& p) {
  if (!run.judged) {
    return "cpu: not judged";
  }
  const bool p50 = p.p50_agrees();
  const bool p99 = p.p99_agrees();
  if (p50 && p99) {
    return "yes";
  }
  return std::string("no: ") + (!p50 && !p99 ? "p50, p99" : !p50 ? "p50" : "p99");
}

std::string describe_work(const Validation& v) {
  const Work& w = v.work;
  std::string sizes;
  for (const std::uint64_t b : w.payload_bytes) {
    sizes += (sizes.empty() ? "" : ", ") + std::to_string(b) + " B";
  }
  return std::to_string(w.cold_starts) + " cold starts and " +
         std::to_string(w.cold_starts * w.warm_invokes) + " warm invokes (" +
         std::to_string(w.warm_invokes) + " per cold start) per variant and payload size (" +
         sizes + "), " + std::to_string(v.memory_mb) + " MB, model seed " + std::to_string(v.seed);
}

}  // namespace

std::variant<Scenario, ScenarioError> for_validation(Scenario scenario, const ValidationWork& work,
                                                     std::vector<std::string>* notes) {
  if (work.cold_starts) {
    scenario.work.cold_starts = *work.cold_starts;
  }
  if (work.warm_invokes) {
    scenario.work.warm_invokes = *work.warm_invokes;
  }
  if (scenario.work.cold_starts == 0) {
    return ScenarioError("validation needs at least one cold start");
  }
  for (const std::string& name : work.variants) {
    if (scenario.variant(name) == nullptr) {
      std::string known;
      for (const Variant& v : scenario.variants) {
        known += (known.empty() ? "" : ", ") + v.name;
      }
      return ScenarioError("no variant \"" + name + "\" in " + scenario.name + " (it has " + known +
                           ")");
    }
  }
  if (!work.variants.empty()) {
    std::erase_if(scenario.variants, [&](const Variant& v) {
      return std::find(work.variants.begin(), work.variants.end(), v.name) == work.variants.end();
    });
  }
  if (scenario.initialization != Initialization::on_demand) {
    scenario.initialization = Initialization::on_demand;
    if (notes != nullptr) {
      notes->push_back(
          "function.initialization is modeled as on-demand: every measured cold "
          "start is an invoke that waits for Init");
    }
  }
  for (Variant& v : scenario.variants) {
    const auto removed = std::erase_if(
        v.stages, [](const Stage& s) { return std::holds_alternative<SandboxStage>(s); });
    if (removed > 0 && notes != nullptr) {
      notes->push_back(v.name + ": its sandbox stage (placement before Init) is left out of the " +
                       "model: no process can spend it, so the measurement cannot have it");
    }
  }
  return scenario;
}

Duration allowed_difference(Duration modeled) {
  const auto share = Duration(static_cast<Duration::rep>(
      agreement_share * static_cast<double>(std::max(modeled, Duration::zero()).count())));
  return std::max(share, agreement_floor);
}

bool agrees(Duration modeled, Duration measured) {
  const Duration diff = measured > modeled ? measured - modeled : modeled - measured;
  return diff <= allowed_difference(modeled);
}

bool stages_burn_cpu(const Variant& variant) {
  return std::any_of(variant.stages.begin(), variant.stages.end(), [](const Stage& s) {
    const auto costs = stage_costs(s);
    return std::any_of(costs.begin(), costs.end(), is_cpu);
  });
}

bool burns_cpu(const Scenario& scenario, const Variant& variant) {
  const costs::Cost* base[] = {&scenario.runtime.init, &scenario.handler.init,
                               &scenario.handler.work};
  return std::any_of(std::begin(base), std::end(base), is_cpu) || stages_burn_cpu(variant);
}

std::size_t Validation::judged_rows() const {
  std::size_t n = 0;
  for (const RunComparison& r : runs) {
    n += r.judged ? r.phases.size() : 0;
  }
  return n;
}

std::size_t Validation::judged_overheads() const {
  return static_cast<std::size_t>(
      std::count_if(overheads.begin(), overheads.end(), [](const auto& o) { return o.judged; }));
}

std::size_t Validation::agreeing_overheads() const {
  return static_cast<std::size_t>(std::count_if(
      overheads.begin(), overheads.end(), [](const auto& o) { return o.judged && o.agrees(); }));
}

std::size_t Validation::agreeing_rows() const {
  std::size_t n = 0;
  for (const RunComparison& r : runs) {
    for (const PhaseComparison& p : r.phases) {
      n += r.judged && p.p50_agrees() && p.p99_agrees() ? 1 : 0;
    }
  }
  return n;
}

Validation compare(const Scenario& scenario, const Calibration& calibration,
                   const SimResult& modeled, const std::vector<RunResult>& measured) {
  Validation v;
  v.scenario = scenario.name;
  v.memory_mb = scenario.memory_mb;
  v.work = scenario.work;
  v.seed = modeled.seed;
  v.calibration = calibration;
  for (const RunResult& real : measured) {
    const auto model = std::find_if(modeled.runs.begin(), modeled.runs.end(), [&](const auto& r) {
      return r.variant == real.variant && r.payload_bytes == real.payload_bytes;
    });
    const Variant* variant = scenario.variant(real.variant);
    if (model == modeled.runs.end() || variant == nullptr) {
      v.failures.push_back("no modeled run for " + real.variant + " at " +
                           std::to_string(real.payload_bytes) + " B");
      continue;
    }
    RunComparison run{real.variant, real.payload_bytes, !burns_cpu(scenario, *variant), {}};
    for (std::size_t i = 0; i < phase_count; ++i) {
      const Phase p = phase_at(i);
      if (!real.samples.of(p).empty()) {
        run.phases.push_back({p, summarize(model->samples.of(p)), summarize(real.samples.of(p))});
      }
    }
    v.runs.push_back(std::move(run));
  }
  for (const RunComparison& run : v.runs) {
    const auto bare = std::find_if(v.runs.begin(), v.runs.end(), [&](const RunComparison& r) {
      return r.variant == "bare" && r.payload_bytes == run.payload_bytes;
    });
    if (run.variant == "bare" || bare == v.runs.end()) {
      continue;
    }
    const bool judged = !stages_burn_cpu(*scenario.variant(run.variant));
    for (const PhaseComparison& p : run.phases) {
      const auto base = std::find_if(bare->phases.begin(), bare->phases.end(),
                                     [&](const PhaseComparison& b) { return b.phase == p.phase; });
      if (base != bare->phases.end()) {
        v.overheads.push_back({run.variant, run.payload_bytes, p.phase, judged,
                               p.modeled.p50 - base->modeled.p50,
                               p.measured.p50 - base->measured.p50});
      }
    }
  }
  return v;
}

ordered_json validation_json(const Validation& v) {
  ordered_json runs = ordered_json::array();
  for (const RunComparison& r : v.runs) {
    ordered_json phases = ordered_json::array();
    for (const PhaseComparison& p : r.phases) {
      phases.push_back({{"phase", phase_name(p.phase)},
                        {"modeled", stats_json(p.modeled)},
                        {"measured", stats_json(p.measured)},
                        {"p50_difference_ms", milliseconds(p.measured.p50 - p.modeled.p50)},
                        {"p99_difference_ms", milliseconds(p.measured.p99 - p.modeled.p99)},
                        {"p50_agrees", p.p50_agrees()},
                        {"p99_agrees", p.p99_agrees()}});
    }
    runs.push_back({{"variant", r.variant},
                    {"payload_bytes", r.payload_bytes},
                    {"costs", r.judged ? "sleep" : "cpu"},
                    {"judged", r.judged},
                    {"phases", std::move(phases)}});
  }
  ordered_json overheads = ordered_json::array();
  for (const OverheadComparison& o : v.overheads) {
    overheads.push_back({{"variant", o.variant},
                         {"payload_bytes", o.payload_bytes},
                         {"phase", phase_name(o.phase)},
                         {"judged", o.judged},
                         {"modeled_p50_ms", milliseconds(o.modeled)},
                         {"measured_p50_ms", milliseconds(o.measured)},
                         {"difference_ms", milliseconds(o.measured - o.modeled)},
                         {"agrees", o.agrees()}});
  }
  return {{"scenario", v.scenario},
          {"memory_mb", v.memory_mb},
          {"work",
           {{"cold_starts", v.work.cold_starts},
            {"warm_invokes", v.work.warm_invokes},
            {"payload_bytes", v.work.payload_bytes},
            {"think_ms", milliseconds(v.work.think)}}},
          {"seed", v.seed},
          {"calibration", v.calibration.to_json()},
          {"bar", {{"share", agreement_share}, {"floor_ms", milliseconds(agreement_floor)}}},
          {"runs", std::move(runs)},
          {"judged_rows", v.judged_rows()},
          {"agreeing_rows", v.agreeing_rows()},
          {"overheads", std::move(overheads)},
          {"judged_overheads", v.judged_overheads()},
          {"agreeing_overheads", v.agreeing_overheads()},
          {"notes", v.notes},
          {"failures", v.failures}};
}

std::string validation_markdown(const Validation& v) {
  std::string md = "# " + v.scenario + ": model versus measurement\n\n";
  md += "- Work: " + describe_work(v) + ".\n";
  md += "- Calibration: " + describe(v.calibration) + ".\n";
  md +=
      "- Agrees: modeled and measured differ by at most 5% of the model or 0.5 ms, whichever "
      "is larger, at p50 and at p99. Variants with cpu costs are reported, not judged. A p99 "
      "of fewer than 100 samples is (nearly) their largest: read it as one sample.\n";
  md +=
      "- Overheads: each wrapper's p50 minus bare's, modeled and measured, against the same bar; "
      "what the machine does to both alike cancels out of them. Judged when the wrapper's own "
      "stages spend sleep costs only.\n";
  for (const std::string& n : v.notes) {
    md += "- " + n + ".\n";
  }
  for (const std::uint64_t payload : v.work.payload_bytes) {
    md += "\n## Payload " + std::to_string(payload) +
          " B (ms)\n\n| variant | phase | n model / measured | model p50 | measured p50 | "
          "difference p50 | model p99 | measured p99 | difference p99 | agrees |\n"
          "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n";
    for (const RunComparison& r : v.runs) {
      if (r.payload_bytes != payload) {
        continue;
      }
      for (const PhaseComparison& p : r.phases) {
        md += "| " + r.variant + " | " + std::string(phase_name(p.phase)) + " | " +
              std::to_string(p.modeled.n) + " / " + std::to_string(p.measured.n) + " | " +
              fixed_ms(p.modeled.p50) + " | " + fixed_ms(p.measured.p50) + " | " +
              difference(p.modeled.p50, p.measured.p50) + " | " + fixed_ms(p.modeled.p99) + " | " +
              fixed_ms(p.measured.p99) + " | " + difference(p.modeled.p99, p.measured.p99) + " | " +
              verdict(r, p) + " |\n";
      }
    }
    std::string rows;
    for (const OverheadComparison& o : v.overheads) {
      if (o.payload_bytes == payload) {
        rows += "| " + o.variant + " | " + std::string(phase_name(o.phase)) + " | " +
                fixed_ms(o.modeled, true) + " | " + fixed_ms(o.measured, true) + " | " +
                difference(o.modeled, o.measured) + " | " +
                (!o.judged    ? "cpu: not judged"
                 : o.agrees() ? "yes"
                              : "no") +
                " |\n";
      }
    }
    if (!rows.empty()) {
      md += "\n### Overhead over bare, payload " + std::to_string(payload) +
            " B (p50 minus bare's p50, ms)\n\n| variant | phase | modeled | measured | "
            "difference | agrees |\n| --- | --- | ---: | ---: | ---: | --- |\n" +
            rows;
    }
  }
  md += "\nJudged rows (sleep costs): " + std::to_string(v.judged_rows()) + ", agreeing at p50 " +
        "and p99: " + std::to_string(v.agreeing_rows()) + ".\n";
  if (!v.overheads.empty()) {
    md +=
        "Judged overheads (stages with sleep costs only): " + std::to_string(v.judged_overheads()) +
        ", agreeing at p50: " + std::to_string(v.agreeing_overheads()) + ".\n";
  }
  if (!v.failures.empty()) {
    md += "\n## Failures\n\n";
    for (const std::string& f : v.failures) {
      md += "- " + f + "\n";
    }
  }
  return md;
}

}  // namespace lambda_emu::wrapper_sim

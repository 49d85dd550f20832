#include "sim/validation.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "overloaded.hpp"

namespace lambda_emu::wrapper_sim {
namespace {

using nlohmann::ordered_json;

// When a stage's cost is spent: in Init, on every invoke, or in the shutdown.
enum class When { init, invoke, shutdown };
struct StageCost {
  const costs::Cost* cost;
  When when;
};

std::vector<StageCost> stage_costs(const Stage& stage) {
  using enum When;
  return std::visit(
      overloaded{
          [](const JsShim& s) -> std::vector<StageCost> {
            return {{&s.init, init}, {&s.per_invoke, invoke}};
          },
          [](const HttpServer& s) -> std::vector<StageCost> {
            return {{&s.startup, init}, {&s.per_invoke, invoke}};
          },
          [](const StreamingBridge& s) -> std::vector<StageCost> {
            return {{&s.per_chunk, invoke}, {&s.first_byte, invoke}};
          },
          [](const ExtensionStage& s) -> std::vector<StageCost> {
            return {{&s.init, init}, {&s.post_invoke, invoke}, {&s.shutdown, shutdown}};
          },
          [](const SandboxStage& s) -> std::vector<StageCost> {
            return {{&s.placement, init}};
          },
      },
      stage);
}

// Whether a phase's time includes costs spent `when`: a cold start has its Init and its invoke.
bool includes(Phase p, When when) {
  if (p == Phase::cold_start) {
    return when != When::shutdown;
  }
  if (p == Phase::shutdown) {
    return when == When::shutdown;
  }
  return when == (per_invoke(p) ? When::invoke : When::init);
}

// A cpu cost, in `phase` if one is given.
bool burns(const StageCost& c, std::optional<Phase> phase) {
  return c.cost->kind == costs::Cost::Kind::cpu && (!phase || includes(*phase, c.when));
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

// The mean in nanoseconds; zero for none.
double mean_ns(const std::vector<Duration>& values) {
  if (values.empty()) {
    return 0;
  }
  double sum = 0;
  for (const Duration d : values) {
    sum += static_cast<double>(d.count());
  }
  return sum / static_cast<double>(values.size());
}

// The mean, truncated to the nanosecond.
Duration mean_of(const std::vector<Duration>& values) {
  return Duration(static_cast<Duration::rep>(mean_ns(values)));
}

// The sample standard deviation, truncated to the nanosecond; zero for fewer than two.
Duration standard_deviation(const std::vector<Duration>& values) {
  if (values.size() < 2) {
    return Duration::zero();
  }
  const double mean = mean_ns(values);
  double sum = 0;
  for (const Duration d : values) {
    const double x = static_cast<double>(d.count()) - mean;
    sum += x * x;
  }
  return Duration(
      static_cast<Duration::rep>(std::sqrt(sum / static_cast<double>(values.size() - 1))));
}

// A result's run of this variant and payload size, or null.
const RunResult* find_run(const SimResult& r, const std::string& variant, std::uint64_t payload) {
  const auto run = std::find_if(r.runs.begin(), r.runs.end(), [&](const RunResult& x) {
    return x.variant == variant && x.payload_bytes == payload;
  });
  return run == r.runs.end() ? nullptr : &*run;
}

// What the model expects a run of this size to show: each statistic's mean over the seeds.
Stats expected(const std::vector<Stats>& per_seed) {
  auto mean_of_field = [&](Duration Stats::*field) {
    std::vector<Duration> values;
    for (const Stats& s : per_seed) {
      values.push_back(s.*field);
    }
    return mean_of(values);
  };
  return Stats{.n = per_seed.empty() ? 0 : per_seed.front().n,
               .mean = mean_of_field(&Stats::mean),
               .p50 = mean_of_field(&Stats::p50),
               .p90 = mean_of_field(&Stats::p90),
               .p99 = mean_of_field(&Stats::p99),
               .max = mean_of_field(&Stats::max)};
}

// "±0.840", or "-" when not computed.
std::string spread(const Validation& v, Duration sd) {
  return v.reseeded == 0 ? "-" : "±" + fixed_ms(sd);
}

std::string verdict(const PhaseComparison& p) {
  if (!p.judged) {
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

bool stages_burn_cpu(const Variant& variant, std::optional<Phase> phase) {
  return std::any_of(variant.stages.begin(), variant.stages.end(), [&](const Stage& s) {
    const auto costs = stage_costs(s);
    return std::any_of(costs.begin(), costs.end(),
                       [&](const StageCost& c) { return burns(c, phase); });
  });
}

bool burns_cpu(const Scenario& scenario, const Variant& variant, std::optional<Phase> phase) {
  const StageCost base[] = {{&scenario.runtime.init, When::init},
                            {&scenario.handler.init, When::init},
                            {&scenario.handler.work, When::invoke}};
  return std::any_of(std::begin(base), std::end(base),
                     [&](const StageCost& c) { return burns(c, phase); }) ||
         stages_burn_cpu(variant, phase);
}

std::size_t Validation::judged_rows() const {
  std::size_t n = 0;
  for (const RunComparison& r : runs) {
    n += static_cast<std::size_t>(
        std::count_if(r.phases.begin(), r.phases.end(), [](const auto& p) { return p.judged; }));
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

std::size_t Validation::undersampled_disagreements() const {
  return static_cast<std::size_t>(
      std::count_if(overheads.begin(), overheads.end(),
                    [](const auto& o) { return o.judged && !o.agrees() && o.undersampled(); }));
}

std::size_t Validation::agreeing_rows() const {
  std::size_t n = 0;
  for (const RunComparison& r : runs) {
    for (const PhaseComparison& p : r.phases) {
      n += p.judged && p.p50_agrees() && p.p99_agrees() ? 1 : 0;
    }
  }
  return n;
}

Validation compare(const Scenario& scenario, const Calibration& calibration,
                   const SimResult& modeled, const std::vector<RunResult>& measured,
                   const std::vector<SimResult>& reseeded) {
  // The model under the scenario's seed and every other one, each with the same work.
  std::vector<const SimResult*> seeds{&modeled};
  for (const SimResult& r : reseeded) {
    seeds.push_back(&r);
  }
  // One phase of one variant and payload size, summarized under each seed that has it.
  auto per_seed = [&](const std::string& variant, std::uint64_t payload, Phase p) {
    std::vector<Stats> stats;
    for (const SimResult* r : seeds) {
      if (const RunResult* run = find_run(*r, variant, payload)) {
        stats.push_back(summarize(run->samples.of(p)));
      }
    }
    return stats;
  };
  auto p50s = [](const std::vector<Stats>& stats) {
    std::vector<Duration> values;
    for (const Stats& s : stats) {
      values.push_back(s.p50);
    }
    return values;
  };
  Validation v;
  v.scenario = scenario.name;
  v.memory_mb = scenario.memory_mb;
  v.work = scenario.work;
  v.seed = modeled.seed;
  v.calibration = calibration;
  v.reseeded = reseeded.size();
  for (const RunResult& real : measured) {
    const Variant* variant = scenario.variant(real.variant);
    if (find_run(modeled, real.variant, real.payload_bytes) == nullptr || variant == nullptr) {
      v.failures.push_back("no modeled run for " + real.variant + " at " +
                           std::to_string(real.payload_bytes) + " B");
      continue;
    }
    RunComparison run{real.variant, real.payload_bytes, !burns_cpu(scenario, *variant), {}};
    for (std::size_t i = 0; i < phase_count; ++i) {
      const Phase p = phase_at(i);
      if (!real.samples.of(p).empty()) {
        const std::vector<Stats> model = per_seed(real.variant, real.payload_bytes, p);
        run.phases.push_back({p, !burns_cpu(scenario, *variant, p), expected(model),
                              summarize(real.samples.of(p)), standard_deviation(p50s(model))});
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
    const Variant& variant = *scenario.variant(run.variant);
    for (const PhaseComparison& p : run.phases) {
      const bool judged = !stages_burn_cpu(variant, p.phase);
      const auto base = std::find_if(bare->phases.begin(), bare->phases.end(),
                                     [&](const PhaseComparison& b) { return b.phase == p.phase; });
      if (base != bare->phases.end()) {
        // Paired under each seed: the wrapper and bare see the same handler draws.
        const auto wrapper_p50s = p50s(per_seed(run.variant, run.payload_bytes, p.phase));
        const auto bare_p50s = p50s(per_seed("bare", run.payload_bytes, p.phase));
        std::vector<Duration> overheads;
        for (std::size_t i = 0; i < std::min(wrapper_p50s.size(), bare_p50s.size()); ++i) {
          overheads.push_back(wrapper_p50s[i] - bare_p50s[i]);
        }
        v.overheads.push_back({run.variant, run.payload_bytes, p.phase, judged, mean_of(overheads),
                               p.measured.p50 - base->measured.p50, standard_deviation(overheads)});
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
                        {"judged", p.judged},
                        {"modeled", stats_json(p.modeled)},
                        {"measured", stats_json(p.measured)},
                        {"p50_difference_ms", milliseconds(p.measured.p50 - p.modeled.p50)},
                        {"p50_seed_sd_ms", milliseconds(p.p50_seed_sd)},
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
                         {"seed_sd_ms", milliseconds(o.seed_sd)},
                         {"agrees", o.agrees()},
                         {"undersampled", o.undersampled()}});
  }
  return {{"scenario", v.scenario},
          {"memory_mb", v.memory_mb},
          {"work",
           {{"cold_starts", v.work.cold_starts},
            {"warm_invokes", v.work.warm_invokes},
            {"payload_bytes", v.work.payload_bytes},
            {"think_ms", milliseconds(v.work.think)}}},
          {"seed", v.seed},
          {"model_seeds", v.reseeded + 1},
          {"calibration", v.calibration.to_json()},
          {"bar", {{"share", agreement_share}, {"floor_ms", milliseconds(agreement_floor)}}},
          {"runs", std::move(runs)},
          {"judged_rows", v.judged_rows()},
          {"agreeing_rows", v.agreeing_rows()},
          {"overheads", std::move(overheads)},
          {"judged_overheads", v.judged_overheads()},
          {"agreeing_overheads", v.agreeing_overheads()},
          {"undersampled_disagreements", v.undersampled_disagreements()},
          {"notes", v.notes},
          {"failures", v.failures}};
}

std::string validation_markdown(const Validation& v) {
  std::string md = "# " + v.scenario + ": model versus measurement\n\n";
  md += "- Work: " + describe_work(v) + ".\n";
  md += "- Calibration: " + describe(v.calibration) + ".\n";
  md +=
      "- Agrees: modeled and measured differ by at most 5% of the model or 0.5 ms, whichever "
      "is larger, at p50 and at p99. Phases with a cpu cost are reported, not judged. A p99 "
      "of fewer than 100 samples is (nearly) their largest: read it as one sample.\n";
  md +=
      "- Overheads: each wrapper's p50 minus bare's, modeled and measured, against the same bar; "
      "what the machine does to both alike cancels out of them. Judged in the phases where the "
      "wrapper's own stages spend sleep costs only.\n";
  if (v.reseeded == 0) {
    md += "- Model: the scenario's seed alone. Seed sd: not computed.\n";
  } else {
    const std::string seeds = std::to_string(v.reseeded + 1);
    md +=
        "- Model: what the model expects a run of this size to show. Each modeled p50, p99 "
        "and overhead is the mean over " +
        seeds + " seeds (the scenario's and " + std::to_string(v.reseeded) +
        " others), each with the measured work: one seed's draw alone can sit well off it.\n";
    md += "- Seed sd: how far one seed's p50 (or overhead) moves around that, over the " + seeds +
          " seeds. The measurement is one such run, so a difference within about 2 sd can be "
          "sampling alone.\n";
  }
  for (const std::string& n : v.notes) {
    md += "- " + n + ".\n";
  }
  for (const std::uint64_t payload : v.work.payload_bytes) {
    md += "\n## Payload " + std::to_string(payload) +
          " B (ms)\n\n| variant | phase | n model / measured | model p50 | measured p50 | "
          "difference p50 | p50 seed sd | model p99 | measured p99 | difference p99 | agrees |\n"
          "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n";
    for (const RunComparison& r : v.runs) {
      if (r.payload_bytes != payload) {
        continue;
      }
      for (const PhaseComparison& p : r.phases) {
        md += "| " + r.variant + " | " + std::string(phase_name(p.phase)) + " | " +
              std::to_string(p.modeled.n) + " / " + std::to_string(p.measured.n) + " | " +
              fixed_ms(p.modeled.p50) + " | " + fixed_ms(p.measured.p50) + " | " +
              difference(p.modeled.p50, p.measured.p50) + " | " + spread(v, p.p50_seed_sd) + " | " +
              fixed_ms(p.modeled.p99) + " | " + fixed_ms(p.measured.p99) + " | " +
              difference(p.modeled.p99, p.measured.p99) + " | " + verdict(p) + " |\n";
      }
    }
    std::string rows;
    for (const OverheadComparison& o : v.overheads) {
      if (o.payload_bytes == payload) {
        rows += "| " + o.variant + " | " + std::string(phase_name(o.phase)) + " | " +
                fixed_ms(o.modeled, true) + " | " + fixed_ms(o.measured, true) + " | " +
                difference(o.modeled, o.measured) + " | " + spread(v, o.seed_sd) + " | " +
                (!o.judged          ? "cpu: not judged"
                 : o.agrees()       ? "yes"
                 : o.undersampled() ? "no; seed sd over the bar: too few samples to tell"
                                    : "no") +
                " |\n";
      }
    }
    if (!rows.empty()) {
      md += "\n### Overhead over bare, payload " + std::to_string(payload) +
            " B (p50 minus bare's p50, ms)\n\n| variant | phase | modeled | measured | "
            "difference | seed sd | agrees |\n| --- | --- | ---: | ---: | ---: | ---: | --- |\n" +
            rows;
    }
  }
  md += "\nJudged rows (sleep costs): " + std::to_string(v.judged_rows()) + ", agreeing at p50 " +
        "and p99: " + std::to_string(v.agreeing_rows()) + ".\n";
  if (!v.overheads.empty()) {
    md += "Judged overheads (phases where the stages spend sleep costs only): " +
          std::to_string(v.judged_overheads()) +
          ", agreeing at p50: " + std::to_string(v.agreeing_overheads()) + ".\n";
    if (const std::size_t n = v.undersampled_disagreements(); n > 0) {
      md += "Of those that do not agree, " + std::to_string(n) +
            " move more than the bar from seed to seed: too few samples to tell; more "
            "--cold-starts (Init, cold start, shutdown) or --warm-invokes (the rest) can.\n";
    }
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

#include "sim/validation.hpp"

#include <algorithm>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace lambda_emu::wrapper_sim;
using lambda_emu::Duration;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

json spec() {
  return json::parse(R"({
    "name": "v",
    "function": {"memory_mb": 1769, "timeout_ms": 3000},
    "runtime": {"init": 10},
    "handler": {"work": 2},
    "variants": [
      {"name": "bare"},
      {"name": "shim", "stages": [{"type": "js_shim", "init": 5, "per_invoke": 1}]},
      {"name": "placed", "stages": [{"type": "sandbox", "placement": 50},
                                    {"type": "extension", "name": "x", "post_invoke": 1}]},
      {"name": "parser", "stages": [{"type": "js_shim", "init": {"kind": "cpu", "dist": "constant", "ms": 30}}]}
    ],
    "work": {"cold_starts": 4, "warm_invokes": 10, "payload_bytes": [100, 2000]}
  })");
}

Scenario scenario() {
  auto parsed = parse_scenario(spec(), ".");
  REQUIRE(std::holds_alternative<Scenario>(parsed));
  return std::get<Scenario>(std::move(parsed));
}

// The modeled runs with every sample of `phases` moved by `shift` (only variant `only`'s, if
// given): a measurement that differs from the model by exactly that.
std::vector<RunResult> shifted(const SimResult& modeled, std::vector<Phase> phases, Duration shift,
                               const std::string& only = "") {
  std::vector<RunResult> out;
  for (const RunResult& r : modeled.runs) {
    RunResult m{r.variant, r.payload_bytes, {}};
    const Duration by = only.empty() || r.variant == only ? shift : Duration::zero();
    for (const Phase p : phases) {
      for (const Duration d : r.samples.of(p)) {
        m.samples.add(p, d + by);
      }
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace

TEST_CASE("validation: the bar is 5% of the model or 0.5 ms, whichever is larger") {
  CHECK(allowed_difference(0ms) == 500us);
  CHECK(allowed_difference(10ms) == 500us);
  CHECK(allowed_difference(20ms) == 1ms);
  CHECK(allowed_difference(200ms) == 10ms);
  CHECK(agrees(2ms, 2500us));
  CHECK(agrees(2500us, 2ms));
  CHECK_FALSE(agrees(2ms, 2501us));
  CHECK(agrees(100ms, 105ms));
  CHECK(agrees(100ms, 95ms));
  CHECK_FALSE(agrees(100ms, 94'999us));
  CHECK_FALSE(agrees(100ms, 105'001us));
}

TEST_CASE("validation: the scenario's work is replaced, variants chosen, sandbox stages left out") {
  std::vector<std::string> notes;
  auto reduced = for_validation(scenario(), {3, 20, {"placed", "bare"}}, &notes);
  REQUIRE(std::holds_alternative<Scenario>(reduced));
  const Scenario& s = std::get<Scenario>(reduced);
  CHECK(s.work.cold_starts == 3);
  CHECK(s.work.warm_invokes == 20);
  REQUIRE(s.variants.size() == 2);
  CHECK(s.variants[0].name == "bare");  // the scenario's order, not the request's
  CHECK(s.variants[1].name == "placed");
  REQUIRE(s.variants[1].stages.size() == 1);
  CHECK(std::holds_alternative<ExtensionStage>(s.variants[1].stages[0]));
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].find("placed: its sandbox stage") == 0);

  json ahead = spec();
  ahead["function"]["initialization"] = "provisioned-concurrency";
  auto parsed = parse_scenario(ahead, ".");
  REQUIRE(std::holds_alternative<Scenario>(parsed));
  notes.clear();
  auto on_demand = for_validation(std::get<Scenario>(parsed), {{}, {}, {"bare"}}, &notes);
  CHECK(std::get<Scenario>(on_demand).initialization == Initialization::on_demand);
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].find("function.initialization is modeled as on-demand") == 0);

  auto all = for_validation(scenario(), {}, nullptr);
  REQUIRE(std::holds_alternative<Scenario>(all));
  CHECK(std::get<Scenario>(all).variants.size() == 4);
  CHECK(std::get<Scenario>(all).work.cold_starts == 4);
}

TEST_CASE("validation: an unknown variant or no cold start is refused") {
  auto unknown = for_validation(scenario(), {{}, {}, {"nope"}}, nullptr);
  REQUIRE(std::holds_alternative<ScenarioError>(unknown));
  CHECK(std::string(std::get<ScenarioError>(unknown).what()) ==
        "no variant \"nope\" in v (it has bare, shim, placed, parser)");
  auto none = for_validation(scenario(), {0, {}, {}}, nullptr);
  CHECK(std::holds_alternative<ScenarioError>(none));
}

TEST_CASE("validation: a variant with any cpu cost is reported, not judged") {
  const Scenario s = scenario();
  CHECK_FALSE(burns_cpu(s, *s.variant("bare")));
  CHECK_FALSE(burns_cpu(s, *s.variant("shim")));
  CHECK(burns_cpu(s, *s.variant("parser")));
  // Per phase: the parser's cpu cost is in its Init, so in Init and the cold start only.
  const Variant& parser = *s.variant("parser");
  CHECK(stages_burn_cpu(parser));
  CHECK(stages_burn_cpu(parser, Phase::init));
  CHECK(stages_burn_cpu(parser, Phase::cold_start));
  CHECK_FALSE(stages_burn_cpu(parser, Phase::warm));
  CHECK_FALSE(stages_burn_cpu(parser, Phase::duration));
  CHECK_FALSE(stages_burn_cpu(parser, Phase::shutdown));
  json cpu_handler = spec();
  cpu_handler["handler"]["work"] = {{"kind", "cpu"}, {"dist", "constant"}, {"ms", 2}};
  auto parsed = parse_scenario(cpu_handler, ".");
  const Scenario& c = std::get<Scenario>(parsed);
  CHECK(burns_cpu(c, *c.variant("bare")));
}

TEST_CASE("validation: measured phases are compared with the same modeled run") {
  auto reduced = for_validation(scenario(), {}, nullptr);
  const Scenario& s = std::get<Scenario>(reduced);
  const SimResult modeled = simulate(s, {}, s.seed);

  // 0.4 ms off everywhere: within the 0.5 ms floor.
  Validation close =
      compare(s, {}, modeled, shifted(modeled, {Phase::cold_start, Phase::warm}, 400us));
  REQUIRE(close.runs.size() == 8);  // 4 variants, 2 payload sizes
  CHECK(close.failures.empty());
  const RunComparison& shim = close.runs[1];
  CHECK(shim.variant == "shim");
  CHECK(shim.payload_bytes == 100);
  CHECK(shim.judged);
  REQUIRE(shim.phases.size() == 2);  // only what was measured, in phase order
  CHECK(shim.phases[0].phase == Phase::cold_start);
  CHECK(shim.phases[1].phase == Phase::warm);
  CHECK(shim.phases[0].modeled.p50 == 18ms);  // runtime 10, shim 5 and 1, handler 2
  CHECK(shim.phases[0].measured.p50 == 18'400us);
  CHECK(shim.phases[1].modeled.p50 == 3ms);
  CHECK(shim.phases[0].measured.n == 4);
  CHECK(shim.phases[1].measured.n == 40);
  // parser burns cpu in its Init: its cold starts are reported, its warm invokes judged.
  CHECK_FALSE(close.runs[3].judged);
  CHECK_FALSE(close.runs[3].phases[0].judged);
  CHECK(close.runs[3].phases[1].judged);
  CHECK(close.judged_rows() == 14);  // 3 variants x 2 phases + parser's warm, x 2 sizes
  CHECK(close.agreeing_rows() == 14);

  // 0.7 ms off: more than 5% of bare's 12 ms cold start, less than 5% of shim's 18 ms; more than
  // the floor for every 2 and 3 ms warm invoke.
  Validation off =
      compare(s, {}, modeled, shifted(modeled, {Phase::cold_start, Phase::warm}, 700us));
  CHECK_FALSE(off.runs[0].phases[0].p50_agrees());
  CHECK(off.runs[1].phases[0].p50_agrees());
  CHECK(off.runs[1].phases[0].p99_agrees());
  CHECK_FALSE(off.runs[1].phases[1].p50_agrees());
  CHECK_FALSE(off.runs[1].phases[1].p99_agrees());
  CHECK(off.agreeing_rows() == 2);  // shim's cold starts, at both sizes
}

TEST_CASE("validation: a wrapper's overhead over bare is compared, and what both share cancels") {
  auto reduced = for_validation(scenario(), {}, nullptr);
  const Scenario& s = std::get<Scenario>(reduced);
  const SimResult modeled = simulate(s, {}, s.seed);

  // A machine 3 ms slower in everything: no phase agrees, every overhead does.
  Validation slow =
      compare(s, {}, modeled, shifted(modeled, {Phase::cold_start, Phase::warm}, 3ms));
  CHECK(slow.agreeing_rows() == 0);
  REQUIRE(slow.overheads.size() == 12);  // shim, placed, parser x 2 phases x 2 sizes
  const OverheadComparison& shim_cold = slow.overheads[0];
  CHECK(shim_cold.variant == "shim");
  CHECK(shim_cold.payload_bytes == 100);
  CHECK(shim_cold.phase == Phase::cold_start);
  CHECK(shim_cold.modeled == 6ms);  // the shim's init 5 and per-invoke 1
  CHECK(shim_cold.measured == 6ms);
  CHECK(slow.overheads[1].phase == Phase::warm);
  CHECK(slow.overheads[1].modeled == 1ms);
  // The parser's shim burns cpu in Init: its cold starts are not judged, its warm invokes are.
  CHECK(slow.overheads[4].variant == "parser");
  CHECK(slow.overheads[4].phase == Phase::cold_start);
  CHECK_FALSE(slow.overheads[4].judged);
  CHECK(slow.overheads[5].phase == Phase::warm);
  CHECK(slow.overheads[5].judged);
  CHECK(slow.judged_overheads() == 10);
  CHECK(slow.agreeing_overheads() == 10);

  // Only the shim 0.7 ms slower: its overheads are off by more than the 0.5 ms floor.
  Validation shim_off =
      compare(s, {}, modeled, shifted(modeled, {Phase::cold_start, Phase::warm}, 700us, "shim"));
  CHECK(shim_off.overheads[0].measured == 6700us);
  CHECK_FALSE(shim_off.overheads[0].agrees());
  CHECK(shim_off.agreeing_overheads() == 6);  // placed's and parser's warm, at both sizes
}

TEST_CASE("validation: the report as Markdown and JSON") {
  auto reduced = for_validation(scenario(), {1, 2, {"bare", "parser"}}, nullptr);
  const Scenario& s = std::get<Scenario>(reduced);
  const SimResult modeled = simulate(s, {}, s.seed);
  auto measured = shifted(modeled, {Phase::cold_start, Phase::warm}, 1ms);
  measured.pop_back();  // parser at 2000 B was not measured
  Validation v = compare(s, {}, modeled, measured);
  v.notes.push_back("a note");
  v.failures.push_back("parser: a cold start failed");

  const std::string md = validation_markdown(v);
  CHECK(md.find("# v: model versus measurement") == 0);
  CHECK(md.find("- a note.\n") != std::string::npos);
  CHECK(md.find("## Payload 100 B (ms)") != std::string::npos);
  CHECK(md.find("| bare | warm | 2 / 2 | 2.000 | 3.000 | +1.000 (+50.0%) | - | 2.000 | 3.000 | "
                "+1.000 (+50.0%) | no: p50, p99 |") != std::string::npos);
  CHECK(md.find("| parser | cold_start | 1 / 1 | 42.000 | 43.000 | +1.000 (+2.4%) | - | 42.000 | "
                "43.000 | +1.000 (+2.4%) | cpu: not judged |") != std::string::npos);
  CHECK(md.find("| parser | warm | 2 / 2 | 2.000 | 3.000 | +1.000 (+50.0%) | - | 2.000 | 3.000 | "
                "+1.000 (+50.0%) | no: p50, p99 |") != std::string::npos);
  CHECK(md.find("- Model: the scenario's seed alone. Seed sd: not computed.") != std::string::npos);
  CHECK(md.find("Judged rows (sleep costs): 5, agreeing at p50 and p99: 0.") != std::string::npos);
  CHECK(md.find("## Failures\n\n- parser: a cold start failed") != std::string::npos);
  CHECK(md.find("### Overhead over bare, payload 100 B (p50 minus bare's p50, ms)") !=
        std::string::npos);
  // The parser's cpu cost is in its Init: the cold start's overhead is reported, the warm one
  // judged.
  CHECK(md.find("| parser | cold_start | +30.000 | +30.000 | +0.000 (+0.0%) | - | cpu: not "
                "judged |") != std::string::npos);
  CHECK(md.find("| parser | warm | +0.000 | +0.000 | +0.000 | - | yes |") != std::string::npos);
  CHECK(md.find("Judged overheads (phases where the stages spend sleep costs only): 1, agreeing at "
                "p50: 1.") != std::string::npos);

  const auto j = validation_json(v);
  CHECK(j["scenario"] == "v");
  CHECK(j["work"]["cold_starts"] == 1);
  CHECK(j["bar"]["floor_ms"] == 0.5);
  REQUIRE(j["runs"].size() == 3);
  CHECK(j["runs"][1]["costs"] == "cpu");
  CHECK(j["runs"][1]["phases"][0]["judged"] == false);  // parser's cold start
  CHECK(j["runs"][1]["phases"][1]["judged"] == true);   // and its warm invokes
  const json& warm = j["runs"][0]["phases"][1];
  CHECK(warm["phase"] == "warm");
  CHECK(warm["modeled"]["p50_ms"] == 2.0);
  CHECK(warm["measured"]["p99_ms"] == 3.0);
  CHECK(warm["p50_difference_ms"] == 1.0);
  CHECK(warm["p50_agrees"] == false);
  CHECK(j["failures"].size() == 1);
  REQUIRE(j["overheads"].size() == 2);  // parser's cold start and warm at 100 B
  CHECK(j["overheads"][0]["phase"] == "cold_start");
  CHECK(j["overheads"][0]["judged"] == false);
  CHECK(j["overheads"][1]["phase"] == "warm");
  CHECK(j["overheads"][1]["judged"] == true);
  CHECK(j["judged_overheads"] == 1);
}

// A handler with a heavy tail, a constant stage and a random one, modeled under the scenario's
// seed and spread_seeds others.
struct Noisy {
  Scenario scenario;
  SimResult modeled;
  std::vector<SimResult> reseeded;
};
Noisy noisy_model() {
  json spec = json::parse(R"({
    "name": "noisy",
    "function": {"memory_mb": 1769},
    "runtime": {"init": 10},
    "handler": {"work": {"dist": "lognormal", "p50_ms": 3, "p99_ms": 30}},
    "variants": [
      {"name": "bare"},
      {"name": "fixed", "stages": [{"type": "js_shim", "per_invoke": 1}]},
      {"name": "noisy", "stages": [{"type": "js_shim",
                                    "per_invoke": {"dist": "uniform", "min_ms": 0, "max_ms": 4}}]}
    ],
    "work": {"cold_starts": 2, "warm_invokes": 10}
  })");
  auto parsed = parse_scenario(spec, ".");
  Noisy n{std::get<Scenario>(parsed), {}, {}};
  n.modeled = simulate(n.scenario, {}, n.scenario.seed);
  for (std::uint64_t i = 1; i <= spread_seeds; ++i) {
    n.reseeded.push_back(simulate(n.scenario, {}, n.scenario.seed + i));
  }
  return n;
}

TEST_CASE("validation: the model's own seed-to-seed spread is beside every p50 and overhead") {
  const auto [s, modeled, reseeded] = noisy_model();
  const Validation v = compare(s, {}, modeled, shifted(modeled, {Phase::warm}, 0us), reseeded);
  CHECK(v.reseeded == spread_seeds);
  REQUIRE(v.runs.size() == 3);
  // 20 warm invokes of a lognormal handler: its p50 moves by tenths of a ms from seed to seed.
  const Duration bare_sd = v.runs[0].phases[0].p50_seed_sd;
  CHECK(bare_sd > 100us);
  CHECK(bare_sd < 3ms);
  // The shared handler draws cancel out of an overhead: a constant stage's is exactly steady, a
  // random one's is not.
  REQUIRE(v.overheads.size() == 2);
  CHECK(v.overheads[0].variant == "fixed");
  CHECK(v.overheads[0].seed_sd == 0us);
  CHECK(v.overheads[1].variant == "noisy");
  CHECK(v.overheads[1].seed_sd > 0us);
  const std::string md = validation_markdown(v);
  CHECK(md.find("| fixed | warm | +1.000 | +1.000 | +0.000 (+0.0%) | ±0.000 | yes |") !=
        std::string::npos);
  CHECK(md.find("- Seed sd: how far one seed's p50 (or overhead) moves around that, over the 21 "
                "seeds") != std::string::npos);
  CHECK(validation_json(v)["overheads"][1]["seed_sd_ms"].get<double>() > 0);
}

TEST_CASE("validation: the model's figures are what it expects of a run this size") {
  const auto [s, modeled, reseeded] = noisy_model();
  const Validation v = compare(s, {}, modeled, shifted(modeled, {Phase::warm}, 0us), reseeded);
  // By hand: each seed's warm p50 for bare, and noisy's overhead over it, averaged.
  std::vector<const SimResult*> seeds{&modeled};
  for (const SimResult& r : reseeded) {
    seeds.push_back(&r);
  }
  Duration bare_sum{0};
  Duration overhead_sum{0};
  for (const SimResult* r : seeds) {
    const Duration bare = summarize(r->runs[0].samples.of(Phase::warm)).p50;
    bare_sum += bare;
    overhead_sum += summarize(r->runs[2].samples.of(Phase::warm)).p50 - bare;
  }
  const auto count = static_cast<Duration::rep>(seeds.size());
  const auto warm = std::find_if(v.runs[0].phases.begin(), v.runs[0].phases.end(),
                                 [](const PhaseComparison& p) { return p.phase == Phase::warm; });
  REQUIRE(warm != v.runs[0].phases.end());
  CHECK(warm->modeled.p50 == bare_sum / count);
  // Not the scenario seed's own draw, which the measurement is compared with nowhere.
  CHECK(warm->modeled.p50 != summarize(modeled.runs[0].samples.of(Phase::warm)).p50);
  CHECK(warm->modeled.n == 20);
  REQUIRE(v.overheads.size() == 2);
  CHECK(v.overheads[1].modeled == overhead_sum / count);
}

TEST_CASE(
    "validation: an overhead that moves more than the bar from seed to seed is too few "
    "samples to tell") {
  // 1 ms off a 10 ms overhead: the bar is 0.5 ms.
  OverheadComparison o{"w", 100, Phase::warm, true, 10ms, 11ms, 300us};
  CHECK_FALSE(o.agrees());
  CHECK_FALSE(o.undersampled());
  o.seed_sd = 600us;
  CHECK(o.undersampled());
  OverheadComparison large = o;
  large.modeled = 20ms;  // bar 1 ms
  large.measured = 22ms;
  CHECK_FALSE(large.undersampled());

  Validation v;
  v.scenario = "s";
  v.work.payload_bytes = {100};
  OverheadComparison agreeing = o;
  agreeing.phase = Phase::duration;
  agreeing.measured = 10ms;
  OverheadComparison cpu = o;
  cpu.phase = Phase::init;
  cpu.judged = false;
  v.overheads = {o, large, agreeing, cpu};
  CHECK(v.undersampled_disagreements() == 1);

  const std::string md = validation_markdown(v);
  CHECK(md.find("| w | warm | +10.000 | +11.000 | +1.000 (+10.0%) | - | no; seed sd over the "
                "bar: too few samples to tell |") != std::string::npos);
  CHECK(md.find("| w | warm | +20.000 | +22.000 | +2.000 (+10.0%) | - | no |") !=
        std::string::npos);
  CHECK(md.find("Of those that do not agree, 1 move more than the bar from seed to seed") !=
        std::string::npos);
  const auto j = validation_json(v);
  CHECK(j["overheads"][0]["undersampled"] == true);
  CHECK(j["overheads"][1]["undersampled"] == false);
  CHECK(j["undersampled_disagreements"] == 1);

  v.overheads = {large, agreeing};
  CHECK(validation_markdown(v).find("Of those that do not agree") == std::string::npos);
}

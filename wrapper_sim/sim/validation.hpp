#pragma once
// Validation: the model set against the same work measured under lambda-emu on this machine, phase
// by phase (`lambda-emu validate`, in bench/validate.hpp). A modeled percentile agrees with the
// measured one when they differ by at most 5% of the model or 0.5 ms, whichever is larger (issue
// 5). Only sleep costs are judged: a cpu cost's wall time depends on how the machine shares its
// CPUs, which the model knows only through the memory size, so phases with one are reported.
//
//   Scenario reduced = std::get<Scenario>(for_validation(scenario, {3, 20, {"js_shim"}}, &notes));
//   SimResult modeled = simulate(reduced, calibration, reduced.seed);
//   Validation v = compare(reduced, calibration, modeled, measured);  // measured: RunResults
//   std::cout << validation_markdown(v);
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "scenario/scenario.hpp"
#include "sim/calibration.hpp"
#include "sim/phase.hpp"
#include "sim/simulator.hpp"
#include "sim/stats.hpp"

namespace lambda_emu::wrapper_sim {

// What of a scenario's work validation runs; unset keeps the scenario's own.
struct ValidationWork {
  std::optional<std::uint64_t> cold_starts;
  std::optional<std::uint64_t> warm_invokes;
  std::vector<std::string> variants;  // empty: every variant
};

// The scenario as validation models it: the work replaced, only the named variants (in the
// scenario's order), `sandbox` stages left out, since no process can spend them and the
// measurement cannot have them, and on-demand initialization, which is what the measurement's
// fresh sandboxes are. What was changed is appended to *notes. An unknown variant or no cold
// start is an error.
[[nodiscard]] std::variant<Scenario, ScenarioError> for_validation(Scenario scenario,
                                                                   const ValidationWork& work,
                                                                   std::vector<std::string>* notes);

// The bar: the larger of 5% of the modeled value and 0.5 ms.
inline constexpr double agreement_share = 0.05;
inline constexpr Duration agreement_floor{500'000};
[[nodiscard]] Duration allowed_difference(Duration modeled);
[[nodiscard]] bool agrees(Duration modeled, Duration measured);

// True if any cost the variant spends (the runtime's, the handler's, its stages') is of kind cpu;
// with a phase, any that phase's time includes (see stages_burn_cpu).
[[nodiscard]] bool burns_cpu(const Scenario& scenario, const Variant& variant,
                             std::optional<Phase> phase = std::nullopt);
// True if any of the variant's own stages spends a cpu cost; with a phase, one that phase's time
// includes (a stage's init cost is in Init and the cold start, a per-invoke cost in the invoke
// phases and the cold start, an extension's shutdown cost in the shutdown).
[[nodiscard]] bool stages_burn_cpu(const Variant& variant,
                                   std::optional<Phase> phase = std::nullopt);

struct PhaseComparison {
  Phase phase = Phase::cold_start;
  bool judged = true;  // no cpu cost in this phase's time
  // What the model expects of a run this size: each statistic's mean over the seeds, each seed
  // modeling the measured work (n is one seed's).
  Stats modeled;
  Stats measured;
  // One seed's p50's standard deviation over the seeds: how far one run's p50 moves from
  // sampling alone, the measurement's too.
  Duration p50_seed_sd{0};

  [[nodiscard]] bool p50_agrees() const { return agrees(modeled.p50, measured.p50); }
  [[nodiscard]] bool p99_agrees() const { return agrees(modeled.p99, measured.p99); }
};

struct RunComparison {
  std::string variant;
  std::uint64_t payload_bytes = 0;
  bool judged = true;  // sleep costs only; phases with a cpu cost are reported, not judged
  std::vector<PhaseComparison> phases;
};

// A wrapper's overhead over bare in one phase: its p50 minus bare's at the same payload size,
// modeled and measured. This is what the model is for, and what the machine does to bare and
// wrapper alike (a sleep's late wake-up, a slower process start) cancels out of it. Judged when
// the variant's own stages spend sleep costs only in that phase: a wrapper whose init burns CPU
// still has its warm overhead judged.
struct OverheadComparison {
  std::string variant;
  std::uint64_t payload_bytes = 0;
  Phase phase = Phase::cold_start;
  bool judged = true;
  Duration modeled{0};  // the mean over the seeds of each one's paired overhead
  Duration measured{0};
  Duration seed_sd{0};  // one seed's overhead's, as PhaseComparison::p50_seed_sd

  [[nodiscard]] bool agrees() const { return wrapper_sim::agrees(modeled, measured); }
  // One seed's overhead moves more than the bar from sampling alone: a run of this size cannot
  // tell agreement from disagreement here, a bigger one can (the sd shrinks as 1/sqrt(n)).
  [[nodiscard]] bool undersampled() const { return seed_sd > allowed_difference(modeled); }
};

struct Validation {
  std::string scenario;
  int memory_mb = 0;
  Work work;
  std::uint64_t seed = 0;
  Calibration calibration;
  std::size_t reseeded = 0;                   // other seeds modeled beside the scenario's
  std::vector<RunComparison> runs;            // by payload size, then variant
  std::vector<OverheadComparison> overheads;  // every wrapper's measured phases, in that order
  std::vector<std::string> notes;  // how the two runs differ by design, what was left out
  std::vector<std::string> failures;

  // Judged rows (phase comparisons without cpu costs) and those that agree at p50 and p99.
  [[nodiscard]] std::size_t judged_rows() const;
  [[nodiscard]] std::size_t agreeing_rows() const;
  // Judged overheads, and those that agree.
  [[nodiscard]] std::size_t judged_overheads() const;
  [[nodiscard]] std::size_t agreeing_overheads() const;
  // Judged overheads that do not agree and are undersampled().
  [[nodiscard]] std::size_t undersampled_disagreements() const;
};

// Every phase the measurement has samples of, for every measured run (matched to the modeled run
// of the same variant and payload size), in phase order; and each wrapper's overhead over the
// measured bare of its payload size, in the phases both have. `reseeded`: the same model under
// other seeds; the modeled figures are the means over `modeled` and them, beside their spreads
// (none: `modeled` alone, no spreads).
[[nodiscard]] Validation compare(const Scenario& scenario, const Calibration& calibration,
                                 const SimResult& modeled, const std::vector<RunResult>& measured,
                                 const std::vector<SimResult>& reseeded = {});

// How many other seeds `lambda-emu validate` models beside the scenario's.
inline constexpr std::uint64_t spread_seeds = 20;

[[nodiscard]] nlohmann::ordered_json validation_json(const Validation& v);
[[nodiscard]] std::string validation_markdown(const Validation& v);

}  // namespace lambda_emu::wrapper_sim

#pragma once
// A wrapper scenario's variants run for real under lambda-emu, measured in the model's phases
// (wrapper_sim/sim/phase.hpp), for `lambda-emu validate`.
//
// Each variant is `lambda-emu serve` with the wrapper runtime as its bootstrap (`-e
// LAMBDA_EMU_SCENARIO=FILE -e LAMBDA_EMU_VARIANT=NAME`), the scenario's --memory and --timeout,
// and a layer (--opt-dir) holding its extension stages as external extensions: one link to
// lambda-emu-wrapper-extension per stage, named as the stage. Per payload size:
//   - cold starts: one `serve --fresh-sandboxes --trace` per variant, the variants taking turns
//     (A B, B A, ...); each cold start waits until the previous sandbox has stopped, and the
//     first of each variant is not counted (it loads the binaries);
//   - warm invokes: one more `serve` per variant; after its cold start and a few uncounted warm
//     invokes, blocks of invokes that the variants take in turns. A block's first invoke is not
//     counted either: it finds the extensions idle, which back-to-back invokes never do.
// Measured: cold_start, warm and (streaming variants) ttfb as the client sees them; init and
// duration from the REPORT lines; from the cold starts' trace, shutdown and, for variants with
// extensions, extension_init and post_invoke (platform.report's extensionOverheadMs).
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "run_context.hpp"
#include "scenario/scenario.hpp"
#include "sim/simulator.hpp"

namespace bench {

struct ScenarioRunSettings {
  std::filesystem::path scenario_file;  // the file the wrapper runtime reads (absolute)
  std::string wrapper;                  // lambda-emu-wrapper
  std::string wrapper_extension;        // lambda-emu-wrapper-extension
  std::size_t block = 20;               // counted warm invokes per block
  std::size_t warmup = 5;               // warm invokes after the cold start, not counted
};

// The work of `scenario` (as validation models it: its variants, cold starts, warm invokes per
// cold start, payload sizes, think time), measured. Per payload size, then variant. Whatever broke
// is in ctx.failures; the runs then hold what was measured before.
std::vector<lambda_emu::wrapper_sim::RunResult> run_scenario(
    Context& ctx, const lambda_emu::wrapper_sim::Scenario& scenario,
    const ScenarioRunSettings& settings);

}  // namespace bench

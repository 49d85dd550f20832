#include "validate.hpp"

#include <cstdio>
#include <exception>
#include <filesystem>
#include <optional>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "calibrate.hpp"
#include "child_process.hpp"
#include "options.hpp"
#include "run_context.hpp"
#include "scenario_runs.hpp"
#include "sim/simulator.hpp"
#include "sim/validation.hpp"
#include "subcommand.hpp"

namespace bench {

namespace {

namespace fs = std::filesystem;
namespace ws = lambda_emu::wrapper_sim;

constexpr const char* kUsage = R"(usage: lambda-emu validate SCENARIO [options]

Runs a wrapper_sim scenario both ways, modeled (`lambda-emu sim`, this machine's calibration) and
measured under lambda-emu with the wrapper runtime, the same work both ways, and prints per
variant and phase the modeled and measured p50 and p99, their differences, and whether they agree:
within 5% of the model or 0.5 ms, whichever is larger; then every wrapper's overhead over bare per
phase, against the same bar. Phases whose time includes a cpu cost are reported, not judged.
`sandbox` stages are left out of the model (no process can spend them).

Measured: cold starts with `serve --fresh-sandboxes` (one sandbox stopped before the next starts),
warm invokes in another `serve`; the variants take turns (A B, B A, ...). Phases: cold_start,
warm, ttfb (streaming variants), init and duration (REPORT lines), and from the trace shutdown,
extension_init and post_invoke (variants with extensions).

options:
  --calibration FILE    this machine's constants (default: measure them first, as
                        `lambda-emu calibrate` does, at the scenario's memory size)
  --cold-starts N       cold starts per variant and payload size (default: the scenario's)
  --warm-invokes M      warm invokes per cold start (default: the scenario's); N x M are measured
  --variant NAME        only this variant (repeatable; default: every one)
  --format md|json      the report's format (default md)
  --out FILE            write the report here (default: stdout)
  --seed N              the model's seed (default: the scenario's)
  --block N             counted warm invokes per turn (default 20)
  --emulator PATH       lambda-emu (default: next to this binary)
  --wrapper PATH        lambda-emu-wrapper (default: next to this binary)
  --wrapper-extension PATH
                        lambda-emu-wrapper-extension (default: next to this binary)
  --emulator-arg ARG    one more argument for every `lambda-emu serve` (repeatable)
  --emulator-log FILE   append lambda-emu's output here (default: discard)
)";

constexpr std::string_view kWho = "lambda-emu validate";

struct ValidateOptions {
  std::string scenario;
  std::string calibration;
  ws::ValidationWork work;
  std::string format = "md";
  std::string out;
  std::optional<std::uint64_t> seed;
  std::size_t block = 20;
  Programs programs;
};

// Throws std::invalid_argument; nullopt after --help.
std::optional<ValidateOptions> parse(const std::vector<std::string>& args, Context& ctx) {
  ValidateOptions o;
  SubcommandArgs a(args);
  while (a.next()) {
    if (a.is("--help") || a.is("-h")) {
      std::fputs(kUsage, stdout);
      return std::nullopt;
    } else if (a.is("--calibration")) {
      o.calibration = a.value();
    } else if (a.is("--cold-starts")) {
      o.work.cold_starts = parse_count(a.arg(), a.value());
    } else if (a.is("--warm-invokes")) {
      o.work.warm_invokes = parse_count(a.arg(), a.value());
    } else if (a.is("--variant")) {
      o.work.variants.push_back(a.value());
    } else if (a.is("--format")) {
      o.format = a.value();
      if (o.format != "md" && o.format != "json")
        throw std::invalid_argument("--format is md or json, not '" + o.format + "'");
    } else if (a.is("--out")) {
      o.out = a.value();
    } else if (a.is("--seed")) {
      o.seed = parse_count(a.arg(), a.value());
    } else if (a.is("--block")) {
      o.block = std::max<std::size_t>(1, parse_count(a.arg(), a.value()));
    } else if (!o.programs.take(a, ctx)) {
      if (a.arg().starts_with("-") || !o.scenario.empty())
        throw std::invalid_argument("unknown option '" + a.arg() + "' (see --help)");
      o.scenario = a.arg();
    }
  }
  if (o.scenario.empty())
    throw std::invalid_argument("a scenario file is required (see --help)");
  o.programs.defaults(ctx);
  return o;
}

// The machine's constants: the file's, or measured now with the wrapper runtime at the
// scenario's memory size. nullopt (reason on stderr) if neither worked.
std::optional<ws::Calibration> calibration_for(Context& ctx, const ValidateOptions& o,
                                               const ws::Scenario& scenario,
                                               std::vector<std::string>& notes) {
  if (!o.calibration.empty()) {
    auto loaded = ws::load_calibration(o.calibration);
    if (auto* bad = std::get_if<ws::ScenarioError>(&loaded)) {
      std::fprintf(stderr, "%s: %s\n", kWho.data(), bad->what());
      return std::nullopt;
    }
    notes.push_back("Calibration from " + o.calibration);
    return std::get<ws::Calibration>(loaded);
  }
  std::fprintf(stderr, "%s: calibrating (as lambda-emu calibrate)...\n", kWho.data());
  CalibrateSettings settings;
  settings.wrapper = o.programs.wrapper;
  settings.memory_mb = scenario.memory_mb;
  const CalibrationRun run = measure_calibration(ctx, settings);
  if (!run.ok)
    return std::nullopt;
  for (const std::string& line : run.text)
    std::fprintf(stderr, "  %s\n", line.c_str());
  notes.push_back("Calibration measured just before, with " + run.runtime + " at " +
                  std::to_string(scenario.memory_mb) + " MB");
  return run.calibration;
}

int validate(Context& ctx, const ValidateOptions& o) {
  auto loaded = ws::load_scenario(o.scenario);
  if (auto* bad = std::get_if<ws::ScenarioError>(&loaded)) {
    std::fprintf(stderr, "%s: %s\n", kWho.data(), bad->what());
    return 2;
  }
  std::vector<std::string> notes;
  auto reduced = ws::for_validation(std::get<ws::Scenario>(loaded), o.work, &notes);
  if (auto* bad = std::get_if<ws::ScenarioError>(&reduced)) {
    std::fprintf(stderr, "%s: %s\n", kWho.data(), bad->what());
    return 2;
  }
  const ws::Scenario& scenario = std::get<ws::Scenario>(reduced);
  bool extensions = false;
  for (const ws::Variant& v : scenario.variants)
    extensions = extensions || !v.extensions().empty();
  std::vector<std::string> needed{ctx.opt.emulator, o.programs.wrapper};
  if (extensions)
    needed.push_back(o.programs.wrapper_extension);
  if (!all_exist(kWho, needed))
    return 1;
  const auto calibration = calibration_for(ctx, o, scenario, notes);
  if (!calibration) {
    for (const std::string& f : ctx.failures)
      std::fprintf(stderr, "%s: %s\n", kWho.data(), f.c_str());
    return 1;
  }
  const ws::SimResult modeled =
      ws::simulate(scenario, *calibration, o.seed.value_or(scenario.seed));
  std::fprintf(stderr, "%s: measuring %s under lambda-emu...\n", kWho.data(),
               scenario.name.c_str());
  ScenarioRunSettings settings;
  settings.scenario_file = fs::absolute(o.scenario);
  settings.wrapper = o.programs.wrapper;
  settings.wrapper_extension = o.programs.wrapper_extension;
  settings.block = o.block;
  const auto measured = run_scenario(ctx, scenario, settings);

  // The same model under other seeds: how far sampling alone moves each p50.
  std::vector<ws::SimResult> reseeded;
  for (std::uint64_t i = 1; i <= ws::spread_seeds; ++i)
    reseeded.push_back(ws::simulate(scenario, *calibration, modeled.seed + i));
  ws::Validation v = ws::compare(scenario, *calibration, modeled, measured, reseeded);
  v.notes = notes;
  v.notes.push_back(
      "Measured: cold starts each in a fresh sandbox after the previous one stopped, one "
      "uncounted first; warm invokes in another lambda-emu after its cold start and " +
      std::to_string(settings.warmup) + " uncounted, in turns of " + std::to_string(o.block) +
      " per variant, each turn after one uncounted invoke; shutdown, extension_init and "
      "post_invoke from the cold starts' trace (n = cold starts)");
  v.notes.insert(v.notes.end(), ctx.notes.begin(), ctx.notes.end());
  v.failures.insert(v.failures.end(), ctx.failures.begin(), ctx.failures.end());
  for (const std::string& f : v.failures)
    std::fprintf(stderr, "%s: %s\n", kWho.data(), f.c_str());
  const std::string text =
      o.format == "json" ? ws::validation_json(v).dump(2) + "\n" : ws::validation_markdown(v);
  if (!write_output(kWho, text, o.out))
    return 1;
  return v.failures.empty() ? 0 : 1;
}

}  // namespace

int run_validate(const std::vector<std::string>& args) {
  Context ctx;
  std::optional<ValidateOptions> options;
  try {
    options = parse(args, ctx);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", kWho.data(), e.what());
    return 2;
  }
  if (!options)
    return 0;
  std::string error;
  ctx.tmp = visible_scratch_dir("lambda-emu-validate", &error);
  if (ctx.tmp.empty()) {
    std::fprintf(stderr, "%s: %s\n", kWho.data(), error.c_str());
    return 1;
  }
  const int rc = validate(ctx, *options);
  std::error_code ec;
  fs::remove_all(ctx.tmp, ec);
  return rc;
}

}  // namespace bench

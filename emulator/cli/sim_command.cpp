#include "cli/sim_command.hpp"

#include <fstream>
#include <iostream>
#include <optional>

#include <boost/program_options.hpp>

#include "driver/steady_clock.hpp"
#include "scenario/scenario.hpp"
#include "sim/calibration.hpp"
#include "sim/report.hpp"
#include "sim/simulator.hpp"

namespace lambda_emu::cli {
namespace {

namespace po = boost::program_options;
using namespace wrapper_sim;

constexpr const char* usage =
    "Usage: lambda-emu sim SCENARIO [options]\n\n"
    "Models SCENARIO (a wrapper_sim scenario file) on virtual time through the same\n"
    "lifecycle core the emulator runs, and reports every variant's phases and its\n"
    "overhead over bare. Same scenario and seed: the same output, byte for byte.\n\n";

po::options_description options() {
  po::options_description o("sim options");
  o.add_options()("help,h", "show this help")(
      "format", po::value<std::string>()->default_value("md"), "json, md or html")(
      "seed", po::value<std::uint64_t>(), "the seed every draw follows (default: the scenario's)")(
      "out", po::value<std::string>(), "write the report to this file instead of stdout")(
      "calibration", po::value<std::string>(),
      "this machine's constants from `lambda-emu calibrate` (default: none, an ideal machine)");
  return o;
}

std::optional<Format> format_named(const std::string& name) {
  if (name == "json") {
    return Format::json;
  }
  if (name == "md" || name == "markdown") {
    return Format::markdown;
  }
  if (name == "html") {
    return Format::html;
  }
  return std::nullopt;
}

}  // namespace

int run_sim(const std::vector<std::string>& args) {
  po::options_description opts = options();
  po::options_description all;
  all.add(opts).add_options()("scenario", po::value<std::string>());
  po::positional_options_description pos;
  pos.add("scenario", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
  } catch (const po::error& e) {
    std::cerr << "lambda-emu sim: " << e.what() << "\n\n" << usage << opts;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << usage << opts;
    return 0;
  }
  const auto format = format_named(vm["format"].as<std::string>());
  if (!vm.count("scenario") || !format) {
    std::cerr << "lambda-emu sim: "
              << (format ? "a scenario file is required" : "--format must be json, md or html")
              << "\n\n"
              << usage << opts;
    return 2;
  }

  auto loaded = load_scenario(vm["scenario"].as<std::string>());
  if (auto* bad = std::get_if<ScenarioError>(&loaded)) {
    std::cerr << "lambda-emu sim: " << bad->what() << "\n";
    return 1;
  }
  const Scenario& scenario = std::get<Scenario>(loaded);
  Calibration calibration;
  if (vm.count("calibration")) {
    auto c = load_calibration(vm["calibration"].as<std::string>());
    if (auto* bad = std::get_if<ScenarioError>(&c)) {
      std::cerr << "lambda-emu sim: " << bad->what() << "\n";
      return 1;
    }
    calibration = std::get<Calibration>(c);
  }
  const std::uint64_t seed = vm.count("seed") ? vm["seed"].as<std::uint64_t>() : scenario.seed;

  std::string report;
  try {
    // Wall time of the simulation itself, for the speed line on stderr; never in the report.
    const driver::SteadyClock clock;
    const Instant started = clock.now();
    const SimResult result = simulate(scenario, calibration, seed);
    const double seconds = to_ms(clock.now() - started) / 1e3;
    report = render(*format, scenario, calibration, result);
    std::cerr << "lambda-emu sim: " << result.invokes << " invokes simulated in " << seconds
              << " s (" << static_cast<std::uint64_t>(result.invokes / std::max(seconds, 1e-9))
              << " invokes/s)\n";
  } catch (const std::exception& e) {
    std::cerr << "lambda-emu sim: " << e.what() << "\n";
    return 1;
  }
  if (vm.count("out")) {
    std::ofstream out(vm["out"].as<std::string>(), std::ios::binary);
    if (!(out << report)) {
      std::cerr << "lambda-emu sim: cannot write " << vm["out"].as<std::string>() << "\n";
      return 1;
    }
  } else {
    std::cout << report;
  }
  return 0;
}

}  // namespace lambda_emu::cli

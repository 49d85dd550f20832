// The presets in wrapper_sim/scenarios: each parses, says where its numbers come from, and models
// a wrapper that costs more than its bare handler. And the golden scenario's exact bytes.
#include <filesystem>
#include <fstream>
#include <iterator>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "scenario/scenario.hpp"
#include "sim/report.hpp"
#include "sim/simulator.hpp"

using namespace lambda_emu::wrapper_sim;
namespace fs = std::filesystem;

TEST_CASE("presets: every scenario parses, cites its sources and models more than bare") {
  const fs::path dir = fs::path(LAMBDA_EMU_SOURCE_DIR) / "wrapper_sim" / "scenarios";
  std::size_t presets = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") {
      continue;
    }
    ++presets;
    INFO(entry.path().filename().string());
    auto loaded = load_scenario(entry.path());
    if (auto* bad = std::get_if<ScenarioError>(&loaded)) {
      FAIL(bad->what());
    }
    Scenario s = std::get<Scenario>(std::move(loaded));
    CHECK(s.comment.size() > 40);
    CHECK(s.name == entry.path().stem().string());
    s.work.cold_starts = 20;  // enough to compare medians, quick enough for a unit test
    s.work.warm_invokes = 20;
    const auto report = report_json(s, Calibration{}, simulate(s, Calibration{}, s.seed));
    for (const auto& run : report["runs"]) {
      if (run["variant"] != "bare") {
        CHECK(run["overhead"]["cold_start"]["mean_ms"].get<double>() > 0);
      }
    }
  }
  CHECK(presets >= 7);
}

TEST_CASE("sim: the golden scenario gives the same bytes as on the machine that wrote them") {
  // Constant, uniform and empirical costs are integer arithmetic and IEEE division, so this holds
  // on any machine; a difference here means a change of the model or of its determinism. After a
  // deliberate model change, regenerate golden.json:
  //   build/bin/lambda-emu sim tests/unit/wrapper_sim/sim/golden.scenario.json
  //     --calibration tests/unit/wrapper_sim/sim/golden-calibration.json --format json
  //     --out tests/unit/wrapper_sim/sim/golden.json
  const fs::path dir = fs::path(LAMBDA_EMU_SOURCE_DIR) / "tests" / "unit" / "wrapper_sim" / "sim";
  auto scenario = load_scenario(dir / "golden.scenario.json");
  auto calibration = load_calibration(dir / "golden-calibration.json");
  REQUIRE(std::holds_alternative<Scenario>(scenario));
  REQUIRE(std::holds_alternative<Calibration>(calibration));
  const Scenario& s = std::get<Scenario>(scenario);
  const Calibration& c = std::get<Calibration>(calibration);
  std::ifstream in(dir / "golden.json", std::ios::binary);
  const std::string expected((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  REQUIRE(!expected.empty());
  CHECK(render(Format::json, s, c, simulate(s, c, s.seed)) == expected);
}

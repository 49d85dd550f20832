#include "sim/calibration.hpp"

#include <unistd.h>
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace lambda_emu::wrapper_sim;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// Writes `text` as a calibration file of its own and loads it.
std::variant<Calibration, ScenarioError> load(const std::string& text) {
  const fs::path file = fs::temp_directory_path() /
                        ("lambda-emu-calibration-" + std::to_string(::getpid()) + ".json");
  std::ofstream(file) << text;
  auto c = load_calibration(file);
  fs::remove(file);
  return c;
}

}  // namespace

TEST_CASE("calibration: every key is read, written back the same, and optional") {
  auto loaded = load(R"({"process_spawn_ms": 17.2, "http_hop_ms": 0.04, "runtime_exchange_ms": 0.25,
    "sleep_wake_ms": [{"sleep_ms": 0.1, "late_ms": 0.06}, {"sleep_ms": 5, "late_ms": 0.4}],
    "machine": "vm"})");
  REQUIRE(std::holds_alternative<Calibration>(loaded));
  const Calibration& c = std::get<Calibration>(loaded);
  CHECK(c.process_spawn == 17200us);
  CHECK(c.sandbox_setup == 0ms);  // absent: zero
  REQUIRE(c.sleep_wake.size() == 2);
  CHECK(c.sleep_wake[0].sleep == 100us);
  CHECK(c.sleep_wake[0].late == 60us);
  CHECK(c.sleep_wake[1].sleep == 5ms);
  CHECK(c.sleep_wake[1].late == 400us);
  CHECK_FALSE(c.empty());
  CHECK(describe(c).find("sleeps wake late 0.060 ms at 0.1 ms, 0.400 ms at 5 ms") !=
        std::string::npos);

  auto again = load(c.to_json().dump());
  REQUIRE(std::holds_alternative<Calibration>(again));
  CHECK(std::get<Calibration>(again).to_json() == c.to_json());

  auto none = load("{}");
  REQUIRE(std::holds_alternative<Calibration>(none));
  CHECK(std::get<Calibration>(none).empty());
}

TEST_CASE("calibration: sleep_wake_ms points must rise, and nothing unknown is taken") {
  auto check_refused = [](const std::string& text, const std::string& says) {
    auto loaded = load(text);
    REQUIRE(std::holds_alternative<ScenarioError>(loaded));
    CHECK_THAT(std::get<ScenarioError>(loaded).what(), Catch::Contains(says));
  };
  check_refused(R"({"sleep_wake_ms": {"sleep_ms": 1}})", "sleep_wake_ms must be an array");
  check_refused(R"({"sleep_wake_ms": [{"sleep_ms": 5, "late_ms": 0.4},
                                      {"sleep_ms": 1, "late_ms": 0.1}]})",
                "sleep_wake_ms[1].sleep_ms must be > 0 and larger than the point before it");
  check_refused(R"({"sleep_wake_ms": [{"sleep_ms": 0, "late_ms": 0.4}]})",
                "sleep_wake_ms[0].sleep_ms must be > 0");
  check_refused(R"({"sleep_wake_ms": [{"sleep_ms": 1, "late": 0.4}]})", "late");
  check_refused(R"({"spawn_ms": 1})", "spawn_ms");
}

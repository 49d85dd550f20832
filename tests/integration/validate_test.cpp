// `lambda-emu calibrate` and `lambda-emu validate` end to end: they run lambda-emu-bench, which
// starts lambda-emu with the wrapper runtime. The machine is shared with builds and other tests,
// so every bound on a measured time is loose.
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <tuple>

#include <catch2/catch.hpp>

#include "extension_layer.hpp"

namespace lambda_emu::testing {
namespace {

namespace fs = std::filesystem;

// A fresh directory in the build tree: the wrapper runtime reads the scenario from inside its
// sandbox, whose /tmp is its own.
struct Scratch {
  Scratch() {
    const fs::path base = fs::path(bin_path("")).parent_path().parent_path() / "test-tmp";
    fs::create_directories(base);
    std::string pattern = (base / "validate.XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp " + pattern + " failed");
    }
    path = pattern;
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  [[nodiscard]] std::string at(std::string_view name) const { return (path / name).string(); }
  fs::path path;
};

// The exit code of a shell command line.
int run(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// build/bin/lambda-emu, not lambda_emu_binary(): these commands run their sibling
// lambda-emu-bench, which only the full build has (the sanitizer build has none).
std::string lambda_emu(std::string_view command) {
  return shell_quote(bin_path("lambda-emu")) + " " + std::string(command);
}

json read_json(const std::string& file) {
  return json::parse(read_file(file), nullptr, false);
}

// A calibration of this machine into `file` (`options`: how many rounds).
void calibrate(const Scratch& dir, const std::string& file, const std::string& options) {
  const std::string err = dir.at("calibrate.err");
  const int rc = run(lambda_emu("calibrate " + options + " --out " + shell_quote(file) + " 2> " +
                                shell_quote(err)));
  INFO(read_file(err));
  REQUIRE(rc == 0);
}

const json* phase(const json& run, std::string_view name) {
  for (const json& p : run["phases"]) {
    if (p["phase"] == name) {
      return &p;
    }
  }
  return nullptr;
}

}  // namespace

TEST_CASE("calibrate: writes this machine's constants as a file the simulator loads",
          "[integration][validate]") {
  Scratch dir;
  const std::string file = dir.at("calibration.json");
  calibrate(dir, file, "--quick");
  const json c = read_json(file);
  INFO(c.dump());
  REQUIRE(c.is_object());
  CHECK(c.size() == 9);
  for (const char* key : {"process_spawn_ms", "http_hop_ms", "invoke_overhead_ms",
                          "runtime_exchange_ms", "process_exit_ms"}) {
    REQUIRE(c[key].is_number());
    CHECK(c[key].get<double>() > 0);
  }
  REQUIRE(c["sandbox_setup_ms"].is_number());  // what the cold start has beyond Init; may be 0
  CHECK(c["sandbox_setup_ms"].get<double>() >= 0);
  CHECK(c["base64_ns_per_byte"].get<double>() > 0);
  // How late the wrapper runtime's handler sleeps of 0.1, 1, 5 and 20 ms wake.
  REQUIRE(c["sleep_wake_ms"].is_array());
  REQUIRE(c["sleep_wake_ms"].size() == 4);
  CHECK(c["sleep_wake_ms"][0]["sleep_ms"] == 0.1);
  CHECK(c["sleep_wake_ms"][3]["sleep_ms"] == 20.0);
  for (const json& point : c["sleep_wake_ms"]) {
    CHECK(point["late_ms"].get<double>() >= 0);
    CHECK(point["late_ms"].get<double>() < 20);  // a wake-up, not a second sleep
  }
  CHECK(c["machine"].get<std::string>().find(" CPUs, Linux ") != std::string::npos);
  // The figures are on stderr too.
  CHECK(read_file(dir.at("calibrate.err")).find("invoke_overhead_ms") != std::string::npos);

  const std::string report = dir.at("sim.json");
  REQUIRE(run(lambda_emu(
              "sim " + shell_quote(source_path("wrapper_sim/scenarios/bare-custom-runtime.json")) +
              " --format json --calibration " + shell_quote(file) + " --out " +
              shell_quote(report))) == 0);
  CHECK(read_json(report)["calibration"]["invoke_overhead_ms"] == c["invoke_overhead_ms"]);
}

TEST_CASE("validate: a sleep-cost scenario is measured close to its model",
          "[integration][validate]") {
  Scratch dir;
  const std::string scenario = dir.at("tiny.json");
  std::ofstream(scenario) << R"({
    "name": "tiny",
    "function": {"memory_mb": 1024, "timeout_ms": 3000},
    "runtime": {"init": 4},
    "handler": {"init": 2, "work": 3},
    "variants": [
      {"name": "bare"},
      {"name": "shim", "stages": [{"type": "js_shim", "init": 5, "per_invoke": 2}]}
    ],
    "work": {"cold_starts": 50, "warm_invokes": 50}
  })";
  const std::string calibration = dir.at("calibration.json");
  calibrate(dir, calibration, "--rounds 5");  // 15 cold starts: a steadier process_spawn
  const std::string report = dir.at("report.json");
  const std::string err = dir.at("validate.err");
  const int rc = run(lambda_emu("validate " + shell_quote(scenario) + " --calibration " +
                                shell_quote(calibration) +
                                " --cold-starts 3 --warm-invokes 20 --variant shim --format json "
                                "--out " +
                                shell_quote(report) + " 2> " + shell_quote(err)));
  const json v = read_json(report);
  INFO(read_file(err) << v.dump(2));
  REQUIRE(rc == 0);
  CHECK(v["work"]["cold_starts"] == 3);
  CHECK(v["failures"].empty());
  REQUIRE(v["runs"].size() == 1);
  const json& shim = v["runs"][0];
  CHECK(shim["variant"] == "shim");
  CHECK(shim["costs"] == "sleep");
  for (const auto& [name, n] : std::vector<std::pair<std::string, int>>{
           {"cold_start", 3}, {"init", 3}, {"shutdown", 3}, {"warm", 60}, {"duration", 63}}) {
    const json* p = phase(shim, name);
    REQUIRE(p != nullptr);
    CHECK((*p)["measured"]["n"] == n);
  }
  // Measured near the model. Loosely: the issue's bar (5% or 0.5 ms) is what the report judges,
  // and on a busy machine a process start alone (most of a cold start here) varies by tens of ms
  // between the calibration and the measurement, a warm invoke's sleeps by a few.
  for (const auto& [name, share, floor_ms] :
       std::vector<std::tuple<std::string, double, double>>{{"cold_start", 1.0, 30.0},
                                                            {"init", 1.0, 30.0},
                                                            {"warm", 0.5, 3.0},
                                                            {"duration", 0.5, 3.0}}) {
    const json& p = *phase(shim, name);
    const double modeled = p["modeled"]["p50_ms"];
    const double measured = p["measured"]["p50_ms"];
    INFO(name << ": modeled " << modeled << " ms, measured " << measured << " ms");
    CHECK(std::abs(measured - modeled) <= std::max(share * modeled, floor_ms));
  }
}

TEST_CASE("calibrate: without lambda-emu-bench beside lambda-emu it says so",
          "[integration][validate]") {
  Scratch dir;
  const std::string copy = dir.at("lambda-emu");
  fs::copy_file(bin_path("lambda-emu"), copy);
  fs::permissions(copy, fs::perms::owner_all);
  const std::string err = dir.at("err");
  CHECK(run(shell_quote(copy) + " calibrate 2> " + shell_quote(err)) == 1);
  CHECK(read_file(err).find("lambda-emu calibrate: needs " + dir.at("lambda-emu-bench") +
                            ", which is not built") == 0);
}

}  // namespace lambda_emu::testing

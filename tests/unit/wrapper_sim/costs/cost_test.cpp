#include "costs/cost.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lambda_emu/core/function_config.hpp"

using namespace lambda_emu::costs;
using lambda_emu::Duration;
using nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// A scenario directory with sample files, removed at scope exit.
struct ScenarioDir {
  fs::path path = fs::temp_directory_path() / ("lambda-emu-costs-" + std::to_string(::getpid()));
  ScenarioDir() { fs::create_directories(path); }
  ~ScenarioDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  void write(const std::string& name, const std::string& content) const {
    std::ofstream(path / name) << content;
  }
};

Cost cost_of(const json& spec, const fs::path& dir = "/nonexistent") {
  auto parsed = parse_cost(spec, dir);
  if (auto* e = std::get_if<CostError>(&parsed)) {
    FAIL(spec.dump() << " rejected: " << e->message);
  }
  return std::get<Cost>(parsed);
}

std::string cost_rejected(const json& spec, const fs::path& dir = "/nonexistent") {
  auto parsed = parse_cost(spec, dir);
  REQUIRE(std::holds_alternative<CostError>(parsed));
  return std::get<CostError>(parsed).message;
}

template <typename D>
const D& dist(const Cost& c) {
  REQUIRE(std::holds_alternative<D>(c.distribution));
  return std::get<D>(c.distribution);
}

}  // namespace

TEST_CASE("cost: a bare number is a constant sleep in ms", "[sim][costs][cost]") {
  const Cost c = cost_of(5);
  CHECK(c.kind == Cost::Kind::sleep);
  CHECK(dist<Constant>(c).value == 5ms);
  CHECK(dist<Constant>(cost_of(2.5)).value == 2500us);
  CHECK(dist<Constant>(cost_of(0)).value == 0ms);
  CHECK(cost_rejected(-1) == "a cost in ms must be >= 0");
}

TEST_CASE("cost: each dist parses from its keys", "[sim][costs][cost]") {
  const Cost constant = cost_of(json::parse(R"({"kind":"sleep","dist":"constant","ms":5})"));
  CHECK(constant.kind == Cost::Kind::sleep);
  CHECK(dist<Constant>(constant).value == 5ms);

  const Cost uniform = cost_of(json::parse(R"({"dist":"uniform","min_ms":1,"max_ms":3})"));
  CHECK(uniform.kind == Cost::Kind::sleep);  // the default
  CHECK(dist<Uniform>(uniform).lo == 1ms);
  CHECK(dist<Uniform>(uniform).hi == 3ms);

  const Cost normal = cost_of(json::parse(R"({"dist":"normal","mean_ms":10,"sd_ms":2})"));
  CHECK(dist<Normal>(normal).mean == 10ms);
  CHECK(dist<Normal>(normal).sd == 2ms);

  const Cost by_quantiles =
      cost_of(json::parse(R"({"kind":"cpu","dist":"lognormal","p50_ms":60,"p99_ms":140})"));
  CHECK(by_quantiles.kind == Cost::Kind::cpu);
  CHECK(dist<LogNormal>(by_quantiles).mu == Approx(std::log(60.0)));
  CHECK(dist<LogNormal>(by_quantiles).sigma == Approx(std::log(140.0 / 60) / 2.3263478740408408));

  const Cost by_parameters = cost_of(json::parse(R"({"dist":"lognormal","mu":-0.5,"sigma":0.25})"));
  CHECK(dist<LogNormal>(by_parameters).mu == -0.5);
  CHECK(dist<LogNormal>(by_parameters).sigma == 0.25);
}

TEST_CASE("cost: empirical samples are read from a file beside the scenario",
          "[sim][costs][cost]") {
  const ScenarioDir dir;
  dir.write("samples.txt", "# cold starts, ms\n3\n\n1.5\n  2 \r\n");
  const Cost c =
      cost_of(json::parse(R"({"kind":"cpu","dist":"empirical","file":"samples.txt"})"), dir.path);
  CHECK(c.kind == Cost::Kind::cpu);
  CHECK(dist<Empirical>(c).samples == std::vector<Duration>{1500us, 2ms, 3ms});
  // An absolute path is taken as it is.
  const json absolute = {{"dist", "empirical"}, {"file", (dir.path / "samples.txt").string()}};
  CHECK(dist<Empirical>(cost_of(absolute)).samples.size() == 3);

  dir.write("bad.txt", "3\nabc\n");
  CHECK(cost_rejected(json::parse(R"({"dist":"empirical","file":"bad.txt"})"), dir.path) ==
        "file " + (dir.path / "bad.txt").string() + " line 2: \"abc\" is not a number of ms >= 0");
  dir.write("negative.txt", "-1\n");
  CHECK(cost_rejected(json::parse(R"({"dist":"empirical","file":"negative.txt"})"), dir.path) ==
        "file " + (dir.path / "negative.txt").string() +
            " line 1: \"-1\" is not a number of ms >= 0");
  dir.write("empty.txt", "# nothing yet\n");
  CHECK(cost_rejected(json::parse(R"({"dist":"empirical","file":"empty.txt"})"), dir.path) ==
        "file " + (dir.path / "empty.txt").string() + " has no samples");
  CHECK(cost_rejected(json::parse(R"({"dist":"empirical","file":"missing.txt"})"), dir.path) ==
        "file " + (dir.path / "missing.txt").string() + " cannot be read");
  CHECK(cost_rejected(json::parse(R"({"dist":"empirical","file":"."})"), dir.path) ==
        "file " + (dir.path / ".").string() + " cannot be read");
}

TEST_CASE("cost: a refused cost names the offending key", "[sim][costs][cost]") {
  const std::string dists = "constant, empirical, lognormal, normal, uniform";
  const std::vector<std::pair<const char*, std::string>> cases = {
      {R"({"dist":"gamma","ms":5})", "dist must be one of " + dists + ", not \"gamma\""},
      {R"({"ms":5})", "dist is required (" + dists + ")"},
      {R"({"dist":"constant","ms":5,"mean_ms":3})", "unknown key mean_ms (constant takes ms)"},
      {R"({"dist":"lognormal","p50_ms":60,"p95_ms":100})",
       "unknown key p95_ms (lognormal takes p50_ms, p99_ms, mu, sigma)"},
      {R"({"dist":"constant","ms":5,"kind":"io"})", R"(kind must be "sleep" or "cpu", not "io")"},
      {R"({"dist":"constant","ms":-5})", "ms must be >= 0"},
      {R"({"dist":"constant","ms":"5"})", "ms must be a number"},
      {R"({"dist":"constant"})", "constant needs ms"},
      {R"({"dist":"uniform","min_ms":-1,"max_ms":3})", "min_ms must be >= 0"},
      {R"({"dist":"uniform","min_ms":3,"max_ms":1})", "max_ms must be >= min_ms"},
      {R"({"dist":"normal","mean_ms":10,"sd_ms":-2})", "sd_ms must be >= 0"},
      {R"({"dist":"normal","mean_ms":10})", "normal needs sd_ms"},
      {R"({"dist":"lognormal","p50_ms":60,"p99_ms":50})", "p99_ms must be >= p50_ms"},
      {R"({"dist":"lognormal","p50_ms":0,"p99_ms":50})", "p50_ms must be > 0"},
      {R"({"dist":"lognormal","p50_ms":60})", "lognormal needs p99_ms"},
      {R"({"dist":"lognormal","mu":1})", "lognormal needs sigma"},
      {R"({"dist":"lognormal","mu":1,"sigma":-0.5})", "sigma must be >= 0"},
      {R"({"dist":"lognormal","p50_ms":60,"p99_ms":140,"sigma":1})",
       "lognormal takes p50_ms and p99_ms, or mu and sigma, not both"},
      {R"({"dist":"empirical","file":""})", "file must be a path"},
      {R"({"dist":"empirical"})", "empirical needs file"},
      {R"("5ms")", "a cost is a number of ms or an object with a dist"},
      {R"(true)", "a cost is a number of ms or an object with a dist"},
      {R"([5])", "a cost is a number of ms or an object with a dist"},
  };
  for (const auto& [text, message] : cases) {
    INFO(text);
    CHECK(cost_rejected(json::parse(text)) == message);
  }
}

TEST_CASE("cost: a cpu cost scales with memory as Lambda's CPU share, a sleep does not",
          "[sim][costs][cost]") {
  using lambda_emu::core::vcpus_for_memory;
  CHECK(vcpus_for_memory(1769) == 1.0);
  CHECK(vcpus_for_memory(3538) == 2.0);

  // A single thread gets at most one vCPU: no faster above 1,769 MB.
  CHECK(cpu_wall_time(60ms, 1769) == 60ms);
  CHECK(cpu_wall_time(60ms, 3008) == 60ms);
  CHECK(cpu_wall_time(60ms, 10240) == 60ms);
  // 60 ms * 1769 / 128 = 829.21875 ms.
  CHECK(cpu_wall_time(60ms, 128) == 829'218'750ns);

  Random random(1);
  const Cost cpu{Constant{60ms}, Cost::Kind::cpu};
  const Cost sleep{Constant{60ms}, Cost::Kind::sleep};
  CHECK(sample(cpu, random, 128) == 829'218'750ns);
  CHECK(sample(cpu, random, 1769) == 60ms);
  CHECK(sample(sleep, random, 128) == 60ms);

  // Each draw is scaled: the same seed through the distribution alone, then scaled, agrees.
  const Cost lognormal{LogNormal::from_p50_p99(60ms, 140ms), Cost::Kind::cpu};
  Random a(12);
  Random b(12);
  for (int i = 0; i < 100; ++i) {
    REQUIRE(sample(lognormal, a, 512) == cpu_wall_time(sample(lognormal.distribution, b), 512));
  }
}

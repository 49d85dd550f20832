#include "scenario/scenario.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "stages/stage.hpp"

using namespace lambda_emu::wrapper_sim;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

json minimal() {
  return json::parse(R"({
    "name": "t",
    "runtime": {"init": 10},
    "handler": {"work": 2},
    "variants": [{"name": "bare"}]
  })");
}

Scenario scenario_of(const json& spec) {
  auto parsed = parse_scenario(spec, "/nonexistent");
  if (auto* e = std::get_if<ScenarioError>(&parsed)) {
    FAIL(spec.dump() << " rejected: " << e->what());
  }
  return std::get<Scenario>(std::move(parsed));
}

std::string scenario_rejected(const json& spec) {
  auto parsed = parse_scenario(spec, "/nonexistent");
  REQUIRE(std::holds_alternative<ScenarioError>(parsed));
  return std::get<ScenarioError>(parsed).what();
}

}  // namespace

TEST_CASE("scenario: a minimal file gets the documented defaults") {
  const Scenario s = scenario_of(minimal());
  CHECK(s.name == "t");
  CHECK(s.seed == 1);
  CHECK(s.memory_mb == 1024);
  CHECK(s.timeout == 30s);
  CHECK(s.runtime.name == "provided");
  CHECK(s.handler.response_bytes == 64);
  CHECK_FALSE(s.handler.streamed);
  CHECK(s.work.cold_starts == 10);
  CHECK(s.work.warm_invokes == 100);
  CHECK(s.work.payload_bytes == std::vector<std::uint64_t>{1024});
  REQUIRE(s.variants.size() == 1);
  CHECK(s.variants[0].name == "bare");
}

TEST_CASE("scenario: bare is added when missing and always comes first") {
  json spec = minimal();
  spec["variants"] = json::parse(R"([{"name": "w", "stages": [{"type": "js_shim", "init": 1}]}])");
  Scenario s = scenario_of(spec);
  REQUIRE(s.variants.size() == 2);
  CHECK(s.variants[0].name == "bare");
  CHECK(s.variants[1].name == "w");

  spec["variants"] = json::parse(R"([{"name": "w"}, {"name": "bare"}])");
  s = scenario_of(spec);
  CHECK(s.variants[0].name == "bare");
  CHECK(s.variant("w") != nullptr);
  CHECK(s.variant("nope") == nullptr);
}

TEST_CASE("scenario: every stage type parses with its keys") {
  json spec = minimal();
  spec["variants"] = json::parse(R"([{"name": "all", "stages": [
    {"type": "sandbox", "placement": 50},
    {"type": "extension", "name": "agent", "init": 20, "telemetry": true, "post_invoke": 4,
     "shutdown": 3},
    {"type": "js_shim", "init": {"kind": "cpu", "dist": "constant", "ms": 3}, "per_invoke": 1},
    {"type": "http_server", "startup": 25, "poll_interval_ms": 10, "per_invoke": 0.5,
     "base64": true},
    {"type": "streaming_bridge", "chunk_bytes": 40, "per_chunk": 0.5, "first_byte": 1,
     "http_integration": true}
  ]}])");
  const Scenario s = scenario_of(spec);
  const Variant& v = *s.variant("all");
  REQUIRE(v.stages.size() == 5);
  CHECK(stage_type(v.stages[0]) == "sandbox");
  const auto& x = std::get<ExtensionStage>(v.stages[1]);
  CHECK(x.name == "agent");
  CHECK(x.telemetry);
  CHECK(std::get<JsShim>(v.stages[2]).init.kind == lambda_emu::costs::Cost::Kind::cpu);
  const auto& server = std::get<HttpServer>(v.stages[3]);
  CHECK(server.poll_interval == 10ms);
  CHECK(server.base64);
  const auto& bridge = std::get<StreamingBridge>(v.stages[4]);
  CHECK(bridge.chunk_bytes == 40);
  CHECK(bridge.http_integration);
  CHECK(v.streams(s.handler));
  CHECK(v.extensions().size() == 1);
  CHECK_FALSE(s.variants[0].streams(s.handler));
}

TEST_CASE("scenario: errors name the key and where it is") {
  json spec = minimal();
  spec["variants"][0]["name"] = "w";
  spec["variants"][0]["stages"] = json::parse(
      R"([{"type": "js_shim", "init": {"dist": "lognormal", "p50_ms": 5, "p99_ms": 1}}])");
  CHECK(scenario_rejected(spec) == "variants[0].stages[0].init: p99_ms must be >= p50_ms");

  spec = minimal();
  spec["variants"][0]["stages"] = json::parse(R"([{"type": "js_shim"}])");
  CHECK(scenario_rejected(spec) == "variants: \"bare\" is the handler alone and takes no stages");

  spec = minimal();
  spec["handler"]["wrok"] = 1;
  CHECK(scenario_rejected(spec) == "handler.wrok: unknown key");

  spec = minimal();
  spec["variants"].push_back(json::parse(R"({"name": "w", "stages": [{"type": "proxy"}]})"));
  CHECK(scenario_rejected(spec).find("variants[1].stages[0].type: must be one of js_shim") == 0);

  spec = minimal();
  spec["variants"] = json::parse(R"([{"name": "w"}, {"name": "w"}])");
  CHECK(scenario_rejected(spec) == "variants[1].name: \"w\" is used twice");

  spec = minimal();
  spec["variants"] = json::parse(R"([{"name": "w", "stages": [
    {"type": "extension", "name": "a"}, {"type": "extension", "name": "a"}]}])");
  CHECK(scenario_rejected(spec) ==
        "variants[0].stages[1].name: \"a\" is already an extension of this variant");

  spec = minimal();
  spec["function"] = {{"memory_mb", 64}};
  CHECK(scenario_rejected(spec) == "function.memory_mb: must be a whole number >= 128");

  spec = minimal();
  spec["work"] = {{"cold_starts", 0}};
  CHECK(scenario_rejected(spec) == "work.cold_starts: must be a whole number >= 1");

  spec = minimal();
  spec.erase("runtime");
  CHECK(scenario_rejected(spec) == "runtime: is required");

  spec = minimal();
  spec["comment"] = "where the numbers come from";
  CHECK(scenario_of(spec).comment == "where the numbers come from");
}

TEST_CASE("stages: readiness is seen at the first poll at or after startup") {
  HttpServer s;
  s.poll_interval = 10ms;
  CHECK(s.ready_after(25ms, 0ms) == 30ms);
  CHECK(s.ready_after(30ms, 1ms) == 31ms);
  CHECK(s.ready_after(0ms, 0ms) == 0ms);
  s.poll_interval = 0ms;
  CHECK(s.ready_after(25ms, 1ms) == 26ms);

  StreamingBridge b;
  b.chunk_bytes = 40;
  CHECK(b.chunks(100) == 3);
  CHECK(b.chunks(80) == 2);
  CHECK(b.chunks(0) == 1);
}

#include "sim/simulator.hpp"

#include <algorithm>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "sim/report.hpp"
#include "sim/stats.hpp"

using namespace lambda_emu::wrapper_sim;
using lambda_emu::Duration;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// Constant costs at 1,769 MB (a cpu cost takes its own time there), so every timeline can be
// worked out by hand.
json hand_scenario() {
  return json::parse(R"({
    "name": "hand",
    "function": {"memory_mb": 1769, "timeout_ms": 3000},
    "runtime": {"init": 10},
    "handler": {"init": 5, "work": 2, "response_bytes": 100},
    "variants": [{"name": "bare"}],
    "work": {"cold_starts": 2, "warm_invokes": 2}
  })");
}

Scenario scenario(const json& spec) {
  auto parsed = parse_scenario(spec, ".");
  if (auto* e = std::get_if<ScenarioError>(&parsed)) {
    FAIL(e->what());
  }
  return std::get<Scenario>(std::move(parsed));
}

// A scenario with one variant besides bare, made of `stages`.
Scenario with(const json& stages, json spec = hand_scenario()) {
  spec["variants"].push_back({{"name", "w"}, {"stages", stages}});
  return scenario(spec);
}

const RunResult& run(const SimResult& r, const std::string& variant) {
  auto it = std::find_if(r.runs.begin(), r.runs.end(),
                         [&](const RunResult& x) { return x.variant == variant; });
  REQUIRE(it != r.runs.end());
  return *it;
}

std::vector<Duration> of(const SimResult& r, const std::string& variant, Phase p) {
  return run(r, variant).samples.of(p);
}

using D = std::vector<Duration>;

}  // namespace

TEST_CASE("sim: bare on constant costs follows the hand-computed timeline") {
  const SimResult r = simulate(scenario(hand_scenario()), Calibration{}, 1);
  CHECK(r.invokes == 6);  // 2 sandboxes x (1 cold + 2 warm)
  CHECK(of(r, "bare", Phase::runtime_init) == D{10ms, 10ms});
  CHECK(of(r, "bare", Phase::function_init) == D{5ms, 5ms});
  CHECK(of(r, "bare", Phase::init) == D{15ms, 15ms});
  CHECK(of(r, "bare", Phase::cold_start) == D{17ms, 17ms});
  CHECK(of(r, "bare", Phase::warm) == D{2ms, 2ms, 2ms, 2ms});
  CHECK(of(r, "bare", Phase::handler) == D(6, 2ms));
  CHECK(of(r, "bare", Phase::duration) == D(6, 2ms));
  CHECK(of(r, "bare", Phase::ttfb) == D(4, 2ms));
  CHECK(of(r, "bare", Phase::extension_init) == D{0ms, 0ms});
  CHECK(of(r, "bare", Phase::post_invoke) == D(6, 0ms));
  CHECK(of(r, "bare", Phase::sandbox) == D{0ms, 0ms});
  CHECK(of(r, "bare", Phase::shutdown).size() == 2);
}

TEST_CASE("sim: the machine's constants land where the emulator spends them") {
  Calibration c;
  c.sandbox_setup = 4ms;       // before Init: the caller waits, Init Duration does not count it
  c.process_spawn = 1ms;       // inside Init, before the runtime's own init
  c.invoke_overhead = 500us;   // on the caller's path of every invoke
  c.runtime_exchange = 300us;  // after the response, before the runtime's next /next
  c.process_exit = 1500us;     // SIGTERM to exit, in the shutdown
  const SimResult r = simulate(scenario(hand_scenario()), c, 1);
  CHECK(of(r, "bare", Phase::sandbox) == D{4ms, 4ms});
  CHECK(of(r, "bare", Phase::runtime_init) == D{11ms, 11ms});
  CHECK(of(r, "bare", Phase::init) == D{16ms, 16ms});
  CHECK(of(r, "bare", Phase::cold_start) == D{22500us, 22500us});  // 4 + 0.5 + 16 + 2
  CHECK(of(r, "bare", Phase::duration) == D(6, 2300us));
  // The next invoke arrives 0.5 ms after the answer, when the runtime waits in /next again.
  CHECK(of(r, "bare", Phase::warm) == D(4, 2500us));
  CHECK(of(r, "bare", Phase::shutdown) == D{1500us, 1500us});
}

TEST_CASE("sim: every sleep a process spends wakes as late as the calibration says") {
  Calibration c;
  // 50 us late at 1 ms (in proportion below it), rising to 0.45 ms at 11 ms.
  c.sleep_wake = {{1ms, 50us}, {11ms, 450us}};
  CHECK(c.wake_late(0ms) == 0ms);  // no sleep, no wake-up
  CHECK(c.wake_late(100us) == 5us);
  CHECK(c.wake_late(500us) == 25us);
  CHECK(c.wake_late(1ms) == 50us);
  CHECK(c.wake_late(6ms) == 250us);
  CHECK(c.wake_late(11ms) == 450us);
  CHECK(c.wake_late(30ms) == 450us);
  CHECK(Calibration{}.wake_late(5ms) == 0ms);

  // The runtime's init (10), the handler's init (5) and its work (2), each slept, wake 0.41,
  // 0.21 and 0.09 ms late (0.05 + 0.04 per ms past 1 ms). A cpu cost spins and is never late.
  const SimResult r = simulate(scenario(hand_scenario()), c, 1);
  CHECK(of(r, "bare", Phase::runtime_init) == D{10410us, 10410us});
  CHECK(of(r, "bare", Phase::function_init) == D{5210us, 5210us});
  CHECK(of(r, "bare", Phase::handler) == D(6, 2090us));
  CHECK(of(r, "bare", Phase::warm) == D(4, 2090us));
  json burning = hand_scenario();
  burning["handler"]["work"] = {{"kind", "cpu"}, {"dist", "constant"}, {"ms", 2}};
  CHECK(of(simulate(scenario(burning), c, 1), "bare", Phase::handler) == D(6, 2ms));
  // A wrapper's sleeps wake late too: the shim's 1 ms per invoke is 1.05 ms.
  const SimResult shim =
      simulate(with(json::parse(R"([{"type": "js_shim", "per_invoke": 1}])")), c, 1);
  CHECK(of(shim, "w", Phase::pre_handler) == D(6, 1050us));
}

TEST_CASE("sim: a js_shim adds its init and its per-invoke cost") {
  const SimResult r = simulate(with(json::parse(R"([{"type": "js_shim", "init": 3,
                                                   "per_invoke": 1}])")),
                               Calibration{}, 1);
  CHECK(of(r, "w", Phase::function_init) == D{8ms, 8ms});
  CHECK(of(r, "w", Phase::init) == D{18ms, 18ms});
  CHECK(of(r, "w", Phase::pre_handler) == D(6, 1ms));
  CHECK(of(r, "w", Phase::cold_start) == D{21ms, 21ms});
  CHECK(of(r, "w", Phase::warm) == D(4, 3ms));
}

TEST_CASE("sim: a cpu cost is slower below 1,769 MB") {
  json spec = hand_scenario();
  spec["function"]["memory_mb"] = 442;  // a quarter of a vCPU, near enough: 4.002x
  const SimResult r =
      simulate(with(json::parse(R"([{"type": "js_shim", "init": {"kind": "cpu", "dist": "constant",
                           "ms": 3}}])"),
                    spec),
               Calibration{}, 1);
  const Duration expected = 5ms + lambda_emu::costs::cpu_wall_time(3ms, 442);
  CHECK(of(r, "w", Phase::function_init) == D{expected, expected});
  CHECK(expected > 12ms);
}

TEST_CASE("sim: an http_server is seen ready at its next poll and costs a hop per invoke") {
  Calibration c;
  c.http_hop = 100us;
  c.base64_ns_per_byte = 1;
  const SimResult r = simulate(with(json::parse(R"([{"type": "http_server", "startup": 25,
                                                   "poll_interval_ms": 10, "per_invoke": 0.5,
                                                   "base64": true}])")),
                               c, 1);
  // Ready at the poll at 30 ms, whose round trip ends at 30.1 ms.
  CHECK(of(r, "w", Phase::function_init) == D{35100us, 35100us});
  // The proxy's work, the hop and 1,024 payload bytes base64-encoded before it and decoded
  // after; 100 response bytes back, the same.
  CHECK(of(r, "w", Phase::pre_handler) == D(6, 500us + 100us + 2048ns));
  CHECK(of(r, "w", Phase::response) == D(6, 200ns));
  CHECK(of(r, "w", Phase::warm) == D(4, 2ms + 600us + 2248ns));
}

TEST_CASE("sim: a streaming bridge gives the caller its first byte before the last") {
  const SimResult r = simulate(with(json::parse(R"([{"type": "streaming_bridge",
                                                   "chunk_bytes": 40, "per_chunk": 0.5,
                                                   "first_byte": 1}])")),
                               Calibration{}, 1);
  // 100 bytes: 3 chunks after the first-byte cost.
  CHECK(of(r, "w", Phase::response) == D(6, 2500us));
  CHECK(of(r, "w", Phase::ttfb) == D(4, 3ms));
  CHECK(of(r, "w", Phase::warm) == D(4, 4500us));
}

TEST_CASE("sim: an extension's init holds Init and its post-invoke work the next invoke") {
  const SimResult r = simulate(with(json::parse(R"([{"type": "extension", "name": "agent",
                                                   "init": 20, "post_invoke": 4,
                                                   "shutdown": 3}])")),
                               Calibration{}, 1);
  CHECK(of(r, "w", Phase::extension_init) == D{20ms, 20ms});
  CHECK(of(r, "w", Phase::init) == D{20ms, 20ms});
  CHECK(of(r, "w", Phase::cold_start) == D{22ms, 22ms});
  CHECK(of(r, "w", Phase::post_invoke) == D(6, 4ms));
  // The next invoke arrives as the previous is answered and waits for the extension's next.
  CHECK(of(r, "w", Phase::warm) == D(4, 6ms));
  // SHUTDOWN: the runtime goes at once; the extension takes its 3 ms.
  CHECK(of(r, "w", Phase::shutdown) == D{3ms, 3ms});
}

TEST_CASE(
    "sim: placement delays the caller but not Init, and the emulator's own cost every invoke") {
  Calibration c;
  c.invoke_overhead = 200us;
  const SimResult r =
      simulate(with(json::parse(R"([{"type": "sandbox", "placement": 50}])")), c, 1);
  CHECK(of(r, "w", Phase::sandbox) == D{50ms, 50ms});
  CHECK(of(r, "w", Phase::init) == D{15ms, 15ms});
  CHECK(of(r, "w", Phase::cold_start) == D{67200us, 67200us});
  CHECK(of(r, "w", Phase::warm) == D(4, 2200us));
  CHECK(of(r, "bare", Phase::warm) == D(4, 2200us));
}

namespace {

// Every stage with random costs, for the properties below.
Scenario random_scenario() {
  return scenario(json::parse(R"({
    "name": "random",
    "function": {"memory_mb": 512},
    "runtime": {"init": {"dist": "lognormal", "p50_ms": 100, "p99_ms": 300}},
    "handler": {"init": {"dist": "uniform", "min_ms": 1, "max_ms": 20},
                "work": {"kind": "cpu", "dist": "lognormal", "p50_ms": 3, "p99_ms": 30},
                "response_bytes": 5000},
    "variants": [
      {"name": "bare"},
      {"name": "everything", "stages": [
        {"type": "sandbox", "placement": {"dist": "normal", "mean_ms": 40, "sd_ms": 20}},
        {"type": "extension", "name": "a", "init": {"dist": "lognormal", "p50_ms": 50, "p99_ms": 200},
         "telemetry": true, "post_invoke": {"dist": "uniform", "min_ms": 0, "max_ms": 5}},
        {"type": "js_shim", "init": {"kind": "cpu", "dist": "constant", "ms": 10}, "per_invoke": 0.2},
        {"type": "http_server", "startup": {"dist": "lognormal", "p50_ms": 30, "p99_ms": 90},
         "poll_interval_ms": 10, "per_invoke": 1, "base64": true},
        {"type": "streaming_bridge", "chunk_bytes": 1024, "per_chunk": 0.1, "first_byte": 2}
      ]},
      {"name": "shim-only", "stages": [{"type": "js_shim", "per_invoke": {"dist": "uniform", "min_ms": 0, "max_ms": 1}}]}
    ],
    "work": {"cold_starts": 20, "warm_invokes": 20, "payload_bytes": [100, 100000]}
  })"));
}

}  // namespace

TEST_CASE("sim: the same scenario and seed give byte-identical reports") {
  const Scenario s = random_scenario();
  Calibration c;
  c.http_hop = 80us;
  c.process_spawn = 900us;
  for (const Format f : {Format::json, Format::markdown, Format::html}) {
    CHECK(render(f, s, c, simulate(s, c, 7)) == render(f, s, c, simulate(s, c, 7)));
  }
  CHECK(render(Format::json, s, c, simulate(s, c, 7)) !=
        render(Format::json, s, c, simulate(s, c, 8)));
}

TEST_CASE("sim: no wrapper comes out faster than bare on the same draws, over many seeds") {
  const Scenario s = random_scenario();
  Calibration c;
  c.http_hop = 80us;
  c.base64_ns_per_byte = 0.5;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    const SimResult r = simulate(s, c, seed);
    for (const RunResult& wrapped : r.runs) {
      const RunResult* base = nullptr;
      for (const RunResult& x : r.runs) {
        if (x.variant == "bare" && x.payload_bytes == wrapped.payload_bytes) {
          base = &x;
        }
      }
      REQUIRE(base != nullptr);
      for (const Phase p : {Phase::cold_start, Phase::warm, Phase::init, Phase::ttfb,
                            Phase::duration, Phase::handler}) {
        const auto& w = wrapped.samples.of(p);
        const auto& b = base->samples.of(p);
        REQUIRE(w.size() == b.size());
        for (std::size_t i = 0; i < w.size(); ++i) {
          INFO("seed " << seed << ", " << wrapped.variant << ", " << wrapped.payload_bytes << " B, "
                       << phase_name(p) << " #" << i);
          REQUIRE(w[i] >= b[i]);
        }
      }
    }
  }
}

TEST_CASE("sim: the JSON report has every phase, and bare's overhead is zero") {
  const Scenario s = random_scenario();
  const auto j = report_json(s, Calibration{}, simulate(s, Calibration{}, 3));
  CHECK(j["seed"] == 3);
  CHECK(j["invokes"] == 2 * 3 * 20 * 21);
  REQUIRE(j["runs"].size() == 6);
  for (const auto& run : j["runs"]) {
    CHECK(run["phases"].size() == phase_count);
    CHECK(run["phases"]["warm"]["n"] == 20 * 20);
    CHECK(run["phases"]["cold_start"]["n"] == 20);
    if (run["variant"] == "bare") {
      CHECK(run["overhead"]["warm"]["p50_ms"] == 0.0);
    } else {
      CHECK(run["overhead"]["warm"]["p50_ms"].get<double>() > 0.0);
    }
  }
}

TEST_CASE("stats: nearest-rank percentiles and a truncated mean") {
  std::vector<Duration> xs;
  for (int i = 100; i >= 1; --i) {
    xs.push_back(std::chrono::milliseconds(i));
  }
  const Stats s = summarize(xs);
  CHECK(s.n == 100);
  CHECK(s.p50 == 50ms);
  CHECK(s.p90 == 90ms);
  CHECK(s.p99 == 99ms);
  CHECK(s.max == 100ms);
  CHECK(s.mean == 50500us);
  CHECK(summarize({}).n == 0);
}

TEST_CASE("sim: a handler past the timeout gets one outcome per invoke and a re-init each time") {
  json spec = hand_scenario();
  spec["function"]["timeout_ms"] = 100;
  spec["handler"]["work"] = 150;
  const SimResult r = simulate(scenario(spec), Calibration{}, 1);
  CHECK(r.invokes == 6);
  // Cold: 15 ms of Init, then the 100 ms deadline. Each next invoke re-runs Init inside its own
  // 100 ms and times out too.
  CHECK(of(r, "bare", Phase::cold_start) == D{115ms, 115ms});
  CHECK(of(r, "bare", Phase::warm) == D(4, 100ms));
  CHECK(of(r, "bare", Phase::sandbox).size() == 2);
  CHECK(of(r, "bare", Phase::duration) == D(6, 100ms));
}

TEST_CASE(
    "sim: provisioned and proactive sandboxes initialize ahead, off the first invoke's path") {
  for (const char* type : {"provisioned-concurrency", "proactive"}) {
    INFO(type);
    json spec = hand_scenario();
    spec["function"]["initialization"] = type;
    const SimResult r = simulate(
        with(json::parse(R"([{"type": "sandbox", "placement": 50}])"), spec), Calibration{}, 1);
    // Init (15 ms) still happens and is reported; the first invoke only waits for its handler.
    CHECK(of(r, "bare", Phase::init) == D{15ms, 15ms});
    CHECK(of(r, "bare", Phase::cold_start) == D{2ms, 2ms});
    CHECK(of(r, "w", Phase::sandbox) == D{50ms, 50ms});
    CHECK(of(r, "w", Phase::cold_start) == D{2ms, 2ms});
    CHECK(of(r, "w", Phase::warm) == D(4, 2ms));
  }
  json spec = hand_scenario();
  spec["function"]["initialization"] = "eager";
  CHECK_FALSE(std::holds_alternative<Scenario>(parse_scenario(spec, ".")));
}

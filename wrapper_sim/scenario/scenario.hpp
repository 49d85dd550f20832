#pragma once
// Scenario: a wrapper comparison written down. One handler on one language runtime, the variants
// that wrap it (`bare` has no stages), the work to run, and the seed every draw follows. The
// simulator models it; the wrapper runtime runs one of its variants for real under lambda-emu.
//
//   auto loaded = load_scenario("wrapper_sim/scenarios/node-web-adapter.json");
//   if (auto* bad = std::get_if<ScenarioError>(&loaded)) { std::cerr << bad->what(); }
//   const Scenario& s = std::get<Scenario>(loaded);
//   const Variant* v = s.variant("web-adapter");
//
// The file format is documented in wrapper_sim/README.md ("Scenario files").
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

#include "costs/cost.hpp"
#include "scenario/fields.hpp"
#include "stages/stage.hpp"

namespace lambda_emu::wrapper_sim {

// The language runtime itself: the interpreter or binary starting, before any user or wrapper
// code (Node.js loading its bootstrap, say).
struct RuntimeBase {
  std::string name = "provided";
  costs::Cost init;
};

struct Handler {
  costs::Cost init;  // the function's own init code (imports, clients)
  costs::Cost work;  // per invoke
  std::uint64_t response_bytes = 64;
  bool streamed = false;  // the handler streams its response itself (no bridge needed)
};

struct Variant {
  std::string name;
  std::vector<Stage> stages;

  [[nodiscard]] bool streams(const Handler& h) const;
  [[nodiscard]] std::vector<const ExtensionStage*> extensions() const;
};

struct Work {
  std::uint64_t cold_starts = 10;                  // sandboxes, each started by a cold invoke
  std::uint64_t warm_invokes = 100;                // warm invokes after each cold start
  std::vector<std::uint64_t> payload_bytes{1024};  // the whole work runs once per size
  Duration think{0};  // from an invoke's answer to the caller's next invoke
};

// How each sandbox is initialized (Lambda's initialization types). `on_demand`: the first invoke
// starts Init and waits for it. `provisioned` (provisioned-concurrency) and `proactive` (an
// on-demand environment Lambda initializes before it is needed): Init runs ahead, and the first
// invoke arrives once it is done, with no Init on its path.
enum class Initialization { on_demand, provisioned, proactive };

struct Scenario {
  std::string name;
  std::string comment;
  std::uint64_t seed = 1;
  int memory_mb = 1024;
  std::chrono::milliseconds timeout{30'000};
  Initialization initialization = Initialization::on_demand;
  RuntimeBase runtime;
  Handler handler;
  std::vector<Variant> variants;  // `bare` first, always present
  Work work;
  std::filesystem::path dir;  // the file's directory: empirical samples are relative to it

  [[nodiscard]] const Variant* variant(std::string_view name) const;
};

// Parses a scenario; `dir` resolves file names inside it. Never throws: the error says where.
[[nodiscard]] std::variant<Scenario, ScenarioError> parse_scenario(
    const nlohmann::json& spec, const std::filesystem::path& dir);
[[nodiscard]] std::variant<Scenario, ScenarioError> load_scenario(
    const std::filesystem::path& file);

}  // namespace lambda_emu::wrapper_sim

#include "bootstrap/wrapper_extension.hpp"

#include <chrono>
#include <optional>

#include <spdlog/spdlog.h>

#include "bootstrap/chosen_variant.hpp"
#include "bootstrap/extensions_api.hpp"
#include "bootstrap/response_out.hpp"
#include "bootstrap/seed.hpp"
#include "bootstrap/spend.hpp"
#include "bootstrap/telemetry_subscription.hpp"

namespace lambda_emu::wrapper_sim {
namespace {

constexpr std::string_view scenario_error = "Extension.WrapperScenarioError";

struct OwnStage {
  ExtensionStage stage;
  std::uint64_t seed = 0;
  int memory_mb = 0;  // the scenario's, when the environment does not say
};

// This extension's stage in the chosen variant, or what is wrong.
std::variant<OwnStage, std::string> own_stage(const std::string& name) {
  auto chosen = chosen_variant();
  if (auto* error = std::get_if<std::string>(&chosen)) {
    return *error;
  }
  const ChosenVariant& c = std::get<ChosenVariant>(chosen);
  for (const ExtensionStage* x : c.variant.extensions()) {
    if (x->name == name) {
      return OwnStage{*x, c.scenario.seed, c.scenario.memory_mb};
    }
  }
  return "variant \"" + c.variant.name + "\" has no extension stage named \"" + name + "\"";
}

std::chrono::system_clock::time_point deadline_of(const nlohmann::json& event) {
  const auto ms = event.value("deadlineMs", std::int64_t{0});
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

}  // namespace

int run_wrapper_extension(const std::string& name, const std::string& api_address) {
  ExtensionsApi api(api_address);
  auto stage = own_stage(name);
  auto listening = ResponseOutListener::start(name);
  if (auto failed = api.register_as(name)) {
    spdlog::error("{}", failed->message);
    return 1;
  }
  std::optional<std::string> problem;
  if (auto* bad_stage = std::get_if<std::string>(&stage)) {
    problem = *bad_stage;
  } else if (auto* no_listener = std::get_if<std::string>(&listening)) {
    problem = *no_listener;
  }
  if (problem) {
    spdlog::error("init failed: {}", *problem);
    if (auto failed = api.init_error(scenario_error, *problem)) {
      spdlog::error("{}", failed->message);
    }
    return 1;
  }
  const ExtensionStage& x = std::get<OwnStage>(stage).stage;
  auto& listener = *std::get<std::shared_ptr<ResponseOutListener>>(listening);
  costs::Random random(process_seed(std::get<OwnStage>(stage).seed, "extension:" + name));
  const int memory_mb = function_memory_mb(std::get<OwnStage>(stage).memory_mb);
  spdlog::info("registered");
  spend(draw(x.init, random, memory_mb));
  if (x.telemetry) {
    if (auto failed = subscribe_to_platform_telemetry(api)) {
      spdlog::error("{}", *failed);
      return 1;
    }
  }
  for (;;) {
    auto next = api.next();
    if (auto* failed = std::get_if<HttpFailure>(&next)) {
      spdlog::error("{}", failed->message);
      return 1;
    }
    const nlohmann::json& event = std::get<nlohmann::json>(next);
    if (event.value("eventType", "") == "SHUTDOWN") {
      spend(draw(x.shutdown, random, memory_mb));
      listener.unpublish();
      spdlog::info("shutdown ({})", event.value("shutdownReason", "unknown"));
      return 0;
    }
    const std::string request_id = event.value("requestId", "");
    if (!listener.wait_for(request_id, deadline_of(event))) {
      spdlog::warn("the runtime never said {} is out", request_id);
    }
    spend(draw(x.post_invoke, random, memory_mb));
    spdlog::debug("post_invoke of {} done", request_id);
  }
}

}  // namespace lambda_emu::wrapper_sim

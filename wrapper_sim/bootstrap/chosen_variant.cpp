#include "bootstrap/chosen_variant.hpp"

#include <cstdlib>

namespace lambda_emu::wrapper_sim {

std::variant<ChosenVariant, std::string> chosen_variant() {
  const char* file = std::getenv(scenario_env);
  if (file == nullptr || *file == '\0') {
    return std::string(scenario_env) + " is not set: it names the scenario file to run";
  }
  auto loaded = load_scenario(file);
  if (auto* bad = std::get_if<ScenarioError>(&loaded)) {
    return std::string(bad->what());
  }
  Scenario& scenario = std::get<Scenario>(loaded);
  const char* wanted = std::getenv(variant_env);
  const std::string name = wanted != nullptr && *wanted != '\0' ? wanted : "bare";
  const Variant* variant = scenario.variant(name);
  if (variant == nullptr) {
    std::string known;
    for (const Variant& v : scenario.variants) {
      known += (known.empty() ? "" : ", ") + v.name;
    }
    return std::string(file) + ": no variant \"" + name + "\" (" + variant_env +
           "); the variants are " + known;
  }
  Variant copy = *variant;
  return ChosenVariant{std::move(scenario), std::move(copy)};
}

}  // namespace lambda_emu::wrapper_sim

#pragma once
// The variant a sandbox runs, as the function's environment names it: LAMBDA_EMU_SCENARIO (the
// scenario file) and LAMBDA_EMU_VARIANT (default "bare"), which lambda-emu gives the runtime and
// its extensions alike (`serve -e LAMBDA_EMU_SCENARIO=... -e LAMBDA_EMU_VARIANT=...`).
//
//   auto chosen = chosen_variant();
//   if (auto* error = std::get_if<std::string>(&chosen)) { report_init_error(*error); }
#include <string>
#include <variant>

#include "scenario/scenario.hpp"

namespace lambda_emu::wrapper_sim {

inline constexpr const char* scenario_env = "LAMBDA_EMU_SCENARIO";
inline constexpr const char* variant_env = "LAMBDA_EMU_VARIANT";

struct ChosenVariant {
  Scenario scenario;
  Variant variant;
};

// The scenario loaded and the variant found; else what is wrong, in words for an errorMessage.
[[nodiscard]] std::variant<ChosenVariant, std::string> chosen_variant();

}  // namespace lambda_emu::wrapper_sim

#pragma once
// Report: a simulation as JSON (for machines and CI), Markdown (for pull requests) or HTML (for
// people), with every variant's phases and its overhead over `bare` on the same draws. Numbers
// are milliseconds; the text depends only on the scenario, the calibration and the seed, so the
// same inputs give byte-identical output.
//
//   std::string md = render(Format::markdown, scenario, calibration, simulate(...));
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "scenario/scenario.hpp"
#include "sim/calibration.hpp"
#include "sim/simulator.hpp"

namespace lambda_emu::wrapper_sim {

enum class Format { json, markdown, html };

// Keys in reading order: the scenario first, phases in the order they happen.
[[nodiscard]] nlohmann::ordered_json report_json(const Scenario& scenario,
                                                 const Calibration& calibration,
                                                 const SimResult& result);
[[nodiscard]] std::string render(Format format, const Scenario& scenario,
                                 const Calibration& calibration, const SimResult& result);

}  // namespace lambda_emu::wrapper_sim

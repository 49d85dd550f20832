#pragma once
// Charts: inline SVG for the HTML report, written out by hand (no script, no external file), so
// the report is one self-contained file that renders the same everywhere and diffs cleanly.
//
//   std::string svg = cdf_svg("Warm latency", {{"bare", bare_sorted}, {"wrapped", w_sorted}});
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lambda_emu/clock.hpp"

namespace lambda_emu::wrapper_sim {

// Text safe inside HTML and SVG elements and attribute values.
[[nodiscard]] std::string html_escaped(std::string_view s);

// Each series: a name and its samples, sorted ascending. The CDF of each, one line per series,
// on a shared millisecond axis that ends at the largest p99.
[[nodiscard]] std::string cdf_svg(
    const std::string& title,
    const std::vector<std::pair<std::string, const std::vector<Duration>*>>& series);

// One horizontal bar per row, split into labeled segments (each a duration), on a shared axis.
struct BarRow {
  std::string name;
  std::vector<std::pair<std::string, Duration>> segments;
};
[[nodiscard]] std::string bars_svg(const std::string& title, const std::vector<BarRow>& rows);

}  // namespace lambda_emu::wrapper_sim

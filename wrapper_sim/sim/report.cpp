#include "sim/report.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "sim/charts.hpp"
#include "sim/stats.hpp"

namespace lambda_emu::wrapper_sim {
namespace {

using json = nlohmann::ordered_json;

// A run's phases, summarized once, beside bare's at the same payload size.
struct Row {
  const RunResult* run;
  std::array<Stats, phase_count> stats;
  std::size_t bare;  // index of bare's row

  [[nodiscard]] const Stats& of(Phase p) const { return stats[static_cast<std::size_t>(p)]; }
};

std::vector<Row> rows(const SimResult& result) {
  std::vector<Row> out;
  std::size_t bare = 0;
  for (const RunResult& r : result.runs) {
    Row row{&r, {}, bare};
    for (std::size_t i = 0; i < phase_count; ++i) {
      row.stats[i] = summarize(r.samples.of(phase_at(i)));
    }
    if (r.variant == "bare") {
      bare = row.bare = out.size();
    }
    out.push_back(std::move(row));
  }
  return out;
}

std::string describe_work(const Scenario& s, const SimResult& result) {
  const Work& w = s.work;
  std::string text = "seed " + std::to_string(result.seed) + ", " + std::to_string(s.memory_mb) +
                     " MB, " + std::to_string(w.cold_starts) + " cold starts each followed by " +
                     std::to_string(w.warm_invokes) + " warm invokes, per variant and payload size";
  return text;
}

// A table as both Markdown and HTML render it.
struct Table {
  std::string title;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> cells;
};

// The tables of one payload size: an overview, then every variant's phases.
std::vector<Table> tables(const std::vector<Row>& all, std::uint64_t payload) {
  const std::string size = "Payload " + std::to_string(payload) + " B";
  std::vector<Table> out;
  Table summary{size + ": overview (ms; overhead over bare)",
                {"variant", "cold start p50", "+bare", "cold start p99", "+bare", "warm p50",
                 "+bare", "warm p99", "+bare"},
                {}};
  std::vector<Table> phases;
  for (const Row& row : all) {
    if (row.run->payload_bytes != payload) {
      continue;
    }
    const Row& bare = all[row.bare];
    std::vector<std::string> line{row.run->variant};
    for (const Phase p : {Phase::cold_start, Phase::warm}) {
      line.push_back(fixed_ms(row.of(p).p50));
      line.push_back(fixed_ms(row.of(p).p50 - bare.of(p).p50, true));
      line.push_back(fixed_ms(row.of(p).p99));
      line.push_back(fixed_ms(row.of(p).p99 - bare.of(p).p99, true));
    }
    summary.cells.push_back(std::move(line));
    Table t{size + ", " + row.run->variant + " (ms)",
            {"phase", "n", "p50", "p90", "p99", "mean", "+bare p50", "+bare p99", "+bare mean"},
            {}};
    for (std::size_t i = 0; i < phase_count; ++i) {
      const Phase p = phase_at(i);
      const Stats& s = row.of(p);
      const Stats& b = bare.of(p);
      t.cells.push_back({std::string(phase_name(p)), std::to_string(s.n), fixed_ms(s.p50),
                         fixed_ms(s.p90), fixed_ms(s.p99), fixed_ms(s.mean),
                         fixed_ms(s.p50 - b.p50, true), fixed_ms(s.p99 - b.p99, true),
                         fixed_ms(s.mean - b.mean, true)});
    }
    phases.push_back(std::move(t));
  }
  out.push_back(std::move(summary));
  out.insert(out.end(), phases.begin(), phases.end());
  return out;
}

std::string markdown_table(const Table& t) {
  std::string md = "\n## " + t.title + "\n\n|";
  for (const std::string& h : t.header) {
    md += " " + h + " |";
  }
  md += "\n|";
  for (std::size_t i = 0; i < t.header.size(); ++i) {
    md += i == 0 ? " --- |" : " ---: |";
  }
  md += "\n";
  for (const auto& line : t.cells) {
    md += "|";
    for (const std::string& c : line) {
      md += " " + c + " |";
    }
    md += "\n";
  }
  return md;
}

std::string markdown(const Scenario& scenario, const Calibration& calibration,
                     const SimResult& result) {
  std::string md = "# " + scenario.name + " (modeled)\n\n";
  if (!scenario.comment.empty()) {
    md += scenario.comment + "\n\n";
  }
  md += "- Work: " + describe_work(scenario, result) + ".\n";
  md += "- Calibration: " + describe(calibration) + ".\n";
  md += "- Phases:";
  for (std::size_t i = 0; i < phase_count; ++i) {
    md += std::string(i ? "; " : " ") + std::string(phase_name(phase_at(i))) + ": " +
          std::string(phase_meaning(phase_at(i)));
  }
  md += ".\n";
  const std::vector<Row> all = rows(result);
  for (const std::uint64_t payload : scenario.work.payload_bytes) {
    for (const Table& t : tables(all, payload)) {
      md += markdown_table(t);
    }
  }
  return md;
}

std::string html_table(const Table& t) {
  std::string h = "<h2>" + html_escaped(t.title) + "</h2>\n<table><tr>";
  for (const std::string& c : t.header) {
    h += "<th>" + html_escaped(c) + "</th>";
  }
  h += "</tr>\n";
  for (const auto& line : t.cells) {
    h += "<tr>";
    for (const std::string& c : line) {
      h += "<td>" + html_escaped(c) + "</td>";
    }
    h += "</tr>\n";
  }
  return h + "</table>\n";
}

// The charts of one payload size: warm latency CDFs, and the mean cold start split into the
// placement, Init and the rest (the first invoke itself), which add up to it.
std::string html_charts(const std::vector<Row>& all, std::uint64_t payload) {
  std::vector<std::vector<Duration>> warm_sorted;
  warm_sorted.reserve(all.size());  // the CDFs point into it
  std::vector<std::pair<std::string, const std::vector<Duration>*>> cdfs;
  std::vector<BarRow> bars;
  for (const Row& row : all) {
    if (row.run->payload_bytes != payload) {
      continue;
    }
    std::vector<Duration>& warm = warm_sorted.emplace_back(row.run->samples.of(Phase::warm));
    std::sort(warm.begin(), warm.end());
    cdfs.emplace_back(row.run->variant, &warm);
    const Duration sandbox = row.of(Phase::sandbox).mean;
    const Duration init = row.of(Phase::init).mean;
    const Duration cold = row.of(Phase::cold_start).mean;
    bars.push_back({row.run->variant,
                    {{"sandbox", sandbox},
                     {"Init", init},
                     {"first invoke", std::max(Duration::zero(), cold - sandbox - init)}}});
  }
  const std::string size = std::to_string(payload) + " B";
  return "<h2>Payload " + size + ": charts</h2>\n<p>" +
         cdf_svg("Warm invoke latency, CDF (" + size + ")", cdfs) + "</p>\n<p>" +
         bars_svg("Cold start, mean (" + size + ")", bars) + "</p>\n";
}

std::string html(const Scenario& scenario, const Calibration& calibration,
                 const SimResult& result) {
  std::string h =
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" +
      html_escaped(scenario.name) +
      " (modeled)</title>\n<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:75em}"
      "table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{padding:.2em .6em;border-bottom:"
      "1px solid #ddd}td:not(:first-child),th:not(:first-child){text-align:right;font-variant-"
      "numeric:tabular-nums}th{background:#f4f4f4}</style></head><body>\n<h1>" +
      html_escaped(scenario.name) + " (modeled)</h1>\n";
  if (!scenario.comment.empty()) {
    h += "<p>" + html_escaped(scenario.comment) + "</p>\n";
  }
  h += "<ul><li>Work: " + html_escaped(describe_work(scenario, result)) +
       ".</li><li>Calibration: " + html_escaped(describe(calibration)) + ".</li></ul>\n";
  const std::vector<Row> all = rows(result);
  for (const std::uint64_t payload : scenario.work.payload_bytes) {
    h += html_charts(all, payload);
    for (const Table& t : tables(all, payload)) {
      h += html_table(t);
    }
  }
  return h + "</body></html>\n";
}

}  // namespace

json report_json(const Scenario& scenario, const Calibration& calibration,
                 const SimResult& result) {
  json runs = json::array();
  const std::vector<Row> all = rows(result);
  for (const Row& row : all) {
    json phases = json::object();
    json overhead = json::object();
    for (std::size_t i = 0; i < phase_count; ++i) {
      const Phase p = phase_at(i);
      const Stats& s = row.of(p);
      const Stats& b = all[row.bare].of(p);
      const std::string name(phase_name(p));
      phases[name] = stats_json(s);
      overhead[name] = {{"p50_ms", milliseconds(s.p50 - b.p50)},
                        {"p99_ms", milliseconds(s.p99 - b.p99)},
                        {"mean_ms", milliseconds(s.mean - b.mean)}};
    }
    runs.push_back({{"variant", row.run->variant},
                    {"payload_bytes", row.run->payload_bytes},
                    {"phases", std::move(phases)},
                    {"overhead", std::move(overhead)}});
  }
  return {{"scenario", scenario.name},
          {"comment", scenario.comment},
          {"seed", result.seed},
          {"memory_mb", scenario.memory_mb},
          {"cold_starts", scenario.work.cold_starts},
          {"warm_invokes", scenario.work.warm_invokes},
          {"invokes", result.invokes},
          {"calibration", calibration.to_json()},
          {"runs", std::move(runs)}};
}

std::string render(Format format, const Scenario& scenario, const Calibration& calibration,
                   const SimResult& result) {
  switch (format) {
    case Format::json:
      return report_json(scenario, calibration, result).dump(2) + "\n";
    case Format::markdown:
      return markdown(scenario, calibration, result);
    case Format::html:
      return html(scenario, calibration, result);
  }
  return {};
}

}  // namespace lambda_emu::wrapper_sim

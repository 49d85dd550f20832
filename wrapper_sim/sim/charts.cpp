#include "sim/charts.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "costs/distribution.hpp"

namespace lambda_emu::wrapper_sim {
namespace {

constexpr std::array<const char*, 8> colors = {"#4e79a7", "#e15759", "#59a14f", "#f28e2b",
                                               "#b07aa1", "#76b7b2", "#edc948", "#9c755f"};
constexpr int width = 640;
constexpr int right = 150;  // room for the legend
constexpr int top = 30;

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

double ms(Duration d) {
  return static_cast<double>(d.count()) / 1e6;
}

// A round step (1, 2 or 5 times a power of ten) for at most about five ticks up to `max`.
double tick_step(double max) {
  const double raw = max / 5;
  const double base = std::pow(10.0, std::floor(std::log10(raw)));
  for (const double f : {1.0, 2.0, 5.0}) {
    if (base * f >= raw) {
      return base * f;
    }
  }
  return base * 10;
}

// Room left of the plot for the longest of `labels` (about 7 px a character at 11 px).
int left_margin(const std::vector<std::string>& labels) {
  std::size_t longest = 3;
  for (const std::string& l : labels) {
    longest = std::max(longest, l.size());
  }
  return static_cast<int>(longest) * 7 + 12;
}

std::string x_axis(int left, double max_ms, int y, int plot_width) {
  std::string s;
  const double step = tick_step(max_ms);
  for (double t = 0; t <= max_ms + 1e-9; t += step) {
    const double x = left + t / max_ms * plot_width;
    s += "<line x1=\"" + num(x) + "\" y1=\"" + std::to_string(top) + "\" x2=\"" + num(x) +
         "\" y2=\"" + std::to_string(y) + "\" stroke=\"#eee\"/><text x=\"" + num(x) + "\" y=\"" +
         std::to_string(y + 14) + "\" text-anchor=\"middle\">" + num(t) + "</text>";
  }
  s += "<text x=\"" + std::to_string(left + plot_width / 2) + "\" y=\"" + std::to_string(y + 30) +
       "\" text-anchor=\"middle\">ms</text>";
  return s;
}

std::string open_svg(int left, const std::string& title, int height) {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(width) +
         "\" height=\"" + std::to_string(height) +
         "\" font-family=\"sans-serif\" font-size=\"11\">" + "<text x=\"" + std::to_string(left) +
         "\" y=\"16\" font-size=\"13\">" + html_escaped(title) + "</text>";
}

}  // namespace

std::string html_escaped(std::string_view s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string cdf_svg(
    const std::string& title,
    const std::vector<std::pair<std::string, const std::vector<Duration>*>>& series) {
  constexpr int plot_height = 200;
  const int left = left_margin({});
  const int plot_width = width - left - right;
  const int bottom = top + plot_height;
  double max_ms = 0;
  for (const auto& [name, samples] : series) {
    max_ms = std::max(max_ms, ms(costs::nearest_rank(*samples, 0.99)));
  }
  max_ms = max_ms > 0 ? max_ms * 1.05 : 1;
  std::string s = open_svg(left, title, bottom + 40) + x_axis(left, max_ms, bottom, plot_width);
  for (const double p : {0.0, 0.5, 0.9, 0.99}) {
    const double y = bottom - p * plot_height;
    s += "<text x=\"" + std::to_string(left - 6) + "\" y=\"" + num(y + 4) +
         "\" text-anchor=\"end\">p" + std::to_string(static_cast<int>(p * 100 + 0.5)) +
         "</text><line x1=\"" + std::to_string(left) + "\" y1=\"" + num(y) + "\" x2=\"" +
         std::to_string(left + plot_width) + "\" y2=\"" + num(y) + "\" stroke=\"#eee\"/>";
  }
  for (std::size_t i = 0; i < series.size(); ++i) {
    const auto& [name, samples] = series[i];
    const char* color = colors[i % colors.size()];
    std::string points;
    for (int q = 1; q <= 99; ++q) {
      const double x =
          left + std::min(1.0, ms(costs::nearest_rank(*samples, q / 100.0)) / max_ms) * plot_width;
      points += num(x) + "," + num(bottom - q / 100.0 * plot_height) + " ";
    }
    s += "<polyline fill=\"none\" stroke-width=\"2\" stroke=\"" + std::string(color) +
         "\" points=\"" + points + "\"/>";
    const int ly = top + 12 + static_cast<int>(i) * 16;
    s += "<rect x=\"" + std::to_string(width - right + 10) + "\" y=\"" + std::to_string(ly - 9) +
         "\" width=\"10\" height=\"10\" fill=\"" + color + "\"/><text x=\"" +
         std::to_string(width - right + 24) + "\" y=\"" + std::to_string(ly) + "\">" +
         html_escaped(name) + "</text>";
  }
  return s + "</svg>";
}

std::string bars_svg(const std::string& title, const std::vector<BarRow>& rows) {
  constexpr int bar = 18;
  constexpr int gap = 8;
  std::vector<std::string> labels;
  for (const BarRow& r : rows) {
    labels.push_back(r.name);
  }
  const int left = left_margin(labels);
  const int plot_width = width - left - right;
  const int bottom = top + static_cast<int>(rows.size()) * (bar + gap);
  double max_ms = 0;
  std::vector<std::string> names;  // segment names, in first-seen order, for colors and legend
  for (const BarRow& r : rows) {
    double total = 0;
    for (const auto& [name, d] : r.segments) {
      total += ms(d);
      if (std::find(names.begin(), names.end(), name) == names.end()) {
        names.push_back(name);
      }
    }
    max_ms = std::max(max_ms, total);
  }
  max_ms = max_ms > 0 ? max_ms * 1.05 : 1;
  std::string s =
      open_svg(left, title, std::max(bottom, top + static_cast<int>(names.size()) * 16) + 40) +
      x_axis(left, max_ms, bottom, plot_width);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const int y = top + static_cast<int>(i) * (bar + gap) + gap / 2;
    s += "<text x=\"" + std::to_string(left - 6) + "\" y=\"" + std::to_string(y + 13) +
         "\" text-anchor=\"end\">" + html_escaped(rows[i].name) + "</text>";
    double at = 0;
    for (const auto& [name, d] : rows[i].segments) {
      const auto c = std::find(names.begin(), names.end(), name) - names.begin();
      s += "<rect x=\"" + num(left + at / max_ms * plot_width) + "\" y=\"" + std::to_string(y) +
           "\" width=\"" + num(ms(d) / max_ms * plot_width) + "\" height=\"" + std::to_string(bar) +
           "\" fill=\"" + colors[c % colors.size()] + "\"><title>" + html_escaped(name) + ": " +
           num(ms(d)) + " ms</title></rect>";
      at += ms(d);
    }
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    const int ly = top + 12 + static_cast<int>(i) * 16;
    s += "<rect x=\"" + std::to_string(width - right + 10) + "\" y=\"" + std::to_string(ly - 9) +
         "\" width=\"10\" height=\"10\" fill=\"" + colors[i % colors.size()] + "\"/><text x=\"" +
         std::to_string(width - right + 24) + "\" y=\"" + std::to_string(ly) + "\">" +
         html_escaped(names[i]) + "</text>";
  }
  return s + "</svg>";
}

}  // namespace lambda_emu::wrapper_sim

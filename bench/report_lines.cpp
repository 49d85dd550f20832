#include "report_lines.hpp"

#include <charconv>
#include <fstream>

namespace bench {

namespace {

// "0.49 ms" -> 0.49; nullopt if it is not a number followed by " ms".
std::optional<double> milliseconds(std::string_view text) {
  if (!text.ends_with(" ms"))
    return std::nullopt;
  text.remove_suffix(3);
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size())
    return std::nullopt;
  return v;
}

}  // namespace

std::optional<ReportLine> parse_report_line(std::string_view line) {
  constexpr std::string_view kPrefix = "REPORT RequestId: ";
  if (!line.starts_with(kPrefix))
    return std::nullopt;
  line.remove_prefix(kPrefix.size());
  ReportLine r;
  // Fields after the request id are "Key: value", TAB-separated (with a trailing TAB).
  std::size_t tab = line.find('\t');
  r.request_id = std::string(line.substr(0, tab));
  while (tab != std::string_view::npos) {
    line.remove_prefix(tab + 1);
    tab = line.find('\t');
    const std::string_view field = line.substr(0, tab);
    const std::size_t colon = field.find(": ");
    if (colon == std::string_view::npos)
      continue;
    const std::string_view key = field.substr(0, colon);
    const std::string_view value = field.substr(colon + 2);
    if (key == "Duration") {
      r.duration_ms = milliseconds(value).value_or(-1);
    } else if (key == "Billed Duration") {
      r.billed_ms = milliseconds(value).value_or(-1);
    } else if (key == "Init Duration") {
      r.init_duration_ms = milliseconds(value);
    } else if (key == "Status") {
      r.status = value;
    } else if (key == "Error Type") {
      r.error_type = value;
    }
  }
  return r;
}

std::vector<ReportLine> read_report_lines(const std::string& path, std::string* error) {
  std::vector<ReportLine> out;
  std::ifstream in(path);
  if (!in) {
    if (error)
      *error = "cannot read " + path;
    return out;
  }
  std::string line;
  while (std::getline(in, line)) {
    if (auto r = parse_report_line(line))
      out.push_back(std::move(*r));
  }
  return out;
}

}  // namespace bench

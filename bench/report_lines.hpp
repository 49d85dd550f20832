#pragma once
// The REPORT lines of lambda-emu's log stream (its stdout), as CloudWatch shows them:
//   REPORT RequestId: <id>\tDuration: 0.49 ms\tBilled Duration: 1 ms\t...[\tInit Duration: ..]
//   [\tStatus: timeout|error|failure\tError Type: ...]
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bench {

struct ReportLine {
  std::string request_id;
  double duration_ms = -1;  // -1: the field was missing or unreadable
  double billed_ms = -1;
  std::optional<double> init_duration_ms;  // the first invoke after an Init only
  std::string status;                      // empty: success (REPORT names only failures)
  std::string error_type;
};

// Parses one line; nullopt unless it is a REPORT line.
std::optional<ReportLine> parse_report_line(std::string_view line);

// Every REPORT line of a log file, in order. Empty (and *error set) if the file cannot be read.
std::vector<ReportLine> read_report_lines(const std::string& path, std::string* error);

}  // namespace bench

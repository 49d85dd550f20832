#pragma once
// CloudWatch text lines for platform records (section 6.4): INIT_START, START, END, REPORT and
// INIT_REPORT, TAB-separated as Lambda prints them.
//
//   for (auto& line : platform_log_lines(record)) out.info(line);
#include <string>
#include <vector>

#include "lambda_emu/core/records.hpp"

namespace lambda_emu::telemetry {

// The lines Lambda logs for `record`; none for records that only exist as telemetry.
[[nodiscard]] std::vector<std::string> platform_log_lines(const core::Record& record,
                                                          const std::string& region);

}  // namespace lambda_emu::telemetry

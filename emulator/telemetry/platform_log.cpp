#include "telemetry/platform_log.hpp"

#include <cctype>
#include <cstdio>

namespace lambda_emu::telemetry {
namespace {

std::string ms_2dp(Duration d) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.2f ms", to_ms(d));
  return buf;
}

// "Status: timeout" alone; "Status: error<TAB>Error Type: X" for errors.
std::string status_fields(core::Status status, const std::string& error_type) {
  std::string s = std::string("Status: ") + core::to_string(status);
  if (status != core::Status::timeout && !error_type.empty()) {
    s += "\tError Type: " + error_type;
  }
  return s;
}

// "[INVOKE, SHUTDOWN]", "[Platform, Function]": the bracketed lists of the EXTENSION and
// TELEMETRY lines [obs].
std::string bracket_list(const std::vector<std::string>& items, bool capitalize) {
  std::string s = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::string item = items[i];
    if (capitalize && !item.empty()) {
      item[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(item[0])));
    }
    s += (i ? ", " : "") + item;
  }
  return s + "]";
}

struct LineVisitor {
  const std::string& region;

  std::vector<std::string> operator()(const core::InitStartRecord& r) const {
    return {"INIT_START Runtime Version: " + r.runtime_version +
            "\tRuntime Version ARN: arn:aws:lambda:" + region + "::runtime:" + r.runtime_version};
  }
  std::vector<std::string> operator()(const core::InitRuntimeDoneRecord&) const { return {}; }
  std::vector<std::string> operator()(const core::InitReportRecord& r) const {
    if (r.status == core::Status::success) {
      return {};  // a good init shows up as Init Duration in the first REPORT
    }
    return {"INIT_REPORT Init Duration: " + ms_2dp(r.duration) + "\tPhase: " +
            std::string(core::to_string(r.phase)) + "\t" + status_fields(r.status, r.error_type)};
  }
  std::vector<std::string> operator()(const core::StartRecord& r) const {
    return {"START RequestId: " + r.request_id + " Version: " + r.version};
  }
  std::vector<std::string> operator()(const core::RuntimeDoneRecord&) const { return {}; }
  std::vector<std::string> operator()(const core::ReportRecord& r) const {
    std::string report = "REPORT RequestId: " + r.request_id + "\tDuration: " + ms_2dp(r.duration) +
                         "\tBilled Duration: " + std::to_string(r.billed_duration_ms) +
                         " ms\tMemory Size: " + std::to_string(r.memory_size_mb) +
                         " MB\tMax Memory Used: " + std::to_string(r.max_memory_used_mb) + " MB\t";
    if (r.init_duration) {
      report += "Init Duration: " + ms_2dp(*r.init_duration) + "\t";
    }
    // Successful lines end in a TAB; failed ones end with their status (observed, 6.4).
    if (r.status != core::Status::success) {
      report += status_fields(r.status, r.error_type);
    }
    return {"END RequestId: " + r.request_id, std::move(report)};
  }
  std::vector<std::string> operator()(const core::ExtensionRecord& r) const {
    std::string line = "EXTENSION\tName: " + r.name + "\tState: " + r.state +
                       "\tEvents: " + bracket_list(r.events, false);
    if (!r.error_type.empty()) {
      line += "\tError Type: " + r.error_type;
    }
    return {std::move(line)};
  }
  std::vector<std::string> operator()(const core::TelemetrySubscriptionRecord& r) const {
    return {std::string(r.logs_api ? "LOGS" : "TELEMETRY") + "\tName: " + r.name +
            "\tState: Subscribed\tTypes: " + bracket_list(r.types, true)};
  }
  std::vector<std::string> operator()(const core::ShutdownRecord&) const { return {}; }
};

}  // namespace

std::vector<std::string> platform_log_lines(const core::Record& record, const std::string& region) {
  return std::visit(LineVisitor{region}, record);
}

}  // namespace lambda_emu::telemetry

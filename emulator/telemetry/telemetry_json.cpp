#include "telemetry/telemetry_json.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <variant>

namespace lambda_emu::telemetry {
namespace {

using nlohmann::ordered_json;

// Float milliseconds, rounded to the microsecond: Lambda prints durations as floats.
double ms(Duration d) {
  return std::round(to_ms(d) * 1000.0) / 1000.0;
}

ordered_json envelope(WallTime time, std::string_view type, ordered_json record) {
  ordered_json ev;
  ev["time"] = iso_time(time);
  ev["type"] = type;
  ev["record"] = std::move(record);
  return ev;
}

ordered_json span(std::string_view name, const core::Span& s) {
  ordered_json j;
  j["name"] = name;
  j["start"] = iso_time(s.start);
  j["durationMs"] = ms(s.duration);
  return j;
}

ordered_json tracing(const std::string& trace_id) {
  ordered_json j;
  j["type"] = "X-Amzn-Trace-Id";
  j["value"] = trace_id;
  return j;
}

// errorType accompanies every status but success (section 5.3).
void add_status(ordered_json& j, core::Status status, const std::string& error_type) {
  j["status"] = core::to_string(status);
  if (status != core::Status::success && !error_type.empty()) {
    j["errorType"] = error_type;
  }
}

ordered_json report_metrics(const core::ReportRecord& r) {
  ordered_json m;
  m["durationMs"] = ms(r.duration);
  m["billedDurationMs"] = r.billed_duration_ms;
  m["memorySizeMB"] = r.memory_size_mb;
  m["maxMemoryUsedMB"] = r.max_memory_used_mb;
  if (r.init_duration) {
    m["initDurationMs"] = ms(*r.init_duration);
  }
  return m;
}

ordered_json extension_record(const core::ExtensionRecord& r) {
  ordered_json j;
  j["name"] = r.name;
  j["state"] = r.state;
  j["events"] = r.events;
  if (!r.error_type.empty()) {
    j["errorType"] = r.error_type;
  }
  return j;
}

ordered_json subscription_record(const core::TelemetrySubscriptionRecord& r) {
  ordered_json j;
  j["name"] = r.name;
  j["state"] = "Subscribed";
  j["types"] = r.types;
  return j;
}

struct TelemetryVisitor {
  std::string_view region;

  std::optional<ordered_json> operator()(const core::InitStartRecord& r) const {
    ordered_json j;
    j["initializationType"] = core::to_string(r.initialization_type);
    j["phase"] = core::to_string(r.phase);
    j["runtimeVersion"] = r.runtime_version;
    j["runtimeVersionArn"] =
        "arn:aws:lambda:" + std::string(region) + "::runtime:" + r.runtime_version;
    j["functionName"] = r.function_name;
    j["functionVersion"] = r.function_version;
    return envelope(r.time, "platform.initStart", std::move(j));
  }
  std::optional<ordered_json> operator()(const core::InitRuntimeDoneRecord& r) const {
    ordered_json j;
    j["initializationType"] = core::to_string(r.initialization_type);
    j["phase"] = core::to_string(r.phase);
    add_status(j, r.status, r.error_type);
    return envelope(r.time, "platform.initRuntimeDone", std::move(j));
  }
  std::optional<ordered_json> operator()(const core::InitReportRecord& r) const {
    ordered_json j;
    j["initializationType"] = core::to_string(r.initialization_type);
    j["phase"] = core::to_string(r.phase);
    add_status(j, r.status, r.error_type);
    j["metrics"]["durationMs"] = ms(r.duration);
    return envelope(r.time, "platform.initReport", std::move(j));
  }
  std::optional<ordered_json> operator()(const core::StartRecord& r) const {
    ordered_json j;
    j["requestId"] = r.request_id;
    j["version"] = r.version;
    if (r.trace_id) {
      j["tracing"] = tracing(*r.trace_id);
    }
    return envelope(r.time, "platform.start", std::move(j));
  }
  std::optional<ordered_json> operator()(const core::RuntimeDoneRecord& r) const {
    ordered_json j;
    j["requestId"] = r.request_id;
    add_status(j, r.status, r.error_type);
    j["metrics"]["durationMs"] = ms(r.duration);
    j["metrics"]["producedBytes"] = r.produced_bytes;
    ordered_json spans = ordered_json::array();
    if (r.response_latency) {
      spans.push_back(span("responseLatency", *r.response_latency));
    }
    if (r.response_duration) {
      spans.push_back(span("responseDuration", *r.response_duration));
    }
    if (r.runtime_overhead) {
      spans.push_back(span("runtimeOverhead", *r.runtime_overhead));
    }
    if (!spans.empty()) {
      j["spans"] = std::move(spans);
    }
    return envelope(r.time, "platform.runtimeDone", std::move(j));
  }
  std::optional<ordered_json> operator()(const core::ReportRecord& r) const {
    ordered_json j;
    j["requestId"] = r.request_id;
    add_status(j, r.status, r.error_type);
    j["metrics"] = report_metrics(r);
    if (r.extension_overhead) {
      j["spans"] = ordered_json::array({span("extensionOverhead", *r.extension_overhead)});
    }
    return envelope(r.time, "platform.report", std::move(j));
  }
  std::optional<ordered_json> operator()(const core::ExtensionRecord& r) const {
    return envelope(r.time, "platform.extension", extension_record(r));
  }
  std::optional<ordered_json> operator()(const core::TelemetrySubscriptionRecord& r) const {
    // A Logs API subscription has no Telemetry API event; strict clients reject unknown types.
    if (r.logs_api) {
      return std::nullopt;
    }
    return envelope(r.time, "platform.telemetrySubscription", subscription_record(r));
  }
  std::optional<ordered_json> operator()(const core::ShutdownRecord&) const { return std::nullopt; }
};

// platform.fault text for an invoke the runtime or the environment did not finish: the Logs API
// page's wording for a crash, CloudWatch's for a timeout.
std::optional<std::string> fault_text(const core::ReportRecord& r) {
  switch (r.status) {
    case core::Status::success:
    case core::Status::error:  // the function reported its own error: no fault
      return std::nullopt;
    case core::Status::timeout: {
      char secs[32];
      std::snprintf(secs, sizeof secs, "%.2f", to_ms(r.duration) / 1000.0);
      return "RequestId: " + r.request_id + " Task timed out after " + secs + " seconds";
    }
    case core::Status::failure:
      if (r.error_type.empty() || r.error_type.starts_with("Runtime.")) {
        return "RequestId: " + r.request_id + " Process exited before completing request";
      }
      return "RequestId: " + r.request_id + " Error: " + r.error_type;
  }
  return std::nullopt;
}

struct LogsApiVisitor {
  bool with_runtime_done;

  std::vector<ordered_json> operator()(const core::StartRecord& r) const {
    ordered_json j;
    j["requestId"] = r.request_id;
    j["version"] = r.version;
    return {envelope(r.time, "platform.start", std::move(j))};
  }
  std::vector<ordered_json> operator()(const core::RuntimeDoneRecord& r) const {
    if (!with_runtime_done) {
      return {};
    }
    ordered_json j;
    j["requestId"] = r.request_id;
    j["status"] = core::to_string(r.status);
    return {envelope(r.time, "platform.runtimeDone", std::move(j))};
  }
  std::vector<ordered_json> operator()(const core::ReportRecord& r) const {
    std::vector<ordered_json> out;
    if (auto fault = fault_text(r)) {
      out.push_back(envelope(r.time, "platform.fault", *fault));
    }
    ordered_json end;
    end["requestId"] = r.request_id;
    out.push_back(envelope(r.time, "platform.end", std::move(end)));
    ordered_json report;
    report["requestId"] = r.request_id;
    report["metrics"] = report_metrics(r);
    out.push_back(envelope(r.time, "platform.report", std::move(report)));
    return out;
  }
  std::vector<ordered_json> operator()(const core::ExtensionRecord& r) const {
    return {envelope(r.time, "platform.extension", extension_record(r))};
  }
  std::vector<ordered_json> operator()(const core::TelemetrySubscriptionRecord& r) const {
    if (!r.logs_api) {
      return {};
    }
    return {envelope(r.time, "platform.logsSubscription", subscription_record(r))};
  }
  // Init records and shutdown have no Logs API event.
  template <typename Other>
  std::vector<ordered_json> operator()(const Other&) const {
    return {};
  }
};

}  // namespace

std::string iso_time(WallTime t) {
  const auto ms_since_epoch =
      std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms_since_epoch / 1000);
  std::int64_t millis = ms_since_epoch % 1000;
  std::time_t whole = secs;
  if (millis < 0) {  // before 1970: keep the fraction positive
    millis += 1000;
    whole -= 1;
  }
  std::tm tm{};
  gmtime_r(&whole, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(millis));
  return buf;
}

std::optional<nlohmann::ordered_json> telemetry_event(const core::Record& record,
                                                      std::string_view region) {
  return std::visit(TelemetryVisitor{region}, record);
}

nlohmann::ordered_json log_event(WallTime time, LogSource source, std::string_view line) {
  return envelope(time, source == LogSource::function ? "function" : "extension",
                  std::string(line));
}

std::vector<nlohmann::ordered_json> logs_api_events(const core::Record& record,
                                                    bool with_runtime_done) {
  return std::visit(LogsApiVisitor{with_runtime_done}, record);
}

nlohmann::ordered_json logs_dropped_event(WallTime time, std::uint64_t dropped_bytes,
                                          std::uint64_t dropped_records, std::string_view reason) {
  ordered_json j;
  j["droppedBytes"] = dropped_bytes;
  j["droppedRecords"] = dropped_records;
  j["reason"] = reason;
  return envelope(time, "platform.logsDropped", std::move(j));
}

}  // namespace lambda_emu::telemetry

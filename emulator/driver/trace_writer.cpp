#include "driver/trace_writer.hpp"

#include <stdexcept>

namespace lambda_emu::driver {

TraceWriter::TraceWriter(const std::string& path, const Clock& clock)
    : out_(path, std::ios::out | std::ios::trunc), clock_(clock), origin_(clock.now()) {
  if (!out_) {
    throw std::runtime_error("cannot open trace file " + path);
  }
}

void TraceWriter::write(const nlohmann::ordered_json& fields) {
  nlohmann::ordered_json line{{"t_ns", (clock_.now() - origin_).count()}};
  for (const auto& [k, v] : fields.items()) {
    line[k] = v;
  }
  out_ << line.dump() << '\n';
  out_.flush();
}

nlohmann::ordered_json trace_record(const core::Record& record) {
  return std::visit(
      [](const auto& r) {
        using R = std::decay_t<decltype(r)>;
        nlohmann::ordered_json j{{"kind", "record"}};
        if constexpr (std::is_same_v<R, core::InitStartRecord>) {
          j["type"] = "platform.initStart";
          j["phase"] = core::to_string(r.phase);
        } else if constexpr (std::is_same_v<R, core::InitRuntimeDoneRecord>) {
          j["type"] = "platform.initRuntimeDone";
          j["status"] = core::to_string(r.status);
        } else if constexpr (std::is_same_v<R, core::InitReportRecord>) {
          j["type"] = "platform.initReport";
          j["status"] = core::to_string(r.status);
          j["durationMs"] = to_ms(r.duration);
        } else if constexpr (std::is_same_v<R, core::StartRecord>) {
          j["type"] = "platform.start";
          j["requestId"] = r.request_id;
        } else if constexpr (std::is_same_v<R, core::RuntimeDoneRecord>) {
          j["type"] = "platform.runtimeDone";
          j["requestId"] = r.request_id;
          j["status"] = core::to_string(r.status);
          j["durationMs"] = to_ms(r.duration);
        } else if constexpr (std::is_same_v<R, core::ReportRecord>) {
          j["type"] = "platform.report";
          j["requestId"] = r.request_id;
          j["status"] = core::to_string(r.status);
          j["durationMs"] = to_ms(r.duration);
          // Post-runtime extension work, inside durationMs (issue 3 item 4).
          j["extensionOverheadMs"] =
              r.extension_overhead ? to_ms(r.extension_overhead->duration) : 0.0;
        } else if constexpr (std::is_same_v<R, core::ExtensionRecord>) {
          j["type"] = "platform.extension";
          j["name"] = r.name;
          j["state"] = r.state;
          j["events"] = r.events;
        } else if constexpr (std::is_same_v<R, core::TelemetrySubscriptionRecord>) {
          j["type"] = r.logs_api ? "platform.logsSubscription" : "platform.telemetrySubscription";
          j["name"] = r.name;
          j["types"] = r.types;
        } else if constexpr (std::is_same_v<R, core::ShutdownRecord>) {
          j["type"] = "shutdown";
          j["reason"] = core::to_string(r.reason);
          j["durationMs"] = to_ms(r.duration);
        }
        return j;
      },
      record);
}

}  // namespace lambda_emu::driver

#pragma once
// Platform records: one struct per platform.* event the lifecycle emits (section 5.3).
//
// The core emits them as actions; emulator/telemetry formats them as CloudWatch log lines today
// and as Telemetry API JSON later. Durations stay std::chrono until the edge.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "lambda_emu/clock.hpp"
#include "lambda_emu/core/invoke.hpp"
#include "lambda_emu/core/states.hpp"

namespace lambda_emu::core {

struct InitStartRecord {
  WallTime time;
  InitializationType initialization_type;
  InitPhase phase;
  std::string runtime_version;
  std::string function_name;
  std::string function_version;
};

struct InitRuntimeDoneRecord {
  WallTime time;
  InitializationType initialization_type;
  InitPhase phase;
  Status status;
  std::string error_type;
};

struct InitReportRecord {
  WallTime time;
  InitializationType initialization_type;
  InitPhase phase;
  Status status;
  std::string error_type;
  Duration duration;
};

struct StartRecord {
  WallTime time;
  std::string request_id;
  std::string version;
  std::optional<std::string> trace_id;
};

struct Span {
  WallTime start;
  Duration duration;
};

struct RuntimeDoneRecord {
  WallTime time;
  std::string request_id;
  Status status;
  std::string error_type;
  Duration duration;  // delivery to the runtime's next /next
  std::uint64_t produced_bytes = 0;
  std::optional<Span> response_latency;   // delivery to first response byte
  std::optional<Span> response_duration;  // first to last response byte
  std::optional<Span> runtime_overhead;   // last response byte to the runtime's next /next
};

struct ReportRecord {
  WallTime time;
  std::string request_id;
  Status status;
  std::string error_type;
  Duration duration;
  std::int64_t billed_duration_ms = 0;
  int memory_size_mb = 0;
  int max_memory_used_mb = 0;
  std::optional<Duration> init_duration;  // only on the first invoke after an Init phase
  // Time from the runtime's next /next to the last INVOKE-subscribed extension's next
  // (rapid's `extensionOverhead` span); empty when no extension was still working.
  std::optional<Span> extension_overhead;
};

// One per registered extension at the end of Init (platform.extension, "EXTENSION" log line).
struct ExtensionRecord {
  WallTime time;
  std::string name;
  std::string state;                // "Ready", or the state it failed in
  std::vector<std::string> events;  // "INVOKE", "SHUTDOWN"
  std::string error_type;           // empty unless it failed
};

// An extension subscribed to the Telemetry API (or the Logs API).
struct TelemetrySubscriptionRecord {
  WallTime time;
  std::string name;
  std::vector<std::string> types;  // "platform", "function", "extension"
  bool logs_api = false;           // platform.logsSubscription instead
};

// The environment is shut down (section 6.3): why, and how long it took. Not a Telemetry API
// record; it feeds the log and the trace.
struct ShutdownRecord {
  WallTime time;
  ShutdownReason reason;
  Duration duration;
};

using Record = std::variant<InitStartRecord, InitRuntimeDoneRecord, InitReportRecord, StartRecord,
                            RuntimeDoneRecord, ReportRecord, ExtensionRecord,
                            TelemetrySubscriptionRecord, ShutdownRecord>;

}  // namespace lambda_emu::core

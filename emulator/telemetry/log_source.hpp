#pragma once
// LogSource: whose stdout/stderr a log line came from, which decides its Telemetry API type
// ("function" for the runtime, "extension" for extensions; section 5.3, C68).
//
//   hub.log_line(telemetry::LogSource::function, "2026-11-28T00:57:58.603Z\tid\tINFO\thello");
namespace lambda_emu::telemetry {

enum class LogSource { function, extension };

}  // namespace lambda_emu::telemetry

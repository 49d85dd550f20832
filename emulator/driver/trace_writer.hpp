#pragma once
// TraceWriter: the lifecycle trace (`--trace FILE`), one JSON object per line, so a cold start
// can be reconstructed exactly. Schema in README.md ("Lifecycle trace").
//
//   TraceWriter t("trace.jsonl", clock);
//   t.write({{"kind", "transition"}, {"actor", "runtime"}, {"from", "Started"}, {"to", "Ready"}});
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "lambda_emu/clock.hpp"
#include "lambda_emu/core/records.hpp"

namespace lambda_emu::driver {

class TraceWriter {
 public:
  TraceWriter(const std::string& path, const Clock& clock);

  // Writes `fields` after "t_ns" (monotonic nanoseconds since the emulator started) and flushes,
  // so a trace survives a crash of the emulator.
  void write(const nlohmann::ordered_json& fields);

 private:
  std::ofstream out_;
  const Clock& clock_;
  Instant origin_;
};

// A telemetry record as the trace writes it: {"kind":"record","type":"platform.start",...}.
[[nodiscard]] nlohmann::ordered_json trace_record(const core::Record& record);

}  // namespace lambda_emu::driver

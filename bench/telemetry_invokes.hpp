#pragma once
// Telemetry never delays an invoke: the same back-to-back warm invokes through lambda-emu without
// extensions and with one Telemetry API subscriber whose listener answers every batch slowly
// (test-extension --mode telemetry:platform,function --listener-delay MS, buffering timeoutMs 25,
// so batches are always waiting to go). The subscriber registers for SHUTDOWN only: it takes no
// part in invokes, so any difference is the telemetry delivery's.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "invoke_loop.hpp"
#include "run_context.hpp"

namespace bench {

// What the slow listener received, read back from its record file.
struct TelemetryDelivery {
  bool known = false;  // false: no record file (error says why)
  std::string error;
  std::size_t batches = 0;         // over the emulator's whole life (Init and shutdown included)
  std::size_t batches_in_run = 0;  // received while the measured invokes ran
  std::size_t records = 0;
  std::size_t records_in_run = 0;
  std::size_t max_batch = 0;          // records in the largest batch
  std::size_t dropped_notices = 0;    // platform.logsDropped records received
  std::uint64_t dropped_records = 0;  // the records they say were dropped
};

struct TelemetryResult {
  std::size_t payload = 0;
  std::size_t iterations = 0;
  std::size_t warmup = 0;
  std::size_t block = 0;
  std::size_t listener_delay_ms = 0;
  std::string types;
  PathRun without;                          // no extension
  PathRun with;                             // a subscriber with a slow listener
  std::vector<double> duration_without_us;  // REPORT Duration of the measured invokes
  std::vector<double> duration_with_us;
  double run_seconds = 0;  // the measured invokes, both paths, wall time
  TelemetryDelivery delivery;
  bool ran = false;
};

TelemetryResult run_telemetry(Context& ctx);

}  // namespace bench

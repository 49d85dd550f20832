#pragma once
// Platform records and log lines as Telemetry API (2022-07-01) and Logs API (2020-08-15)
// events: the {"time","type","record"} envelope of section 5.3, keys in rapid's order.
//
//   if (auto ev = telemetry_event(record, "us-east-1")) batch.push_back(ev->dump());
//   batch.push_back(log_event(clock.wall_now(), LogSource::function, line).dump());
//   for (auto& ev : logs_api_events(record, /*with_runtime_done=*/true)) ...
//
// Dump with nlohmann::json::error_handler_t::replace: log lines are not always UTF-8.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lambda_emu/clock.hpp"
#include "lambda_emu/core/records.hpp"
#include "telemetry/log_source.hpp"

namespace lambda_emu::telemetry {

// "2022-10-21T14:05:03.165Z": UTC, millisecond precision, as every event's `time`.
[[nodiscard]] std::string iso_time(WallTime t);

// The Telemetry API event for `record`; nullopt for records that are no Telemetry API event
// (ShutdownRecord, a Logs API subscription). `region` builds runtimeVersionArn.
[[nodiscard]] std::optional<nlohmann::ordered_json> telemetry_event(const core::Record& record,
                                                                    std::string_view region);

// A line of the runtime's or an extension's output: {"time","type":"function","record":"…"}.
// The same shape serves the Logs API.
[[nodiscard]] nlohmann::ordered_json log_event(WallTime time, LogSource source,
                                               std::string_view line);

// The Logs API events for `record`, in delivery order: platform.start, platform.runtimeDone
// (schema 2021-03-18 only: `with_runtime_done`), platform.fault + platform.end +
// platform.report for a report, platform.extension, platform.logsSubscription. Empty for
// records the Logs API does not know (init records, telemetry subscriptions, shutdown).
[[nodiscard]] std::vector<nlohmann::ordered_json> logs_api_events(const core::Record& record,
                                                                  bool with_runtime_done);

// platform.logsDropped: what a subscriber lost, and why (C64). Same shape in both APIs.
[[nodiscard]] nlohmann::ordered_json logs_dropped_event(WallTime time, std::uint64_t dropped_bytes,
                                                        std::uint64_t dropped_records,
                                                        std::string_view reason);

}  // namespace lambda_emu::telemetry

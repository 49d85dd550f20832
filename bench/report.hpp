#pragma once
// The report: a readable table on stdout, and the same figures as JSON.
#include <string>

#include <nlohmann/json.hpp>

#include "cold_start.hpp"
#include "extension_invokes.hpp"
#include "pool_invokes.hpp"
#include "run_context.hpp"
#include "stream_invokes.hpp"
#include "telemetry_invokes.hpp"
#include "warm_invokes.hpp"

namespace bench {

// Print the table for each part and return its JSON (an empty array / null if it did not run).
nlohmann::json report_warm(const WarmResult& warm);
nlohmann::json report_extensions(const ExtensionResult& ext);
nlohmann::json report_telemetry(const TelemetryResult& tel);
nlohmann::json report_streaming(const StreamResult& stream);
nlohmann::json report_pool(const PoolResult& pool);
nlohmann::json report_cold(const ColdResult& cold);

// One line saying where the processes ran.
std::string placement_text(const Context& ctx);

// The three load averages from /proc/loadavg.
std::string load_average();

}  // namespace bench

#pragma once
// A lambda-emu whose every invoke is a cold start (`serve --fresh-sandboxes`), traced, so that
// each cold start can wait until the previous sandbox is gone: a shutdown still running would
// share the CPUs with the next start. Calibration and validation measure cold starts this way.
//
//   ColdServe cold = make_cold_serve("bare", ctx.tmp / "bare");
//   cold.variant.options.insert(...);           // more `serve` options
//   if (!start_variant(ctx, cold.variant)) ...
//   auto t = invoke_cold(cold, payload, kMeasured, &error);   // then its sandbox has stopped
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "emulator_variant.hpp"
#include "http_client.hpp"
#include "trace_lines.hpp"

namespace bench {

struct ColdServe {
  EmulatorVariant variant;
  TraceReader trace;
  std::size_t sent = 0;
};

// `label`'s variant, logging to `base`.log and tracing to `base`.trace.jsonl.
ColdServe make_cold_serve(const std::string& label, const std::filesystem::path& base);

// One cold invoke, then waits (up to `stop_timeout`) until its sandbox has stopped. nullopt, with
// *error set, if the invoke failed (I/O, status, a function error) or the sandbox did not stop.
std::optional<HttpClient::StreamTiming> invoke_cold(ColdServe& s, const std::string& payload,
                                                    int phase,
                                                    std::chrono::milliseconds stop_timeout,
                                                    std::string* error);

// Empty if the invoke was answered 200 without a function error; else what went wrong.
std::string invoke_error(const HttpClient::StreamTiming& t);

}  // namespace bench

#pragma once
// One lambda-emu instance measured as one path of an interleaved comparison: its layer, its own
// log file (read back for the REPORT lines), its client, and the phase of every invoke it got.
// With one sequential client per instance, the n-th REPORT line belongs to the n-th invoke.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "http_client.hpp"
#include "invoke_loop.hpp"
#include "report_lines.hpp"
#include "run_context.hpp"

namespace bench {

struct EmulatorVariant {
  std::string label;                 // as printed: "no extension", "3 extensions"
  std::string opt_dir;               // --opt-dir
  std::string log_path;              // its stdout and stderr
  std::vector<std::string> options;  // more `serve` options
  std::string bootstrap;             // empty: test-runtime's echo handler
  bool every_invoke_cold = false;    // --fresh-sandboxes: an Init Duration on every REPORT
  Child child;
  std::unique_ptr<HttpClient> client;
  std::vector<int> phases;          // the phase of every invoke sent, in order
  std::vector<ReportLine> reports;  // read back after it stopped
};

// Starts lambda-emu with the variant's layer, writing to its log, and connects a client (requests
// time out after kColdTimeout, so a hung invoke ends the run instead of hanging it). False, with
// the reason in ctx.failures, if it could not.
bool start_variant(Context& ctx, EmulatorVariant& v);

// invoke_n on the variant's client, remembering `phase` for each invoke.
void invoke_variant(EmulatorVariant& v, const std::string& payload, std::size_t n, PathRun* record,
                    int phase, bool compare_first, std::chrono::microseconds pause = {});

// One invoke on the variant's client, remembering `phase`, its response read as it arrives (so
// the first byte is timed too) and not kept. Throws on I/O errors and timeouts; the status is the
// caller's to check.
HttpClient::StreamTiming invoke_variant_timed(EmulatorVariant& v, const std::string& payload,
                                              int phase);

// Closes the client, records an unexpected exit as a failure, stops lambda-emu, reads its REPORT
// lines and appends its log to --emulator-log if one was given.
void stop_variant(Context& ctx, EmulatorVariant& v, const std::string& part);

// One REPORT line per invoke, each a success with a Duration, Init Duration on the first one
// only (on every one with every_invoke_cold). A mismatch is recorded in ctx.failures naming the
// variant and the first difference.
bool check_reports(Context& ctx, const EmulatorVariant& v, const std::string& part);

// REPORT Duration, in microseconds, of the invokes of one phase, in order (empty if the REPORT
// lines do not match the invokes one to one).
std::vector<double> report_durations_us(const EmulatorVariant& v, int phase);

}  // namespace bench

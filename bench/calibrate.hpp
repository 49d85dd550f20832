#pragma once
// `lambda-emu calibrate` (lambda-emu-bench calibrate): measures the constants of this machine the
// model needs (wrapper_sim/sim/calibration.hpp) and writes them as its calibration file.
//
//   http_hop         one loopback HTTP/1.1 keep-alive round trip to the floor's echo server
//   invoke_overhead  a warm invoke through `lambda-emu serve` of a runtime that does nothing: the
//                    client's whole round trip
//   runtime_exchange those warm invokes' REPORT Duration: the runtime's Runtime API exchange
//   process_spawn    a cold invoke's (`serve --fresh-sandboxes`) Init Duration: the runtime's
//                    spawn and its own start, up to its first /next
//   sandbox_setup    the rest of the cold invoke beyond invoke_overhead: the environment's setup
//   process_exit     each of those sandboxes' shutdown: SIGTERM to the runtime's reaped exit
//   sleep_wake       warm invokes of handlers that sleep 0.1, 1, 5 and 20 ms: REPORT Duration
//                    minus the sleep and runtime_exchange, how late such a sleep wakes
//                    (wrapper runtime only)
//   base64           emulator/api/base64.cpp (the wrapper runtime's), ns per byte encoded
//
// Each is a median. The runtime is the wrapper runtime with a scenario of no costs at all, so
// validation's measurements carry the same runtime's own work (else test-runtime's echo handler,
// which `--runtime echo` also picks). Rounds interleave the measurements, so drift hits all
// alike, after a discarded warm-up of each.
#include <cstddef>
#include <string>
#include <vector>

#include "run_context.hpp"
#include "sim/calibration.hpp"

namespace bench {

struct CalibrateSettings {
  std::string wrapper;   // lambda-emu-wrapper; empty: test-runtime's echo handler
  int memory_mb = 1024;  // `serve --memory`: the scenario default
  std::size_t payload_bytes = 1024;
  std::size_t rounds = 10;
  std::size_t hops = 200;  // per round
  std::size_t warm = 200;  // per round
  std::size_t cold = 3;    // per round
  std::size_t sleeps = 5;  // per round and handler sleep
};

struct CalibrationRun {
  lambda_emu::wrapper_sim::Calibration calibration;
  std::string runtime;            // which runtime was measured, in words
  std::vector<std::string> text;  // the figures, one line each, for stderr
  bool ok = false;                // false: ctx.failures says why
};

// Measures, with ctx's emulator, arguments and scratch directory.
CalibrationRun measure_calibration(Context& ctx, const CalibrateSettings& settings);

// "host, 2 CPUs, Linux 6.1.0, 2026-11-30T13:05Z": where and when.
std::string describe_machine();

// The subcommand: `lambda-emu-bench calibrate [options]`; args follow "calibrate". Returns the
// exit code (0 written, 1 failed, 2 bad usage).
int run_calibrate(const std::vector<std::string>& args);

}  // namespace bench

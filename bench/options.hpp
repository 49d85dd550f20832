#pragma once
// The command line of lambda-emu-bench and the per-size defaults derived from it.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bench {

struct Options {
  std::string emulator;
  std::vector<std::string> emulator_args;  // added to every `lambda-emu serve`
  std::string runtime;
  std::string extension;  // test-extension, for the extension and telemetry parts
  std::vector<std::size_t> sizes{100, 100'000, 1'000'000};
  std::optional<std::size_t> iterations;  // at the smallest size; larger sizes get fewer
  std::size_t warmup = 200;               // at 100 B; larger sizes get fewer
  std::size_t block = 100;
  std::size_t cold_runs = 20;
  std::optional<std::size_t> ext_iterations;        // per path and phase; default 3000
  std::optional<std::size_t> telemetry_iterations;  // per path; default 20000
  std::size_t listener_delay_ms = 200;              // the slow telemetry listener, per batch
  std::size_t stream_runs = 200;                    // streamed 10 MiB responses per path
  std::vector<std::size_t> pool_sizes{1, 2, 4, 8};  // sandboxes (and clients) of each pool run
  std::optional<std::size_t> pool_iterations;       // per client and round; default 6000
  std::size_t pool_rounds = 2;                      // alternately forward and backward over N
  std::string json_path;
  std::string emulator_log;
  bool quick = false;
  double quick_scale = 1;  // --quick: 1/10 of the default iterations
  bool pin = false;
  bool floor_only = false;
  bool warm = true;
  bool extensions = true;
  bool telemetry = true;
  bool streaming = true;
  bool pool = true;
  bool cold = true;
};

// Parses the benchmark's options (not the --serve-* subcommands). Prints the usage and exits
// on --help; throws std::invalid_argument on bad input.
Options parse_options(int argc, char** argv);

// A whole number for option `what`; throws std::invalid_argument naming it.
std::size_t parse_count(std::string_view what, const std::string& text);

// "100 B", "100 KB", "1 MB", "1 MiB".
std::string format_size(std::size_t bytes);

// Default measured invokes for a payload size: 3000 at <= 100 B, 1000 at 100 KB, 300 at 1 MB,
// log-linear in between and inversely proportional beyond.
double base_iterations(std::size_t size);

}  // namespace bench

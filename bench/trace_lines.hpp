#pragma once
// lambda-emu's lifecycle trace (`serve --trace FILE`, README "Lifecycle trace"), read as it grows:
// how many sandboxes have stopped, and the figures REPORT lines do not carry: every invoke's
// extension overhead, every shutdown's duration, and how long each Init waited for its
// extensions.
//
//   TraceReader trace(path);
//   ... one cold invoke on `serve --fresh-sandboxes --trace path` ...
//   if (!trace.wait_stopped(1, std::chrono::seconds(15))) { ... }
//   trace.shutdown_ms();
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace bench {

class TraceReader {
 public:
  explicit TraceReader(std::string path) : path_(std::move(path)) {}

  // Reads the lines appended since the last call (a line still being written waits for the next).
  void poll();
  // Polls until `n` sandboxes have stopped in all; false at the deadline.
  bool wait_stopped(std::size_t n, std::chrono::milliseconds timeout);
  // One trace line, as poll() reads them (for tests).
  void line(std::string_view text);

  [[nodiscard]] std::size_t sandboxes_stopped() const { return stopped_; }
  // platform.report's extensionOverheadMs, per invoke.
  [[nodiscard]] const std::vector<double>& extension_overhead_ms() const { return overhead_ms_; }
  // The shutdown record's durationMs, per sandbox shut down.
  [[nodiscard]] const std::vector<double>& shutdown_ms() const { return shutdown_ms_; }
  // Per Init of a sandbox with extensions: platform.initStart to the last extension's first Ready
  // (its first /event/next), as the model's extension_init.
  [[nodiscard]] const std::vector<double>& extension_init_ms() const { return extension_init_ms_; }

 private:
  struct Init {
    std::int64_t start_ns = -1;
    std::map<std::string, std::int64_t> ready_ns;  // each extension's first Ready
  };
  void close_init(std::int64_t sandbox);

  std::string path_;
  std::uint64_t offset_ = 0;
  std::string partial_;
  std::size_t stopped_ = 0;
  std::vector<double> overhead_ms_;
  std::vector<double> shutdown_ms_;
  std::vector<double> extension_init_ms_;
  std::map<std::int64_t, Init> inits_;  // by sandbox, until its first invoke starts
};

}  // namespace bench

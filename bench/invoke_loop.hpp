#pragma once
// The sequential invoke loop every warm measurement shares: send, read the whole response, check
// it, record the latency; and the order in which interleaved paths take their turns.
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "http_client.hpp"

namespace bench {

// One path's measured invokes.
struct PathRun {
  std::vector<double> samples_us;
  std::size_t errors = 0;
  std::string first_error;
};

// n sequential invokes of `payload` at the invoke path; every response must be 200 with the payload
// echoed back (the full body is compared on the first invoke if compare_first, the length on all).
// With a pause, the client sleeps that long before each invoke (not timed); otherwise each invoke
// is sent as soon as the previous response was read. Latencies and bad responses go to *record
// (if not null). Throws on I/O errors and timeouts.
void invoke_n(HttpClient& client, const std::string& payload, std::size_t n, PathRun* record,
              bool compare_first, std::chrono::microseconds pause = {});

// The order of `count` interleaved paths in block `block_index`: forward in even blocks, reversed
// in odd ones (A B C, C B A, ...: ABBA generalised), so drift and ordering hit every path alike.
std::vector<std::size_t> interleaved_order(std::size_t count, std::size_t block_index);

// `total` invokes on each of `paths` paths, in blocks of at most `block`, the paths taking turns in
// interleaved_order: run(path, n, first) sends path's next n invokes (first: its first block).
void run_interleaved(std::size_t paths, std::size_t total, std::size_t block,
                     const std::function<void(std::size_t path, std::size_t n, bool first)>& run);

}  // namespace bench

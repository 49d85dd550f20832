#include "invoke_loop.hpp"

#include <algorithm>
#include <numeric>
#include <thread>

#include "run_context.hpp"

namespace bench {

namespace {

void note_error(PathRun& run, std::string what) {
  if (run.errors++ == 0)
    run.first_error = std::move(what);
}

}  // namespace

void invoke_n(HttpClient& client, const std::string& payload, std::size_t n, PathRun* record,
              bool compare_first, std::chrono::microseconds pause) {
  for (std::size_t i = 0; i < n; ++i) {
    if (pause.count() > 0)
      std::this_thread::sleep_for(pause);
    const auto t0 = Clock::now();
    const unsigned status = client.post(kInvokePath, payload);
    const auto t1 = Clock::now();
    if (!record)
      continue;
    record->samples_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    if (status != 200) {
      note_error(*record, "HTTP " + std::to_string(status) + ": " + client.body().substr(0, 200));
    } else if (client.body().size() != payload.size() ||
               (compare_first && i == 0 && client.body() != payload)) {
      note_error(*record, "response body differs from the event (" +
                              std::to_string(client.body().size()) + " bytes for " +
                              std::to_string(payload.size()) + ")");
    }
  }
}

std::vector<std::size_t> interleaved_order(std::size_t count, std::size_t block_index) {
  std::vector<std::size_t> order(count);
  std::iota(order.begin(), order.end(), std::size_t{0});
  if (block_index % 2 == 1)
    std::reverse(order.begin(), order.end());
  return order;
}

void run_interleaved(std::size_t paths, std::size_t total, std::size_t block,
                     const std::function<void(std::size_t path, std::size_t n, bool first)>& run) {
  block = std::max<std::size_t>(block, 1);
  std::size_t block_index = 0;
  for (std::size_t done = 0; done < total; done += block, ++block_index) {
    const std::size_t n = std::min(block, total - done);
    for (const std::size_t path : interleaved_order(paths, block_index))
      run(path, n, done == 0);
  }
}

}  // namespace bench

#include "trace_lines.hpp"

#include <algorithm>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

namespace bench {

void TraceReader::poll() {
  std::ifstream in(path_, std::ios::binary);
  if (!in)
    return;  // not written yet
  in.seekg(static_cast<std::streamoff>(offset_));
  std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  offset_ += chunk.size();
  partial_ += chunk;
  std::size_t start = 0;
  for (std::size_t nl = partial_.find('\n'); nl != std::string::npos;
       nl = partial_.find('\n', start)) {
    line(std::string_view(partial_).substr(start, nl - start));
    start = nl + 1;
  }
  partial_.erase(0, start);
}

bool TraceReader::wait_stopped(std::size_t n, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    poll();
    if (stopped_ >= n)
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void TraceReader::line(std::string_view text) {
  // Most lines are transitions of the runtime and requests: parse only the few that count.
  const bool stopped = text.find(R"("kind":"sandbox_stopped")") != std::string_view::npos;
  const bool record = text.find(R"("kind":"record")") != std::string_view::npos;
  const bool extension = text.find(R"("actor":"extension )") != std::string_view::npos;
  if (!stopped && !record && !extension)
    return;
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object())
    return;
  const std::int64_t sandbox = j.value("sandbox", std::int64_t{0});
  const std::int64_t t = j.value("t_ns", std::int64_t{0});
  if (stopped) {
    ++stopped_;
    inits_.erase(sandbox);
    return;
  }
  if (extension) {
    auto it = inits_.find(sandbox);
    if (it != inits_.end() && j.value("to", "") == "Ready")
      it->second.ready_ns.emplace(j.value("actor", ""), t);  // the first Ready only
    return;
  }
  const std::string type = j.value("type", "");
  if (type == "platform.initStart") {
    inits_[sandbox] = Init{t, {}};
  } else if (type == "platform.start") {
    close_init(sandbox);
  } else if (type == "platform.report") {
    overhead_ms_.push_back(j.value("extensionOverheadMs", 0.0));
  } else if (type == "shutdown") {
    shutdown_ms_.push_back(j.value("durationMs", 0.0));
  }
}

void TraceReader::close_init(std::int64_t sandbox) {
  const auto it = inits_.find(sandbox);
  if (it == inits_.end())
    return;
  if (!it->second.ready_ns.empty()) {
    std::int64_t last = it->second.start_ns;
    for (const auto& [name, at] : it->second.ready_ns)
      last = std::max(last, at);
    extension_init_ms_.push_back(static_cast<double>(last - it->second.start_ns) / 1e6);
  }
  inits_.erase(it);
}

}  // namespace bench

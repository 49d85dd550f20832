#include "driver/log_tails.hpp"

namespace lambda_emu::driver {

void LogTails::started(const std::string& request_id) {
  if (const auto t = tails_.find(request_id); t != tails_.end()) {
    t->second.started = true;
  }
}

void LogTails::line(const std::string& request_id, std::string_view text) {
  const auto t = tails_.find(request_id);
  if (t == tails_.end()) {
    return;
  }
  std::string& log = t->second.text;
  log.append(text).push_back('\n');
  if (log.size() > max_tail_bytes) {
    log.erase(0, log.size() - max_tail_bytes);
  }
}

void LogTails::with_tail(const std::string& request_id, Finish finish) {
  const auto t = tails_.find(request_id);
  if (t == tails_.end()) {
    finish(std::nullopt);
    return;
  }
  // An invoke that started has a REPORT coming; one refused before it started has none.
  if (t->second.started) {
    t->second.finish = std::move(finish);
    return;
  }
  std::string log = std::move(t->second.text);
  tails_.erase(t);
  finish(std::move(log));
}

void LogTails::reported(const std::string& request_id) {
  const auto t = tails_.find(request_id);
  if (t == tails_.end()) {
    return;
  }
  t->second.started = false;
  if (t->second.finish) {
    Finish finish = std::move(t->second.finish);
    std::string log = std::move(t->second.text);
    tails_.erase(t);
    finish(std::move(log));
  }
}

}  // namespace lambda_emu::driver

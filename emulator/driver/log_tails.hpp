#pragma once
// LogTails: the last 4 KB of log of the invokes whose callers asked for it (X-Amz-Log-Type:
// Tail), and their answers, held until the invoke's REPORT line is out.
//
//   tails.want(id);                          // the caller asked
//   tails.started(id); tails.line(id, ...);  // START, then every line of its sandbox
//   tails.with_tail(id, finish);             // the outcome is ready: finish(log) now or at REPORT
//   tails.reported(id);                      // REPORT: held answers go out
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace lambda_emu::driver {

class LogTails {
 public:
  using Finish = std::function<void(std::optional<std::string>)>;
  static constexpr std::size_t max_tail_bytes = 4096;

  void want(const std::string& request_id) { tails_[request_id] = Tail{}; }
  [[nodiscard]] bool wanted(const std::string& request_id) const {
    return tails_.contains(request_id);
  }
  void forget(const std::string& request_id) { tails_.erase(request_id); }
  // Its START is out: a REPORT will follow.
  void started(const std::string& request_id);
  void line(const std::string& request_id, std::string_view text);
  // Runs `finish` with the invoke's log tail (nullopt when nobody asked for it) now, or once the
  // invoke's REPORT is out.
  void with_tail(const std::string& request_id, Finish finish);
  // Its REPORT is out: the log is complete.
  void reported(const std::string& request_id);

 private:
  struct Tail {
    std::string text;  // the last max_tail_bytes of it
    bool started = false;
    Finish finish;  // the held answer, given the log
  };
  std::unordered_map<std::string, Tail> tails_;  // by request id
};

}  // namespace lambda_emu::driver

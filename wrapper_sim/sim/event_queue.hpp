#pragma once
// EventQueue: the simulator's future, ordered by time and then by the order things were
// scheduled, so two events at the same instant always happen in the same order (determinism).
// Entries are small tags; the loop builds the lifecycle event when one comes due.
#include <cstdint>
#include <queue>
#include <vector>

#include "lambda_emu/clock.hpp"

namespace lambda_emu::wrapper_sim {

enum class Due : std::uint8_t {
  init_ahead,           // the sandbox initializes before any invoke (provisioned, proactive)
  arrive,               // the caller sends the next invoke
  runtime_next,         // the runtime calls /next
  runtime_response,     // the runtime posts a buffered response
  stream_start,         // the runtime's streamed response begins (first byte)
  stream_end,           // ... and ends
  runtime_exit,         // the runtime process exits
  extension_register,   // extension `index` registers
  extension_subscribe,  // ... subscribes to the Telemetry API
  extension_next,       // ... calls /event/next
  extension_exit,       // ... exits
};

struct Scheduled {
  Instant at;
  std::uint64_t seq = 0;
  std::uint64_t epoch = 0;  // the sandbox it was scheduled for: later sandboxes reuse ids
  Due what = Due::arrive;
  std::uint32_t index = 0;  // which extension
  std::uint64_t arg = 0;    // a process generation
};

class EventQueue {
 public:
  void push(Instant at, Due what, std::uint32_t index = 0, std::uint64_t arg = 0) {
    heap_.push(Scheduled{at, next_seq_++, epoch_, what, index, arg});
  }
  // What is pushed from now on belongs to sandbox `epoch`.
  void set_epoch(std::uint64_t epoch) { epoch_ = epoch; }
  [[nodiscard]] bool empty() const { return heap_.empty(); }
  [[nodiscard]] const Scheduled& top() const { return heap_.top(); }
  [[nodiscard]] Scheduled pop() {
    Scheduled s = heap_.top();
    heap_.pop();
    return s;
  }

 private:
  struct Later {
    bool operator()(const Scheduled& a, const Scheduled& b) const {
      return a.at != b.at ? a.at > b.at : a.seq > b.seq;
    }
  };
  std::priority_queue<Scheduled, std::vector<Scheduled>, Later> heap_;
  std::uint64_t next_seq_ = 0;
  std::uint64_t epoch_ = 0;
};

}  // namespace lambda_emu::wrapper_sim

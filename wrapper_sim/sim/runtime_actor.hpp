#pragma once
// RuntimeActor: the modeled runtime process of one sandbox. It takes the time the scenario's
// costs say, the way the wrapper runtime (wrapper_sim/bootstrap) spends them for real:
//
//   spawn     process start (calibrated), the language runtime's init, each stage's init in
//             order (an http_server's startup seen at its next readiness poll), the handler's
//             init, then the first /next
//   deliver   pre-handler: every js_shim, every http_server hop (its work, a loopback round
//             trip, base64 of the payload); the handler; the response: base64 of it across an
//             http_server, then buffered, or streamed after the bridge's first-byte cost in
//             chunks with their cost; then /next at once
//
// Its calls come back through the EventQueue; the simulator turns them into lifecycle events.
#include <memory>
#include <optional>
#include <string>

#include "lambda_emu/core/events.hpp"
#include "scenario/scenario.hpp"
#include "sim/calibration.hpp"
#include "sim/event_queue.hpp"
#include "sim/phase.hpp"
#include "sim/streams.hpp"

namespace lambda_emu::wrapper_sim {

class RuntimeActor {
 public:
  RuntimeActor(const Scenario& scenario, const Variant& variant, const Calibration& calibration,
               Streams& streams, EventQueue& queue, Samples& samples);

  void spawn(Instant now, core::Generation generation);
  void deliver(Instant now, std::shared_ptr<const core::Invoke> invoke,
               std::uint64_t payload_bytes);
  // Any signal ends it at once: the model's runtime has nothing to clean up.
  void signal(Instant now);

  // A scheduled call of the process that is running now (not of one that since exited).
  [[nodiscard]] bool current(std::uint64_t generation) const {
    return alive_ && generation == generation_;
  }
  [[nodiscard]] core::Generation generation() const { return generation_; }
  [[nodiscard]] const std::string& request_id() const { return invoke_->request_id; }
  // When the response to the invoke being handled is out (its last byte).
  [[nodiscard]] std::optional<Instant> response_end() const { return response_end_; }
  [[nodiscard]] std::uint64_t response_bytes() const { return response_bytes_; }
  void next_called() {
    response_end_.reset();
    invoke_.reset();
  }

 private:
  [[nodiscard]] Duration stage_cost(std::size_t stage, const costs::Cost& cost);

  const Scenario& scenario_;
  const Variant& variant_;
  const Calibration& calibration_;
  Streams& streams_;
  EventQueue& queue_;
  Samples& samples_;
  bool streams_response_ = false;
  // What goes on the wire, framing included. The model sends sizes, not bytes: no body, no
  // content type.
  std::uint64_t response_bytes_ = 0;

  core::Generation generation_ = 0;
  bool alive_ = false;
  // The invoke being handled, until the next /next: held, not copied, and let go of then so
  // the simulator can reuse it.
  std::shared_ptr<const core::Invoke> invoke_;
  std::optional<Instant> response_end_;
};

}  // namespace lambda_emu::wrapper_sim

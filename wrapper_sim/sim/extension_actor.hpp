#pragma once
// ExtensionActor: a modeled external extension process (an `extension` stage), as the wrapper
// extension (wrapper_sim/bootstrap) behaves for real: it registers once started, spends its init,
// subscribes to telemetry (one loopback round trip) when asked to, then calls /event/next. On an
// INVOKE it waits for the runtime's word that the response is out (one round trip after the
// last byte), spends post_invoke and calls next. On SHUTDOWN it spends `shutdown` and exits.
#include <optional>
#include <string>

#include "costs/random.hpp"
#include "lambda_emu/core/events.hpp"
#include "sim/calibration.hpp"
#include "sim/event_queue.hpp"
#include "stages/extension_stage.hpp"

namespace lambda_emu::wrapper_sim {

class ExtensionActor {
 public:
  ExtensionActor(const ExtensionStage& stage, std::uint32_t index, int memory_mb,
                 const Calibration& calibration, costs::Random& random, EventQueue& queue);

  void spawn(Instant now, core::Generation generation);
  // The core accepted its registration: init, then subscribe or call next.
  void registered(Instant now);
  void subscribed(Instant now);
  // Its /event/next was answered.
  void invoked() { awaiting_response_ = true; }
  void shut_down(Instant now);
  void signal(Instant now);
  // The runtime's response is out at `end`: post-invoke work follows its notification.
  void response_out(Instant end);
  void next_called(Instant now);

  void exited() { alive_ = false; }

  // A scheduled call of the process that runs now and is not on its way out.
  [[nodiscard]] bool current(std::uint64_t generation) const {
    return alive_ && !exiting_ && generation == generation_;
  }
  [[nodiscard]] core::Generation generation() const { return generation_; }
  [[nodiscard]] const std::string& name() const { return stage_.name; }
  [[nodiscard]] const std::string& identifier() const { return identifier_; }
  [[nodiscard]] bool telemetry() const { return stage_.telemetry; }
  [[nodiscard]] bool awaiting_response() const { return awaiting_response_; }
  // Since spawn, when its first next came; empty before.
  [[nodiscard]] std::optional<Duration> init_time() const { return init_time_; }

 private:
  const ExtensionStage& stage_;
  int memory_mb_;
  const Calibration& calibration_;
  costs::Random& random_;
  EventQueue& queue_;
  std::uint32_t index_;
  std::string identifier_;

  core::Generation generation_ = 0;
  bool alive_ = false;
  bool exiting_ = false;  // its exit is scheduled
  bool awaiting_response_ = false;
  Instant spawned_{};
  std::optional<Duration> init_time_;
};

}  // namespace lambda_emu::wrapper_sim

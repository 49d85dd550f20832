#include "sim/extension_actor.hpp"

namespace lambda_emu::wrapper_sim {

ExtensionActor::ExtensionActor(const ExtensionStage& stage, std::uint32_t index, int memory_mb,
                               const Calibration& calibration, costs::Random& random,
                               EventQueue& queue)
    : stage_(stage),
      memory_mb_(memory_mb),
      calibration_(calibration),
      random_(random),
      queue_(queue),
      index_(index),
      identifier_("extension-" + std::to_string(index)) {}

void ExtensionActor::spawn(Instant now, core::Generation generation) {
  generation_ = generation;
  alive_ = true;
  exiting_ = false;
  awaiting_response_ = false;
  spawned_ = now;
  init_time_.reset();
  queue_.push(now + calibration_.process_spawn, Due::extension_register, index_, generation);
}

void ExtensionActor::registered(Instant now) {
  const Instant ready = now + calibration_.spent(stage_.init, random_, memory_mb_);
  if (stage_.telemetry) {
    queue_.push(ready + calibration_.http_hop, Due::extension_subscribe, index_, generation_);
  } else {
    queue_.push(ready, Due::extension_next, index_, generation_);
  }
}

void ExtensionActor::subscribed(Instant now) {
  queue_.push(now, Due::extension_next, index_, generation_);
}

void ExtensionActor::response_out(Instant end) {
  awaiting_response_ = false;
  queue_.push(
      end + calibration_.http_hop + calibration_.spent(stage_.post_invoke, random_, memory_mb_),
      Due::extension_next, index_, generation_);
}

void ExtensionActor::next_called(Instant now) {
  if (!init_time_) {
    init_time_ = now - spawned_;
  }
}

void ExtensionActor::shut_down(Instant now) {
  exiting_ = true;
  queue_.push(
      now + calibration_.spent(stage_.shutdown, random_, memory_mb_) + calibration_.process_exit,
      Due::extension_exit, index_, generation_);
}

void ExtensionActor::signal(Instant now) {
  if (alive_ && !exiting_) {
    exiting_ = true;
    queue_.push(now + calibration_.process_exit, Due::extension_exit, index_, generation_);
  }
}

}  // namespace lambda_emu::wrapper_sim

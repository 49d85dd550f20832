#include "sim/runtime_actor.hpp"

#include <utility>

namespace lambda_emu::wrapper_sim {

RuntimeActor::RuntimeActor(const Scenario& scenario, const Variant& variant,
                           const Calibration& calibration, Streams& streams, EventQueue& queue,
                           Samples& samples)
    : scenario_(scenario),
      variant_(variant),
      calibration_(calibration),
      streams_(streams),
      queue_(queue),
      samples_(samples),
      streams_response_(variant.streams(scenario.handler)),
      response_bytes_(scenario.handler.response_bytes) {
  for (const Stage& s : variant_.stages) {
    if (const auto* bridge = std::get_if<StreamingBridge>(&s); bridge && bridge->http_integration) {
      response_bytes_ += http_integration_prelude.size() + http_integration_delimiter_bytes;
    }
  }
}

Duration RuntimeActor::stage_cost(std::size_t stage, const costs::Cost& cost) {
  return calibration_.spent(cost, streams_.stage[stage], scenario_.memory_mb);
}

void RuntimeActor::spawn(Instant now, core::Generation generation) {
  generation_ = generation;
  alive_ = true;
  const int mb = scenario_.memory_mb;
  const Duration runtime_init =
      calibration_.process_spawn + calibration_.spent(scenario_.runtime.init, streams_.base, mb);
  Duration function_init{0};
  for (std::size_t i = 0; i < variant_.stages.size(); ++i) {
    const Stage& s = variant_.stages[i];
    if (const auto* shim = std::get_if<JsShim>(&s)) {
      function_init += stage_cost(i, shim->init);
    } else if (const auto* server = std::get_if<HttpServer>(&s)) {
      function_init += server->ready_after(stage_cost(i, server->startup), calibration_.http_hop);
    }
  }
  function_init += calibration_.spent(scenario_.handler.init, streams_.base, mb);
  samples_.add(Phase::runtime_init, runtime_init);
  samples_.add(Phase::function_init, function_init);
  queue_.push(now + runtime_init + function_init, Due::runtime_next, 0, generation);
}

void RuntimeActor::deliver(Instant now, std::shared_ptr<const core::Invoke> invoke,
                           std::uint64_t payload_bytes) {
  invoke_ = std::move(invoke);
  Duration pre{0};
  Duration response{0};
  Duration first_byte{0};
  Duration chunks{0};
  for (std::size_t i = 0; i < variant_.stages.size(); ++i) {
    const Stage& s = variant_.stages[i];
    if (const auto* shim = std::get_if<JsShim>(&s)) {
      pre += stage_cost(i, shim->per_invoke);
    } else if (const auto* server = std::get_if<HttpServer>(&s)) {
      pre += stage_cost(i, server->per_invoke) + calibration_.http_hop;
      if (server->base64) {
        // Each body is encoded on one side of the hop and decoded on the other.
        pre += 2 * calibration_.base64(payload_bytes);
        response += 2 * calibration_.base64(scenario_.handler.response_bytes);
      }
    } else if (const auto* bridge = std::get_if<StreamingBridge>(&s)) {
      first_byte += stage_cost(i, bridge->first_byte);
      for (std::uint64_t c = bridge->chunks(scenario_.handler.response_bytes); c > 0; --c) {
        chunks += stage_cost(i, bridge->per_chunk);
      }
    }
  }
  const Duration handler =
      calibration_.spent(scenario_.handler.work, streams_.base, scenario_.memory_mb);
  const Instant handler_end = now + pre + handler;
  const Instant first = handler_end + response + first_byte;
  const Instant end = first + chunks;
  if (streams_response_) {
    queue_.push(first, Due::stream_start, 0, generation_);
    queue_.push(end, Due::stream_end, 0, generation_);
  } else {
    queue_.push(end, Due::runtime_response, 0, generation_);
  }
  // The runtime's next /next follows its response by the Runtime API exchange REPORT Duration
  // counts even for a runtime that does nothing.
  queue_.push(end + calibration_.runtime_exchange, Due::runtime_next, 0, generation_);
  response_end_ = end;
  samples_.add(Phase::pre_handler, pre);
  samples_.add(Phase::handler, handler);
  samples_.add(Phase::response, end - handler_end);
}

void RuntimeActor::signal(Instant now) {
  if (alive_) {
    alive_ = false;
    invoke_.reset();
    queue_.push(now + calibration_.process_exit, Due::runtime_exit, 0, generation_);
  }
}

}  // namespace lambda_emu::wrapper_sim

#pragma once
// Stage: one piece of a wrapper design, as a scenario's variant lists them in order. Stages hold
// costs and sample nothing themselves: the wrapper runtime spends the costs for real, the
// simulator schedules them.
//
//   Stage s = parse_stage(fields);   // {"type": "js_shim", ...}
//   if (auto* shim = std::get_if<JsShim>(&s)) { ... }
#include <string_view>
#include <variant>

#include "stages/extension_stage.hpp"
#include "stages/http_server.hpp"
#include "stages/js_shim.hpp"
#include "stages/sandbox_stage.hpp"
#include "stages/streaming_bridge.hpp"

namespace lambda_emu::wrapper_sim {

using Stage = std::variant<JsShim, HttpServer, StreamingBridge, ExtensionStage, SandboxStage>;

// The scenario's name for the stage: "js_shim", "http_server", ...
[[nodiscard]] std::string_view stage_type(const Stage& stage);

// A stage object of a variant's stage list; its "type" says which.
[[nodiscard]] Stage parse_stage(Fields& f);

}  // namespace lambda_emu::wrapper_sim

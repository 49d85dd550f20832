#pragma once
// An extension stage with `telemetry: true` subscribes to the Telemetry API as telemetry agents
// do: a listener of its own on 127.0.0.1, platform events, and the smallest buffering Lambda
// allows (timeoutMs 25, maxItems 1000, maxBytes 262144), so batches come as soon as Lambda
// sends any. The listener reads each batch and answers 200; its cost is what the Telemetry API
// adds to the sandbox.
//
//   if (auto failed = subscribe_to_platform_telemetry(api)) { spdlog::error("{}", *failed); }
#include <optional>
#include <string>

#include "bootstrap/extensions_api.hpp"

namespace lambda_emu::wrapper_sim {

[[nodiscard]] std::optional<std::string> subscribe_to_platform_telemetry(ExtensionsApi& api);

}  // namespace lambda_emu::wrapper_sim

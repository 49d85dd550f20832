#pragma once
// The Lambda-Extension-Identifier check every Extensions, Telemetry and Logs API call starts
// with (section 4.6, C38, C59): present, and shaped like a UUID. Whether it names a registered
// extension is the lifecycle core's to say.
//
//   std::string id;
//   if (auto refused = check_extension_identifier(call.request, id)) return *refused;
#include <optional>
#include <string>

#include "http/payload_body.hpp"

namespace lambda_emu::api {

[[nodiscard]] std::optional<Response> check_extension_identifier(const Request& req,
                                                                 std::string& identifier);

}  // namespace lambda_emu::api

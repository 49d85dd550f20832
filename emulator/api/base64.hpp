#pragma once
// Standard base64 (RFC 4648, with padding): X-Amz-Client-Context in, streamed error bodies and
// log tails out.
#include <optional>
#include <string>
#include <string_view>

namespace lambda_emu::api {

[[nodiscard]] std::string base64_encode(std::string_view in);
// The decoded bytes, or nullopt when `in` is not valid base64.
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view in);

}  // namespace lambda_emu::api

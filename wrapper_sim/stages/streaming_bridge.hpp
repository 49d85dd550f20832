#pragma once
// StreamingBridge: turns the handler's output into a streamed Runtime API response. The caller's
// first byte comes after the bridge's setup (first_byte); then the response goes out in chunks of
// chunk_bytes, each with its own cost. `http_integration` writes the function-URL framing first
// (a JSON prelude and 8 NUL bytes, as OpenNext-style wrappers do).
//
//   {"type": "streaming_bridge", "chunk_bytes": 16384, "per_chunk": 0.05, "first_byte": 1,
//    "http_integration": true}
#include <cstdint>
#include <string_view>

#include "costs/cost.hpp"
#include "scenario/fields.hpp"

namespace lambda_emu::wrapper_sim {

struct StreamingBridge {
  std::uint64_t chunk_bytes = 16384;
  costs::Cost per_chunk;
  costs::Cost first_byte;
  bool http_integration = false;

  // Chunks for a body of `bytes` (at least one: an empty body still ends the stream).
  [[nodiscard]] std::uint64_t chunks(std::uint64_t bytes) const;

  [[nodiscard]] static StreamingBridge parse(Fields& f);
};

// The function-URL prelude a bridge with http_integration writes before the body, and the
// Content-Type that tells Lambda the stream begins with it.
inline constexpr std::string_view http_integration_content_type =
    "application/vnd.awslambda.http-integration-response";
inline constexpr std::string_view http_integration_prelude =
    R"({"statusCode":200,"headers":{"content-type":"application/octet-stream"}})";
inline constexpr std::size_t http_integration_delimiter_bytes = 8;  // NUL bytes after the prelude

}  // namespace lambda_emu::wrapper_sim

#pragma once
// StreamFraming: how a streamed body goes on the wire for one kind of caller. RIE's path sends
// the runtime's bytes as they are and the end in HTTP trailers; InvokeWithResponseStream wraps
// every piece in an event-stream message and ends with one more.
#include <string>
#include <string_view>

#include "http/response_stream.hpp"

namespace lambda_emu {

struct StreamFraming {
  std::string (*piece)(std::string_view bytes) = nullptr;    // null: the bytes as they are
  std::string (*end)(const ResponseStream::End&) = nullptr;  // a last piece; null: none
  bool error_trailers = false;  // the end's error in Lambda-Runtime-Function-Error-* trailers
  bool cut_on_error = false;    // an error ends the connection without the last chunk
};

// A streamed response of this Content-Type begins with a JSON prelude (status, headers,
// cookies) and 8 NUL bytes before the body (section 3.2).
inline constexpr std::string_view http_integration_type =
    "application/vnd.awslambda.http-integration-response";
inline constexpr std::string_view prelude_delimiter{"\0\0\0\0\0\0\0\0", 8};

}  // namespace lambda_emu

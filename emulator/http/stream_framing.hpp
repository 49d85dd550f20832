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
};

}  // namespace lambda_emu

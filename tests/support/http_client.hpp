#pragma once
// A small synchronous HTTP/1.1 client for integration tests, on Beast, with a deadline on every
// call. Each call opens its own connection to 127.0.0.1:<port> (Connection: close), so calls
// from several threads at once are fine.
//
//   HttpResult r = request(port, "POST", kInvokePath, R"({"a":1})", {{"X-Amzn-Trace-Id", "..."}});
//   CHECK(r.status == 200);
//   CHECK(r.header("x-amz-function-error") == "Unhandled");
//   std::string reply = raw_exchange(port, "BROKEN\r\n\r\n");
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lambda_emu::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResult {
  int status = 0;     // 0: no response (see error)
  std::string error;  // transport error or timeout; empty on success
  Headers headers;    // as received, in order
  std::string body;
  std::chrono::nanoseconds elapsed{0};

  // The first header of that name, compared case-insensitively.
  [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
  [[nodiscard]] bool has_header(std::string_view name) const { return header(name).has_value(); }
};

constexpr std::chrono::milliseconds kDefaultHttpTimeout{15000};

// One request on a new connection. Content-Length is set from `body` (also when empty for
// POST); `headers` are added as given. Never throws for network trouble: see HttpResult::error.
HttpResult request(std::uint16_t port, std::string_view method, std::string_view target,
                   std::string body = {}, const Headers& headers = {},
                   std::chrono::milliseconds timeout = kDefaultHttpTimeout);

// request(), handing each piece of a chunked body to `on_chunk` as it arrives (the result's body
// still has all of it); on_chunk returning false hangs up there. Trailers, if any, are in the
// result's headers.
HttpResult request_streaming(std::uint16_t port, std::string_view method, std::string_view target,
                             std::string body, const Headers& headers,
                             const std::function<bool(std::string_view)>& on_chunk,
                             std::chrono::milliseconds timeout = kDefaultHttpTimeout);

// Writes `bytes` as they are, then returns everything received until the server closes the
// connection or `timeout` passes (malformed-HTTP tests).
std::string raw_exchange(std::uint16_t port, std::string_view bytes,
                         std::chrono::milliseconds timeout = kDefaultHttpTimeout);

// Connects, writes `bytes` (e.g. half a request) and closes without reading: a client that
// goes away mid-request.
void send_partial_and_close(std::uint16_t port, std::string_view bytes);

}  // namespace lambda_emu::testing

#pragma once
// Function URLs (section 3.2, payload format 2.0): the event an HTTP request becomes, and the
// HTTP response a function's result becomes, buffered or streamed with the prelude. Pure
// translation; the front door is handle_function_url (function_url_api.cpp).
//
//   std::string event = url_event(req, {.request_id = id, ...});   // JSON for the runtime
//   UrlResponse r = url_response(outcome_body);                     // status, headers, body
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/payload_body.hpp"

namespace lambda_emu::api {

// What the event says about where the request came from.
struct UrlRequestContext {
  std::string request_id;
  std::string account_id;
  std::string region;
  std::string url_id;     // the <url-id> of https://<url-id>.lambda-url.<region>.on.aws
  std::string source_ip;  // the caller's address
  std::uint16_t port = 0;
  std::chrono::system_clock::time_point time;
};

// The payload format 2.0 event for `req`, as JSON text.
[[nodiscard]] std::string url_event(const Request& req, const UrlRequestContext& ctx);

// An HTTP response as the function described it.
struct UrlResponse {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::string> cookies;  // each one Set-Cookie
  std::string body;
};

// A buffered result: a JSON object with statusCode is a structured response (headers,
// cookies, body, isBase64Encoded); any other result is a 200 application/json body as it is.
// nullopt when it claims to be structured but is not (a bad statusCode, base64 that is not).
[[nodiscard]] std::optional<UrlResponse> url_response(std::string_view result);

// The JSON prelude of a streamed HTTP integration response (the bytes before the 8 NULs):
// statusCode (default 200), headers, cookies; body stays empty. nullopt if it is not one.
[[nodiscard]] std::optional<UrlResponse> url_prelude(std::string_view prelude);

}  // namespace lambda_emu::api

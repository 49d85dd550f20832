#pragma once
// Every response body lambda-emu writes for the Runtime API is made here, so status codes and
// errorType/errorMessage bodies stay exactly as Lambda's (sections 1, 2).
//
//   return render::refusal(*result.refusal, req);   // 403 InvalidStateTransition ...
//   return render::accepted(req);                   // 202 {"status":"OK"}
#include <string_view>

#include "http/payload_body.hpp"
#include "lambda_emu/core/errc.hpp"

namespace lambda_emu::render {

// A response with the request's version and keep-alive, and the given status.
[[nodiscard]] Response response(const Request& req, http::status status);
// The head of a streamed answer: 200 with the runtime's Content-Type; the body follows.
[[nodiscard]] Response stream_head(const std::string& content_type, unsigned version,
                                   bool keep_alive);
// `{"errorMessage":..,"errorType":..}` with status.
[[nodiscard]] Response error(const Request& req, http::status status, std::string_view type,
                             std::string_view message);
// A refusal of the lifecycle core, as Lambda renders it.
[[nodiscard]] Response refusal(const Request& req, const core::Refusal& r);
// 202 {"status":"OK"}: some clients need exactly this for /response.
[[nodiscard]] Response accepted(const Request& req);
[[nodiscard]] Response not_found(const Request& req);
// 404 with no body: the Extensions API when extensions are off (C49).
[[nodiscard]] Response empty_not_found(const Request& req);
[[nodiscard]] Response method_not_allowed(const Request& req);
[[nodiscard]] Response bad_request(unsigned version);

}  // namespace lambda_emu::render

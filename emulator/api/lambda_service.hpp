#pragma once
// What the Lambda service API's operations share (Invoke, InvokeWithResponseStream,
// GetFunctionConfiguration, UpdateFunctionConfiguration): the AWS error shape the SDKs decode,
// and the function a {FunctionName} path segment names.
#include <string>
#include <string_view>
#include <variant>

#include "api/router.hpp"

namespace lambda_emu::api {

// restJson1's error: the type in x-amzn-ErrorType, the text in "message".
[[nodiscard]] Response service_error(const Request& req, http::status status, std::string_view type,
                                     const std::string& message);
// 429 TooManyRequestsException: every sandbox busy at the function's concurrency limit.
[[nodiscard]] Response too_many_requests(const Request& req);

// The function the path names (by name, partial or full ARN, with a qualifier in the name or in
// ?Qualifier=), or the error Lambda answers for it (ValidationException, 404
// ResourceNotFoundException, ...).
[[nodiscard]] std::variant<driver::FunctionHost*, Response> resolve_function(const Call& call,
                                                                             driver::Emulator& emu);

}  // namespace lambda_emu::api

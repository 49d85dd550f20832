#include "lambda_emu/core/invoke.hpp"

#include <nlohmann/json.hpp>

namespace lambda_emu::core {

Outcome Outcome::success(std::string&& body, std::string&& content_type) {
  return Outcome{.kind = Kind::success,
                 .status = Status::success,
                 .body = std::move(body),
                 .content_type = std::move(content_type),
                 .error_type = {},
                 .error_message = {}};
}

Outcome Outcome::function_error(std::string&& body, std::string&& content_type,
                                std::string&& error_type) {
  return Outcome{.kind = Kind::function_error,
                 .status = Status::error,
                 .body = std::move(body),
                 .content_type = std::move(content_type),
                 .error_type = std::move(error_type),
                 .error_message = {}};
}

Outcome Outcome::platform_error(Status status, std::string error_type, std::string message) {
  // Key order as Lambda and RIE render their own errors (section 1).
  nlohmann::ordered_json body{{"errorMessage", message}, {"errorType", error_type}};
  return Outcome{.kind = Kind::platform_error,
                 .status = status,
                 .body = body.dump(),
                 .content_type = "application/json",
                 .error_type = std::move(error_type),
                 .error_message = std::move(message)};
}

Outcome Outcome::shutting_down(const std::string& request_id) {
  return platform_error(
      Status::failure, "Sandbox.Failure",
      "RequestId: " + request_id + " Error: the execution environment is shutting down");
}

}  // namespace lambda_emu::core

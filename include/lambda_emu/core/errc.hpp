#pragma once
// errc: the domain errors the lifecycle core refuses API calls with. api/render maps each to the
// HTTP status and errorType Lambda answers with (section 2).
#include <string>
#include <system_error>

namespace lambda_emu::core {

enum class errc {
  invalid_request_id = 1,    // 400 InvalidRequestID (C8, C9)
  invalid_state_transition,  // 403 InvalidStateTransition (section 2.1)
  payload_too_large,         // 413 RequestEntityTooLarge (C12)
  invalid_response_mode,     // 400 InvalidFunctionResponseMode (C14)
  truncated_request,         // 400 TruncatedHTTPRequest: a streamed body broke off (C26)
  // Extensions API (section 4.6); all 403.
  extension_invalid_event_type,   // Extension.InvalidEventType (C33)
  extension_invalid_state,        // Extension.InvalidExtensionState (C34, C46)
  extension_too_many,             // Extension.TooManyExtensions (C35)
  extension_registration_closed,  // Extension.RegistrationClosed (C36)
  extension_unknown_identifier,   // Extension.UnknownExtensionIdentifier (C38)
  telemetry_subscription_closed,  // Telemetry.SubscriptionClosed (C61)
  telemetry_logs_api_conflict,    // both the Logs and the Telemetry API (C69)
  // The pool (pool.hpp).
  too_many_requests,  // 429 TooManyRequestsException: every sandbox busy at the limit
};

[[nodiscard]] const std::error_category& lifecycle_category();
[[nodiscard]] inline std::error_code make_error_code(errc e) {
  return {static_cast<int>(e), lifecycle_category()};
}

// A refused API call: the code and the exact errorMessage Lambda would send.
struct Refusal {
  errc code;
  std::string message;
};

}  // namespace lambda_emu::core

template <>
struct std::is_error_code_enum<lambda_emu::core::errc> : std::true_type {};

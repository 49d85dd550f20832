#pragma once
// Invoke and Outcome: what goes into a sandbox and the one thing that comes out of it.
//
// Front doors (emulator/api/invoke_api) build an Invoke; the lifecycle core hands it to the
// runtime and ends it with exactly one Outcome, which the front door renders for its caller.
//
//   Invoke in{.request_id = uuid, .payload = body};
//   ... core emits CompleteInvoke{in.request_id, Outcome::success(bytes, "application/json")}
#include <optional>
#include <string>

#include "lambda_emu/clock.hpp"

namespace lambda_emu::core {

struct Invoke {
  std::string request_id;
  std::string payload;  // JSON: Lambda delivers every event to the runtime as application/json
  std::string invoked_function_arn;
  std::optional<std::string> client_context;    // already base64-decoded (C4)
  std::optional<std::string> cognito_identity;  // C5
  std::optional<std::string> trace_id;          // C6
  std::optional<std::string> tenant_id;
  // An Event invoke: at the concurrency limit it waits in Lambda's queue instead of being
  // throttled (section 3).
  bool asynchronous = false;
};

// What the runtime sees on GET /next: the invoke plus the deadline Lambda computed for it.
struct Delivery {
  const Invoke* invoke;
  WallTime deadline;  // Lambda-Runtime-Deadline-Ms and the INVOKE event's deadlineMs (C3)
};

// Lambda's status vocabulary for runtimeDone/report records (section 5.3).
enum class Status { success, error, failure, timeout };
[[nodiscard]] const char* to_string(Status s);

struct Outcome {
  enum class Kind {
    success,         // the runtime's /response body
    function_error,  // the runtime's /error or /init/error body, verbatim
    platform_error,  // an error Lambda itself generates (section 2.7)
  };
  Kind kind = Kind::success;
  Status status = Status::success;
  std::string body;           // bytes for the caller (platform errors: errorType/errorMessage JSON)
  std::string content_type;   // empty: none given
  std::string error_type;     // sanitized type for logs and telemetry; empty on success
  std::string error_message;  // platform errors only, for front doors that render their own text
  bool init_failure = false;  // the invoke failed because its init did (RIE answers those 502)
  bool streamed = false;      // the body went to the caller as a stream (StartStream) already
  std::string stream_error_type =
      {};  // a stream's error trailer as the runtime sent it (unsanitized)

  [[nodiscard]] static Outcome success(std::string&& body, std::string&& content_type);
  [[nodiscard]] static Outcome function_error(std::string&& body, std::string&& content_type,
                                              std::string&& error_type);
  // Builds the {"errorType","errorMessage"} body that Lambda sends for its own errors.
  [[nodiscard]] static Outcome platform_error(Status status, std::string error_type,
                                              std::string message);
  // Sandbox.Failure for an invoke the environment's shutdown ended or refused.
  [[nodiscard]] static Outcome shutting_down(const std::string& request_id);
};

}  // namespace lambda_emu::core

#include "api/render.hpp"

#include <nlohmann/json.hpp>

namespace lambda_emu::render {

Response response(const Request& req, http::status status) {
  Response res{status, req.version()};
  res.keep_alive(req.keep_alive());
  return res;
}

Response stream_head(const std::string& content_type, unsigned version, bool keep_alive) {
  Response res{http::status::ok, version};
  res.keep_alive(keep_alive);
  res.set(http::field::content_type, content_type);
  return res;
}

Response error(const Request& req, http::status status, std::string_view type,
               std::string_view message) {
  Response res = response(req, status);
  res.set(http::field::content_type, "application/json");
  // Key order and the trailing newline as rapid's Go encoder writes them.
  nlohmann::ordered_json body{{"errorMessage", message}, {"errorType", type}};
  res.body().assign(body.dump() + "\n");
  res.prepare_payload();
  return res;
}

Response refusal(const Request& req, const core::Refusal& r) {
  switch (r.code) {
    case core::errc::invalid_request_id:
      return error(req, http::status::bad_request, "InvalidRequestID", r.message);
    case core::errc::invalid_state_transition:
      return error(req, http::status::forbidden, "InvalidStateTransition", r.message);
    case core::errc::payload_too_large:
      return error(req, http::status::payload_too_large, "RequestEntityTooLarge", r.message);
    case core::errc::invalid_response_mode:
      return error(req, http::status::bad_request, "InvalidFunctionResponseMode", r.message);
    case core::errc::truncated_request:
      return error(req, http::status::bad_request, "TruncatedHTTPRequest", r.message);
    case core::errc::extension_invalid_event_type:
      return error(req, http::status::forbidden, "Extension.InvalidEventType", r.message);
    case core::errc::extension_invalid_state:
      return error(req, http::status::forbidden, "Extension.InvalidExtensionState", r.message);
    case core::errc::extension_too_many:
      return error(req, http::status::forbidden, "Extension.TooManyExtensions", r.message);
    case core::errc::extension_registration_closed:
      return error(req, http::status::forbidden, "Extension.RegistrationClosed", r.message);
    case core::errc::extension_unknown_identifier:
      return error(req, http::status::forbidden, "Extension.UnknownExtensionIdentifier", r.message);
    case core::errc::telemetry_subscription_closed:
      return error(req, http::status::forbidden, "Telemetry.SubscriptionClosed", r.message);
    case core::errc::telemetry_logs_api_conflict:
      return error(req, http::status::forbidden, "Telemetry.InvalidSubscription", r.message);
    case core::errc::too_many_requests:
      return error(req, http::status::too_many_requests, "TooManyRequestsException", r.message);
  }
  return error(req, http::status::internal_server_error, "InternalServerError",
               "Internal Server Error");
}

Response accepted(const Request& req) {
  Response res = response(req, http::status::accepted);
  res.set(http::field::content_type, "application/json");
  res.body().assign("{\"status\":\"OK\"}\n");
  res.prepare_payload();
  return res;
}

// Go's default mux texts, which RIE answers with.
Response not_found(const Request& req) {
  Response res = response(req, http::status::not_found);
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.body().assign("404 page not found\n");
  res.prepare_payload();
  return res;
}

Response empty_not_found(const Request& req) {
  Response res = response(req, http::status::not_found);
  res.prepare_payload();
  return res;
}

Response method_not_allowed(const Request& req) {
  Response res = response(req, http::status::method_not_allowed);
  res.prepare_payload();
  return res;
}

Response bad_request(unsigned version) {
  Response res{http::status::bad_request, version};
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.set(http::field::connection, "close");
  res.keep_alive(false);
  res.body().assign("400 Bad Request");
  res.prepare_payload();
  return res;
}

}  // namespace lambda_emu::render

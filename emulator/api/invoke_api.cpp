// Invoke front doors: how callers reach the function. Today the RIE-compatible path
// (section 8, C74), which passes streamed responses on as they come (RIE itself buffers them);
// the Lambda Invoke API by function name joins it later.
#include "api/base64.hpp"
#include "api/handlers.hpp"
#include "api/render.hpp"
#include "driver/emulator.hpp"
#include "lambda_emu/core/sandbox.hpp"

namespace lambda_emu::api {
namespace {

std::optional<std::string> optional_header(const Request& req, std::string_view name) {
  const auto it = req.find(name);
  if (it == req.end() || it->value().empty()) {
    return std::nullopt;
  }
  return std::string(it->value());
}

// RIE's answers: the payload with 200 for a result or a function error, 200 with its text for
// a timeout, 502 with the error JSON for a crash or failed init. Function errors also carry
// X-Amz-Function-Error as the real Invoke API sets it.
Response render_rie_outcome(core::Outcome&& o, unsigned version, bool keep_alive) {
  using Kind = core::Outcome::Kind;
  Response res{http::status::ok, version};
  res.keep_alive(keep_alive);
  if (o.kind != Kind::success) {
    res.set("X-Amz-Function-Error", "Unhandled");
  }
  if (o.kind == Kind::platform_error && o.error_type == "Sandbox.Timedout") {
    // "RequestId: <id> Error: Task timed out after 3.00 seconds" -> RIE's text.
    const std::size_t at = o.error_message.find("Task timed out");
    res.body().assign(at == std::string::npos ? o.error_message : o.error_message.substr(at));
  } else {
    const bool crash =
        o.kind == Kind::platform_error && o.error_type != "Function.ResponseSizeTooLarge";
    if (crash || o.init_failure) {
      res.result(http::status::bad_gateway);
    }
    res.set(http::field::content_type,
            o.content_type.empty() ? std::string("application/json") : o.content_type);
    res.body().assign(std::move(o.body));
  }
  res.prepare_payload();
  return res;
}

// A streamed response goes to the caller as it comes, in chunks; an error that ends it comes in
// the trailers, as the runtime sent them.
Response render_rie_stream_head(const std::string& content_type, unsigned version,
                                bool keep_alive) {
  Response res{http::status::ok, version};
  res.keep_alive(keep_alive);
  res.set(http::field::content_type, content_type);
  res.set(http::field::trailer,
          "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body");
  return res;
}

}  // namespace

std::uint64_t invoke_body_limit(const Request&) {
  return core::max_sync_request_bytes;
}

Reply handle_rie_invoke(Call& call, driver::Emulator& emu) {
  const Request& req = call.request;
  if (call.over_limit) {
    Response res = render::response(req, http::status::payload_too_large);
    res.set("x-amzn-ErrorType", "RequestTooLargeException");
    res.set(http::field::content_type, "application/json");
    res.body().assign("{\"Type\":\"User\",\"message\":\"Request must be smaller than " +
                      std::to_string(core::max_sync_request_bytes) +
                      " bytes for the InvokeFunction operation\"}");
    res.prepare_payload();
    return res;
  }
  core::Invoke in;
  if (auto ctx = optional_header(req, "X-Amz-Client-Context")) {
    in.client_context = base64_decode(*ctx);
    if (!in.client_context) {
      // RIE answers undecodable client context with 500 (section 8).
      return render::error(req, http::status::internal_server_error, "InvalidClientContext",
                           "X-Amz-Client-Context is not valid base64");
    }
  }
  in.request_id = emu.new_request_id();
  in.payload = std::move(call.request.body());
  in.invoked_function_arn = emu.function().arn();
  in.trace_id = optional_header(req, "X-Amzn-Trace-Id");
  in.tenant_id = optional_header(req, "X-Amz-Tenant-Id");
  std::string id = in.request_id;
  auto parked = emu.await_outcome(std::move(id), req, render_rie_outcome, render_rie_stream_head);
  (void)emu.handle(core::InvokeArrived{std::move(in)});
  return parked;
}

}  // namespace lambda_emu::api

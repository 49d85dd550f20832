// Invoke front doors: how callers reach the function. RIE's path (section 8, C74), which passes
// streamed responses on as they come (RIE itself buffers them), and the Lambda Invoke API by
// function name as the AWS SDKs call it (RequestResponse, Event, DryRun).
#include <nlohmann/json.hpp>

#include "api/base64.hpp"
#include "api/event_stream.hpp"
#include "api/handlers.hpp"
#include "api/lambda_service.hpp"
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
Response render_rie_outcome(core::Outcome&& o, const driver::AnswerContext& ctx) {
  using Kind = core::Outcome::Kind;
  Response res{http::status::ok, ctx.version};
  res.keep_alive(ctx.keep_alive);
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
  Response res = render::stream_head(content_type, version, keep_alive);
  res.set(http::field::trailer,
          "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body");
  return res;
}

constexpr driver::StreamFront rie_stream_front{render_rie_stream_head, {nullptr, nullptr, true}};

}  // namespace

std::uint64_t invoke_body_limit(const Request&) {
  return core::max_sync_request_bytes;
}

namespace {

// Asynchronous (Event) invokes take up to 1 MB since October 2025 (256 KB before).
constexpr std::uint64_t max_async_request_bytes = 1'048'576;

Response request_too_large(const Request& req, std::uint64_t limit, std::string_view operation) {
  Response res = render::response(req, http::status::payload_too_large);
  res.set("x-amzn-ErrorType", "RequestTooLargeException");
  res.set(http::field::content_type, "application/json");
  res.body().assign("{\"Type\":\"User\",\"message\":\"Request must be smaller than " +
                    std::to_string(limit) + " bytes for the " + std::string(operation) +
                    " operation\"}");
  res.prepare_payload();
  return res;
}

// The invoke the caller asked for, or the answer that refuses it (undecodable client context).
std::variant<core::Invoke, Response> build_invoke(Call& call, driver::FunctionHost& fn) {
  const Request& req = call.request;
  core::Invoke in;
  if (auto ctx = optional_header(req, "X-Amz-Client-Context")) {
    in.client_context = base64_decode(*ctx);
    if (!in.client_context) {
      // RIE answers undecodable client context with 500 (section 8).
      return render::error(req, http::status::internal_server_error, "InvalidClientContext",
                           "X-Amz-Client-Context is not valid base64");
    }
  }
  in.request_id = fn.new_request_id();
  in.payload = std::move(call.request.body());
  in.invoked_function_arn = fn.function().arn();
  in.trace_id = optional_header(req, "X-Amzn-Trace-Id");
  in.tenant_id = optional_header(req, "X-Amz-Tenant-Id");
  return in;
}

// The Invoke API's answers: 200 with the payload, and for any failure (function error, timeout,
// crash, failed init) 200 with the error JSON and X-Amz-Function-Error: Unhandled.
Response render_invoke_outcome(core::Outcome&& o, const driver::AnswerContext& ctx) {
  Response res{http::status::ok, ctx.version};
  res.keep_alive(ctx.keep_alive);
  if (o.kind != core::Outcome::Kind::success) {
    res.set("X-Amz-Function-Error", "Unhandled");
  }
  if (ctx.log_tail) {
    res.set("X-Amz-Log-Result", base64_encode(*ctx.log_tail));
  }
  res.set(http::field::content_type,
          o.content_type.empty() ? std::string("application/json") : o.content_type);
  res.body().assign(std::move(o.body));
  res.prepare_payload();
  return res;
}

// A caller waits for the invoke's outcome, or hears at once that the function is throttled.
Reply start_invoke(driver::FunctionHost& fn, core::Invoke&& in, const Request& req,
                   driver::AnswerSpec answer) {
  auto started = fn.invoke(std::move(in), req, std::move(answer));
  if (std::holds_alternative<core::Refusal>(started)) {
    return too_many_requests(req);
  }
  return std::get<std::shared_ptr<ParkedReply>>(std::move(started));
}

}  // namespace

Reply handle_rie_invoke(Call& call, driver::Emulator& emu) {
  const Request& req = call.request;
  if (call.over_limit) {
    return request_too_large(req, core::max_sync_request_bytes, "InvokeFunction");
  }
  driver::FunctionHost& fn = emu.first();
  auto built = build_invoke(call, fn);
  if (auto* refused = std::get_if<Response>(&built)) {
    return std::move(*refused);
  }
  return start_invoke(fn, std::get<core::Invoke>(std::move(built)), req,
                      {render_rie_outcome, &rie_stream_front, {}, false});
}

namespace {

// What an Invoke API request asks for, once it passed the API's checks.
struct InvokeRequest {
  std::string type;  // RequestResponse, Event, DryRun
  bool tail = false;
};

// The checks both invoke operations make, in Lambda's order: the function, the invocation and
// log types, the payload's size and JSON.
std::variant<InvokeRequest, Response> check_invoke_request(const Call& call,
                                                           bool streaming_operation) {
  const Request& req = call.request;
  InvokeRequest r;
  r.type = optional_header(req, "X-Amz-Invocation-Type").value_or("RequestResponse");
  const bool known = r.type == "RequestResponse" || r.type == "DryRun" ||
                     (r.type == "Event" && !streaming_operation);
  if (!known) {
    return service_error(req, http::status::bad_request, "ValidationException",
                         "1 validation error detected: Value '" + r.type +
                             "' at 'invocationType' failed to satisfy constraint: Member must "
                             "satisfy enum value set: " +
                             (streaming_operation ? "[RequestResponse, DryRun]"
                                                  : "[Event, RequestResponse, DryRun]"));
  }
  const std::string log_type = optional_header(req, "X-Amz-Log-Type").value_or("None");
  if (log_type != "None" && log_type != "Tail") {
    return service_error(req, http::status::bad_request, "ValidationException",
                         "1 validation error detected: Value '" + log_type +
                             "' at 'logType' failed to satisfy constraint: Member must satisfy "
                             "enum value set: [None, Tail]");
  }
  r.tail = log_type == "Tail";
  const std::uint64_t limit =
      r.type == "Event" ? max_async_request_bytes : core::max_sync_request_bytes;
  if (call.over_limit || call.body_size > limit) {
    return request_too_large(req, limit,
                             streaming_operation ? "InvokeWithResponseStream"
                             : r.type == "Event" ? "Invoke"
                                                 : "InvokeFunction");
  }
  if (!req.body().empty() && !nlohmann::json::accept(req.body())) {
    return service_error(req, http::status::bad_request, "InvalidRequestContentException",
                         "Could not parse request body into json: Could not parse payload into "
                         "json: Unexpected character");
  }
  return r;
}

Response dry_run(const Request& req, const core::FunctionConfig& fn) {
  Response res = render::response(req, http::status::no_content);
  res.set("X-Amz-Executed-Version", fn.version);
  res.prepare_payload();
  return res;
}

// InvokeWithResponseStream (section 3.4): 200 with an event stream of PayloadChunk events as the
// runtime writes, then one InvokeComplete, whose ErrorCode is the error type when it failed.
// Content-Type is the function's (the SDKs' ResponseStreamContentType), not the framing's.
std::string invoke_complete(const ResponseStream::End& end) {
  return invoke_complete_event(end.error_type, end.error_body,
                               end.log_tail ? base64_encode(*end.log_tail) : std::string());
}

constexpr driver::StreamFront event_stream_front{render::stream_head,
                                                 {payload_chunk_event, invoke_complete, false}};

// A runtime that did not stream still answers in events: its body as one PayloadChunk.
Response render_event_stream_outcome(core::Outcome&& o, const driver::AnswerContext& ctx) {
  Response res =
      render::stream_head(o.content_type.empty() ? std::string("application/json") : o.content_type,
                          ctx.version, ctx.keep_alive);
  ResponseStream::End end{{}, {}, ctx.log_tail};
  std::string body;
  if (o.kind == core::Outcome::Kind::success) {
    if (!o.body.empty()) {
      body = payload_chunk_event(o.body);
    }
  } else {
    end.error_type = o.stream_error_type.empty() ? o.error_type : o.stream_error_type;
    end.error_body = std::move(o.body);
  }
  body += invoke_complete(end);
  res.body().assign(std::move(body));
  res.prepare_payload();
  return res;
}

// One Invoke API operation: the checks, then a dry run, a queued Event, or an invoke whose
// caller waits for its answer (rendered by `render`, streamed through `stream` if not null).
Reply invoke_operation(Call& call, driver::Emulator& emu, bool streaming_operation,
                       driver::OutcomeRenderer render, const driver::StreamFront* stream) {
  auto resolved = resolve_function(call, emu);
  if (auto* refused = std::get_if<Response>(&resolved)) {
    return std::move(*refused);
  }
  driver::FunctionHost& fn = *std::get<driver::FunctionHost*>(resolved);
  auto checked = check_invoke_request(call, streaming_operation);
  if (auto* refused = std::get_if<Response>(&checked)) {
    return std::move(*refused);
  }
  const InvokeRequest& r = std::get<InvokeRequest>(checked);
  if (r.type == "DryRun") {
    return dry_run(call.request, fn.function());
  }
  auto built = build_invoke(call, fn);
  if (auto* refused = std::get_if<Response>(&built)) {
    return std::move(*refused);
  }
  core::Invoke& in = std::get<core::Invoke>(built);
  http::fields headers;
  headers.set("x-amzn-RequestId", in.request_id);
  headers.set("X-Amz-Executed-Version", fn.function().version);
  if (r.type == "Event") {
    // Queued behind running invokes; the caller only learns that it was accepted.
    Response res = render::response(call.request, http::status::accepted);
    for (const auto& field : headers) {
      res.set(field.name_string(), field.value());
    }
    res.prepare_payload();
    fn.submit_async(std::move(in));
    return res;
  }
  return start_invoke(fn, std::move(in), call.request,
                      {render, stream, std::move(headers), r.tail});
}

}  // namespace

Reply handle_invoke(Call& call, driver::Emulator& emu) {
  return invoke_operation(call, emu, false, render_invoke_outcome, nullptr);
}

Reply handle_invoke_with_response_stream(Call& call, driver::Emulator& emu) {
  return invoke_operation(call, emu, true, render_event_stream_outcome, &event_stream_front);
}

}  // namespace lambda_emu::api

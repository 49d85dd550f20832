// Runtime API endpoints (section 2): what a bootstrap calls. Requests are validated here as far
// as the request alone allows; the lifecycle core checks ids and states.
#include <chrono>

#include <nlohmann/json.hpp>

#include "api/base64.hpp"
#include "api/handlers.hpp"
#include "api/render.hpp"
#include "driver/sandbox_host.hpp"
#include "lambda_emu/core/sandbox.hpp"

namespace lambda_emu::api {
namespace {

// Lambda's bandwidth rule for streamed responses (section 3.3): the first 6 MiB at once, then
// 2 MiB/s, as RIE's token bucket.
constexpr std::uint64_t stream_burst_bytes = 6ull * 1024 * 1024;
constexpr double stream_rate_bytes_per_s = 2.0 * 1024 * 1024;
constexpr std::string_view error_cause_type = "application/vnd.aws.lambda.error.cause+json";

core::ResponseMode response_mode(const Request& req) {
  const auto it = req.find("Lambda-Runtime-Function-Response-Mode");
  if (it == req.end() || it->value().empty()) {
    return core::ResponseMode::buffered;
  }
  return beast::iequals(it->value(), "streaming") ? core::ResponseMode::streaming
                                                  : core::ResponseMode::invalid;
}

// The error type: the header if the runtime sent one, else the body's errorType, which many
// clients send without the header (section 11).
std::string error_type_of(const Request& req, const std::string& body) {
  std::string type = header(req, "Lambda-Runtime-Function-Error-Type");
  if (!type.empty()) {
    return type;
  }
  const auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_object()) {
    const auto it = parsed.find("errorType");
    if (it != parsed.end() && it->is_string()) {
      return it->get<std::string>();
    }
  }
  return type;
}

// application/vnd.aws.lambda.error.cause+json: the caller gets the error without its
// errorCause, which is for X-Ray (C17).
void strip_error_cause(std::string& body, std::string& content_type) {
  const auto parsed = nlohmann::ordered_json::parse(body, nullptr, false);
  if (!parsed.is_object()) {
    body = "Invalid error body";
    content_type = "application/octet-stream";
    return;
  }
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const char* key : {"errorMessage", "errorType", "stackTrace"}) {
    if (auto it = parsed.find(key); it != parsed.end()) {
      out[key] = *it;
    }
  }
  body = out.dump();
  content_type = "application/json";
}

struct ErrorParts {
  std::string type;
  std::string body;
  std::string content_type;
};

ErrorParts error_parts(Call& call) {
  ErrorParts e;
  e.body = std::move(call.request.body());
  e.content_type = header(call.request, "Content-Type");
  e.type = error_type_of(call.request, e.body);
  if (e.content_type == error_cause_type) {
    strip_error_cause(e.body, e.content_type);
  }
  // Lambda-Runtime-Function-XRay-Error-Cause is for X-Ray; a malformed one never fails the
  // request (C18), so it is not read at all.
  return e;
}

Response too_large(const Call& call) {
  return render::error(call.request, http::status::payload_too_large, "RequestEntityTooLarge",
                       "Exceeded maximum allowed payload size (" +
                           std::to_string(core::max_buffered_response_bytes) + " bytes).");
}

// 202 {"status":"OK"}, or the core's refusal.
Response answer(const Call& call, const core::Result& r) {
  return r.refusal ? render::refusal(call.request, *r.refusal) : render::accepted(call.request);
}

}  // namespace

std::uint64_t no_body(const Request&) {
  return 0;
}

std::uint64_t response_body_limit(const Request& req) {
  return response_mode(req) == core::ResponseMode::streaming ? core::max_streamed_response_bytes
                                                             : core::max_buffered_response_bytes;
}

std::uint64_t error_body_limit(const Request&) {
  return core::max_buffered_response_bytes;
}

Reply handle_invocation_next(Call& call, driver::SandboxHost& sandbox) {
  // Park first: the core may deliver an event at once.
  auto parked = sandbox.park_next(call.request);
  const core::Result r = sandbox.handle(core::RuntimeNext{});
  if (r.refusal) {
    sandbox.unpark_next(parked);
    return render::refusal(call.request, *r.refusal);
  }
  return parked;
}

Reply handle_invocation_response(Call& call, driver::SandboxHost& sandbox) {
  core::RuntimeResponse e;
  e.request_id = call.param;
  e.mode = response_mode(call.request);
  e.size = call.body_size;
  e.content_type = header(call.request, "Content-Type");
  if (!call.over_limit) {
    e.body = std::move(call.request.body());
  }
  const core::Result r = sandbox.handle(std::move(e));
  call.reply_last = true;
  return answer(call, r);
}

namespace {

bool is_streamed(const Request& req) {
  return response_mode(req) == core::ResponseMode::streaming;
}

// Holds the runtime back to Lambda's rate once it has streamed `sent` bytes since `start`.
net::awaitable<void> throttle(const Clock& clock, Instant start, std::uint64_t sent) {
  if (sent <= stream_burst_bytes) {
    co_return;
  }
  const Instant due =
      start + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(
                  static_cast<double>(sent - stream_burst_bytes) / stream_rate_bytes_per_s));
  if (const Duration wait = due - clock.now(); wait > Duration::zero()) {
    net::steady_timer timer(co_await net::this_coro::executor, wait);
    error_code ec;
    co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
  }
}

// A streamed /response (C24-C28): the caller's answer starts now and every piece of the body
// goes to it as it arrives; the runtime gets its 202 after the last chunk and the trailers.
net::awaitable<Response> stream_invocation_response(Call& call, BodyReader& body,
                                                    driver::SandboxHost& sandbox) {
  std::string content_type = header(call.request, "Content-Type");
  const core::Result started = sandbox.handle(core::RuntimeStreamStarted{
      call.param, content_type.empty() ? "application/octet-stream" : std::move(content_type)});
  if (started.refusal) {
    Response res = render::refusal(call.request, *started.refusal);
    res.keep_alive(false);  // the body is still coming: end the connection instead of reading it
    co_return res;
  }
  const std::shared_ptr<ResponseStream> stream = sandbox.response_stream(call.param);
  const Instant start = sandbox.clock().now();
  core::RuntimeStreamEnded end;
  end.request_id = call.param;
  for (;;) {
    error_code ec;
    const std::string_view piece = co_await body.read_some(ec);
    if (ec) {
      end.end = core::RuntimeStreamEnded::End::truncated;
      break;
    }
    if (piece.empty()) {
      break;
    }
    end.size += piece.size();
    if (end.size > core::max_streamed_response_bytes) {
      end.end = core::RuntimeStreamEnded::End::too_large;
      break;
    }
    if (sandbox.stream_throttle()) {
      co_await throttle(sandbox.clock(), start, end.size);
    }
    if (stream) {
      co_await stream->write(piece);
    }
  }
  if (end.end == core::RuntimeStreamEnded::End::complete) {
    end.error_type = std::string(body.fields()["Lambda-Runtime-Function-Error-Type"]);
    const std::string error_body(body.fields()["Lambda-Runtime-Function-Error-Body"]);
    end.error_body = base64_decode(error_body).value_or(error_body);
  }
  const core::Result r = sandbox.handle(std::move(end));
  Response res = answer(call, r);
  if (!body.done()) {
    res.keep_alive(false);
  }
  co_return res;
}

}  // namespace

const StreamedBody streamed_response{is_streamed, stream_invocation_response};

Reply handle_invocation_error(Call& call, driver::SandboxHost& sandbox) {
  if (call.over_limit) {
    return too_large(call);
  }
  ErrorParts parts = error_parts(call);
  const core::Result r = sandbox.handle(core::RuntimeError{
      call.param, std::move(parts.type), std::move(parts.body), std::move(parts.content_type)});
  call.reply_last = true;
  return answer(call, r);
}

Reply handle_init_error(Call& call, driver::SandboxHost& sandbox) {
  if (call.over_limit) {
    return too_large(call);
  }
  ErrorParts parts = error_parts(call);
  const core::Result r = sandbox.handle(core::RuntimeInitError{
      std::move(parts.type), std::move(parts.body), std::move(parts.content_type)});
  return answer(call, r);
}

Reply handle_ping(Call& call, driver::SandboxHost&) {
  Response res = render::response(call.request, http::status::ok);
  res.body().assign("pong");
  res.prepare_payload();
  return res;
}

}  // namespace lambda_emu::api

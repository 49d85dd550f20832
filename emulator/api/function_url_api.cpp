// The function URL front door: any request on the function's URL port becomes a payload format
// 2.0 event, and the function's result (structured or plain, buffered or streamed with the
// prelude) becomes the HTTP response, so curl or a browser talks to the function directly.
#include "api/function_url.hpp"
#include "api/handlers.hpp"
#include "api/render.hpp"
#include "driver/function_host.hpp"

namespace lambda_emu::api {
namespace {

// A failed invoke (function error, timeout, crash, a result that is not a response) is what
// Lambda's front end answers for it: 502 (text unverified).
Response bad_gateway(unsigned version, bool keep_alive) {
  Response res{http::status::bad_gateway, version};
  res.keep_alive(keep_alive);
  res.set(http::field::content_type, "text/plain");
  res.body().assign("Internal Server Error");
  res.prepare_payload();
  return res;
}

Response http_response(const UrlResponse& r, unsigned version, bool keep_alive) {
  Response res{static_cast<http::status>(r.status), version};
  res.keep_alive(keep_alive);
  for (const auto& [name, value] : r.headers) {
    res.set(name, value);
  }
  for (const std::string& cookie : r.cookies) {
    res.insert(http::field::set_cookie, cookie);
  }
  return res;
}

Response render_url_outcome(core::Outcome&& o, const driver::AnswerContext& ctx) {
  if (o.kind != core::Outcome::Kind::success) {
    return bad_gateway(ctx.version, ctx.keep_alive);
  }
  const std::optional<UrlResponse> r = url_response(o.body);
  if (!r) {
    return bad_gateway(ctx.version, ctx.keep_alive);
  }
  Response res = http_response(*r, ctx.version, ctx.keep_alive);
  res.body().assign(r->body);
  res.prepare_payload();
  return res;
}

std::optional<Response> render_url_prelude_head(std::string_view prelude, unsigned version,
                                                bool keep_alive) {
  const std::optional<UrlResponse> r = url_prelude(prelude);
  if (!r) {
    return std::nullopt;
  }
  return http_response(*r, version, keep_alive);
}

constexpr driver::StreamFront url_stream_front{
    render::stream_head, {nullptr, nullptr, false, true}, render_url_prelude_head};

// The <url-id> of the function's URL: 32 lowercase letters and digits, the same for the same
// function every run (FNV-1a of its ARN).
std::string url_id(const core::FunctionConfig& fn) {
  std::uint64_t h = 14695981039346656037ull;
  std::string id;
  const std::string arn = fn.arn();
  for (int round = 0; id.size() < 32; ++round) {
    for (const char c : arn) {
      h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    }
    h = (h ^ static_cast<std::uint64_t>(round)) * 1099511628211ull;
    for (std::uint64_t x = h; x != 0 && id.size() < 32; x /= 36) {
      id.push_back("abcdefghijklmnopqrstuvwxyz0123456789"[x % 36]);
    }
  }
  return id;
}

}  // namespace

Reply handle_function_url(Call& call, driver::FunctionHost& function) {
  const Request& req = call.request;
  if (call.over_limit) {
    Response res = render::response(req, http::status::payload_too_large);
    res.set(http::field::content_type, "application/json");
    res.body().assign(R"({"Message":"Request must be smaller than 6291456 bytes"})");
    res.prepare_payload();
    return res;
  }
  const core::FunctionConfig& fn = function.function();
  core::Invoke in;
  in.request_id = function.new_request_id();
  in.invoked_function_arn = fn.arn();
  const UrlRequestContext ctx{in.request_id,
                              fn.account_id,
                              fn.region,
                              url_id(fn),
                              call.peer_address,
                              call.local_port,
                              function.clock().wall_now()};
  in.payload = url_event(req, ctx);
  in.trace_id = [&]() -> std::optional<std::string> {
    const auto it = req.find("X-Amzn-Trace-Id");
    return it == req.end() ? std::nullopt : std::optional<std::string>(it->value());
  }();
  http::fields headers;
  headers.set("x-amzn-RequestId", in.request_id);
  auto started = function.invoke(std::move(in), req,
                                 {render_url_outcome, &url_stream_front, std::move(headers)});
  if (std::holds_alternative<core::Refusal>(started)) {
    // Every sandbox busy at the function's concurrency limit.
    Response res = render::response(req, http::status::too_many_requests);
    res.set(http::field::content_type, "application/json");
    res.body().assign(R"({"Message":"Rate Exceeded."})");
    res.prepare_payload();
    return res;
  }
  return std::get<std::shared_ptr<ParkedReply>>(std::move(started));
}

}  // namespace lambda_emu::api

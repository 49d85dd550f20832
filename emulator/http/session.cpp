#include "http/session.hpp"

#include <limits>
#include <optional>

#include "api/base64.hpp"
#include "api/render.hpp"
#include "driver/emulator.hpp"
#include "driver/function_host.hpp"
#include "driver/sandbox_host.hpp"

namespace lambda_emu {
namespace {

// Bodies this large are drained to answer 413 properly; larger ones close the connection.
constexpr std::uint64_t max_drain_bytes = 256ull * 1024 * 1024;

bool is_benign(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::operation_aborted || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe;
}

// Skips `remaining` body bytes, first from the read buffer, then from the socket.
net::awaitable<error_code> drain(tcp::socket& socket, beast::flat_buffer& buffer,
                                 std::uint64_t remaining) {
  const std::uint64_t buffered = std::min<std::uint64_t>(buffer.size(), remaining);
  buffer.consume(buffered);
  remaining -= buffered;
  std::array<char, 64 * 1024> scratch;
  error_code ec;
  while (remaining > 0 && !ec) {
    const std::size_t n = co_await socket.async_read_some(
        net::buffer(scratch.data(), std::min<std::uint64_t>(scratch.size(), remaining)),
        net::redirect_error(net::use_awaitable, ec));
    remaining -= n;
  }
  co_return ec;
}

// A streamed reply: the head now, then every piece as the stream delivers it, framed for its
// caller, in chunks (HTTP/1.1) or until the connection closes (HTTP/1.0). The stream's end is a
// last framed piece, or its error in the trailers the head announced (section 3.1).
net::awaitable<error_code> write_streamed(tcp::socket& socket, Response&& reply,
                                          ResponseStream& stream, const StreamFraming& framing) {
  http::response<http::empty_body> head(std::move(reply.base()));
  const bool chunked = head.version() >= 11;
  if (chunked) {
    head.chunked(true);
  } else {
    head.keep_alive(false);
  }
  error_code ec;
  http::response_serializer<http::empty_body> serializer(head);
  co_await http::async_write_header(socket, serializer,
                                    net::redirect_error(net::use_awaitable, ec));
  // Named locals, no temporaries inside co_await expressions: g++ 12 may destroy those twice.
  std::string piece;
  for (;;) {
    std::optional<std::string> bytes = co_await stream.read();
    if (bytes) {
      piece = framing.piece ? framing.piece(*bytes) : std::move(*bytes);
    } else if (framing.end) {
      piece = framing.end(stream.end());
    } else {
      break;
    }
    if (chunked) {
      const auto chunk = http::make_chunk(net::buffer(piece));
      co_await net::async_write(socket, chunk, net::redirect_error(net::use_awaitable, ec));
    } else {
      co_await net::async_write(socket, net::buffer(piece),
                                net::redirect_error(net::use_awaitable, ec));
    }
    if (ec || !bytes) {
      break;
    }
  }
  if (ec) {
    stream.detach();  // the caller went away; the runtime streams on into nothing
    co_return ec;
  }
  if (framing.cut_on_error && !stream.end().error_type.empty()) {
    co_return net::error::connection_aborted;  // no last chunk: the caller sees the cut
  }
  if (chunked) {
    http::fields trailers;
    if (framing.error_trailers && !stream.end().error_type.empty()) {
      trailers.set("Lambda-Runtime-Function-Error-Type", stream.end().error_type);
      trailers.set("Lambda-Runtime-Function-Error-Body",
                   api::base64_encode(stream.end().error_body));
    }
    const auto last = http::make_chunk_last(trailers);
    co_await net::async_write(socket, last, net::redirect_error(net::use_awaitable, ec));
  }
  co_return ec;
}

}  // namespace

template <class Scope>
net::awaitable<void> serve_session(tcp::socket socket, std::span<const BasicRoute<Scope>> routes,
                                   std::string_view api, Scope& emu) {
  error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  const std::string peer_address = socket.remote_endpoint(ec).address().to_string();
  const std::uint16_t local_port = socket.local_endpoint(ec).port();
  // Beast reads 512 bytes at a time unless the buffer has room (beast-performance-notes).
  beast::flat_buffer buffer;
  buffer.reserve(64 * 1024);
  std::optional<http::request_parser<http::string_body>> parser;

  for (;;) {
    parser.emplace();
    parser->header_limit(64 * 1024);
    // Beast checks Content-Length against the body limit while parsing the header, and its
    // default is 1 MiB: lift it until the route has decided.
    parser->body_limit(std::numeric_limits<std::uint64_t>::max());
    co_await http::async_read_header(socket, buffer, *parser,
                                     net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      if (!is_benign(ec)) {
        // Malformed HTTP: answer 400 and close, as Go's server does.
        emu.log().debug("[{}] bad request: {}", api, ec.message());
        Response res = render::bad_request(11);
        co_await http::async_write(socket, res, net::redirect_error(net::use_awaitable, ec));
      }
      break;
    }

    Call call;
    call.peer_address = peer_address;
    call.local_port = local_port;
    const Request& head = parser->get();
    Match<Scope> m = match(routes, head.method(), head.target());
    if (m.route && m.route->streamed && m.route->streamed->applies(head)) {
      // The body goes on as the handler reads it.
      http::request_parser<http::buffer_body> body_parser(std::move(*parser));
      BodyReader body(socket, buffer, body_parser);
      call.request = Request(body_parser.get().base());
      call.param = std::move(m.param);
      emu.trace_request(api, call.request);
      Response res = co_await m.route->streamed->handler(call, body, emu);
      if (!body_parser.keep_alive()) {
        res.keep_alive(false);
      }
      emu.trace_response(api, call.request, res.result_int());
      co_await http::async_write(socket, res, net::redirect_error(net::use_awaitable, ec));
      if (ec || !res.keep_alive()) {
        break;
      }
      continue;
    }
    const std::uint64_t limit = m.route ? m.route->body_limit(head) : 0;
    const boost::optional<std::uint64_t> length = parser->content_length();
    bool keep_alive = parser->keep_alive();

    if (length && *length > limit) {
      // Too large to keep: drain it so the client can read our 413, or give up on the
      // connection when even draining is unreasonable.
      call.over_limit = true;
      call.body_size = *length;
      if (*length > max_drain_bytes) {
        keep_alive = false;
      } else if (error_code dec = co_await drain(socket, buffer, *length); dec) {
        break;
      }
      call.request = parser->release();
    } else if (!parser->is_done()) {
      parser->body_limit(limit);
      co_await http::async_read(socket, buffer, *parser,
                                net::redirect_error(net::use_awaitable, ec));
      if (ec == http::error::body_limit) {
        // A chunked body over the limit: its true size is unknown, the connection unusable.
        call.over_limit = true;
        call.body_size = limit + 1;
        keep_alive = false;
        call.request = parser->release();
      } else if (ec) {
        // The client went away mid-request (or sent garbage): nothing to answer.
        emu.log().debug("[{}] request body: {}", api, ec.message());
        if (!is_benign(ec) && ec != http::error::partial_message) {
          Response res = render::bad_request(head.version());
          co_await http::async_write(socket, res, net::redirect_error(net::use_awaitable, ec));
        }
        break;
      } else {
        call.request = parser->release();
        call.body_size = call.request.body().size();
      }
    } else {
      call.request = parser->release();
      call.body_size = call.request.body().size();
    }

    emu.trace_request(api, call.request);
    Reply reply = [&]() -> Reply {
      if (m.route) {
        call.param = std::move(m.param);
        return m.route->handler(call, emu);
      }
      return m.path_known ? render::method_not_allowed(call.request)
                          : render::not_found(call.request);
    }();

    std::optional<Response> res;
    if (auto* ready = std::get_if<Response>(&reply)) {
      res = std::move(*ready);
      if (call.reply_last) {
        // Queue behind the sessions this call woke (the invoke's caller): the caller's answer
        // is on the critical path, the runtime's 202 is not.
        co_await net::post(socket.get_executor(), net::use_awaitable);
      }
    } else {
      const auto& parked = std::get<std::shared_ptr<ParkedReply>>(reply);
      res = co_await parked->wait();
      if (!res) {
        break;  // abandoned: the runtime this /next belonged to is gone
      }
      if (const std::shared_ptr<ResponseStream> stream = parked->stream()) {
        // HTTP/1.0 has no chunks: its streamed body ends with the connection.
        const bool keep = keep_alive && res->version() >= 11;
        res->keep_alive(keep);
        emu.trace_response(api, call.request, res->result_int());
        ec = co_await write_streamed(socket, std::move(*res), *stream, parked->framing());
        if (ec || !keep) {
          break;
        }
        continue;
      }
    }
    if (!keep_alive) {
      res->keep_alive(false);
    }
    emu.trace_response(api, call.request, res->result_int());
    co_await http::async_write(socket, *res, net::redirect_error(net::use_awaitable, ec));
    if (ec || !res->keep_alive()) {
      break;
    }
  }
  socket.shutdown(tcp::socket::shutdown_send, ec);
  socket.close(ec);
}

template net::awaitable<void> serve_session(tcp::socket, std::span<const RuntimeRoute>,
                                            std::string_view, driver::SandboxHost&);
template net::awaitable<void> serve_session(tcp::socket, std::span<const InvokeRoute>,
                                            std::string_view, driver::Emulator&);
template net::awaitable<void> serve_session(tcp::socket, std::span<const FunctionUrlRoute>,
                                            std::string_view, driver::FunctionHost&);

}  // namespace lambda_emu

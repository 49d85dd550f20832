// <utility> must come before any Boost.Asio header: Boost 1.74's Asio does not build with
// g++ 12 without it.
#include <utility>

#include "http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <functional>
#include <limits>

namespace lambda_emu::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

tcp::endpoint loopback(std::uint16_t port) {
  return {asio::ip::make_address_v4("127.0.0.1"), port};
}

}  // namespace

std::optional<std::string> HttpResult::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (beast::iequals(k, name)) {
      return v;
    }
  }
  return std::nullopt;
}

HttpResult request(std::uint16_t port, std::string_view method, std::string_view target,
                   std::string body, const Headers& headers, std::chrono::milliseconds timeout) {
  return request_streaming(port, method, target, std::move(body), headers, nullptr, timeout);
}

HttpResult request_streaming(std::uint16_t port, std::string_view method, std::string_view target,
                             std::string body, const Headers& headers,
                             const std::function<bool(std::string_view)>& on_chunk,
                             std::chrono::milliseconds timeout) {
  HttpResult result;
  const auto start = Clock::now();
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::flat_buffer buffer;

  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  req.set(http::field::user_agent, "lambda-emu-integration-tests");
  req.set(http::field::connection, "close");
  for (const auto& [k, v] : headers) {
    req.insert(k, v);
  }
  const bool send_length = !body.empty() || method == "POST" || method == "PUT";
  req.body() = std::move(body);
  if (send_length) {
    req.content_length(req.body().size());
  }

  http::response_parser<http::string_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  parser.header_limit(1024 * 1024);
  std::string chunked_body;
  // Chunk data goes to the callback as it is parsed instead of into the body (Beast keeps a
  // reference to the callback: it lives as long as the parser).
  auto chunk_body = [&](std::uint64_t, beast::string_view data, beast::error_code& ec) {
    chunked_body.append(data.data(), data.size());
    if (!on_chunk(std::string_view(data.data(), data.size()))) {
      ec = asio::error::operation_aborted;  // the caller hangs up here
    }
    return data.size();
  };
  if (on_chunk) {
    parser.on_chunk_body(chunk_body);
  }

  // Async operations under one deadline, run to completion on this thread.
  stream.expires_after(timeout);
  beast::error_code failure;
  stream.async_connect(loopback(port), [&](beast::error_code ec) {
    if (ec) {
      failure = ec;
      return;
    }
    http::async_write(stream, req, [&](beast::error_code wec, std::size_t) {
      // A server may answer (413, 400) and close before reading all of a large body: still read.
      if (wec && wec != asio::error::broken_pipe && wec != asio::error::connection_reset) {
        failure = wec;
        return;
      }
      http::async_read(stream, buffer, parser, [&](beast::error_code rec, std::size_t) {
        if (rec) {
          failure = rec;
        }
      });
    });
  });
  ioc.run();
  result.elapsed = Clock::now() - start;

  if (parser.is_header_done()) {
    const auto& res = parser.get();
    result.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
      result.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
  }
  if (failure) {
    result.error = failure == beast::error::timeout ? std::string("timeout") : failure.message();
    if (!parser.is_done()) {
      result.status = parser.is_header_done() ? result.status : 0;
      return result;
    }
  }
  // Chunked trailers arrive after the body: the header list only has them now.
  result.headers.clear();
  for (const auto& field : parser.get()) {
    result.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  const bool chunked = parser.chunked();
  result.body = parser.release().body();
  if (on_chunk && chunked) {
    result.body = std::move(chunked_body);
  }
  return result;
}

std::string raw_exchange(std::uint16_t port, std::string_view bytes,
                         std::chrono::milliseconds timeout) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  std::string received;
  std::array<char, 16 * 1024> chunk;
  stream.expires_after(timeout);

  std::function<void()> read_more = [&] {
    stream.async_read_some(asio::buffer(chunk), [&](beast::error_code ec, std::size_t n) {
      received.append(chunk.data(), n);
      if (!ec) {
        read_more();
      }
    });
  };
  stream.async_connect(loopback(port), [&](beast::error_code ec) {
    if (ec) {
      return;
    }
    asio::async_write(stream, asio::buffer(bytes.data(), bytes.size()),
                      [&](beast::error_code, std::size_t) { read_more(); });
  });
  ioc.run();
  return received;
}

void send_partial_and_close(std::uint16_t port, std::string_view bytes) {
  asio::io_context ioc;
  tcp::socket socket(ioc);
  beast::error_code ec;
  socket.connect(loopback(port), ec);
  if (ec) {
    return;
  }
  asio::write(socket, asio::buffer(bytes.data(), bytes.size()), ec);
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

}  // namespace lambda_emu::testing

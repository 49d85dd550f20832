#include "floor_servers.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <exception>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <nlohmann/json.hpp>

namespace bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::use_awaitable;

void write_file_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    if (!out.flush())
      throw std::runtime_error("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw std::runtime_error("cannot rename " + tmp + " to " + path);
}

namespace {

bool is_disconnect(const boost::system::system_error& e) {
  const auto& ec = e.code();
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::operation_aborted;
}

// Runs one session coroutine, reporting anything but an ordinary disconnect on stderr.
template <typename Session>
asio::awaitable<void> guarded(const char* who, Session session) {
  try {
    co_await std::move(session);
  } catch (const boost::system::system_error& e) {
    if (!is_disconnect(e))
      std::fprintf(stderr, "%s: %s\n", who, e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", who, e.what());
  }
}

// The streaming floor: `POST /stream/<bytes>` answers with that many bytes in 64 KiB chunks, as
// test-runtime's {"do":"stream","bytes":N} writes them to lambda-emu.
std::optional<std::uint64_t> stream_request_size(beast::string_view target) {
  constexpr beast::string_view prefix = "/stream/";
  if (!target.starts_with(prefix))
    return std::nullopt;
  std::uint64_t n = 0;
  const auto digits = target.substr(prefix.size());
  if (std::from_chars(digits.data(), digits.data() + digits.size(), n).ec != std::errc())
    return std::nullopt;
  return n;
}

asio::awaitable<void> write_stream(tcp::socket& socket, std::uint64_t bytes, bool keep_alive) {
  static const std::string block(64 * 1024, 'x');
  http::response<http::empty_body> head{http::status::ok, 11};
  head.set(http::field::content_type, "application/octet-stream");
  head.chunked(true);
  head.keep_alive(keep_alive);
  http::response_serializer<http::empty_body> serializer(head);
  co_await http::async_write_header(socket, serializer, use_awaitable);
  for (std::uint64_t left = bytes; left > 0;) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, block.size()));
    co_await asio::async_write(socket, http::make_chunk(asio::buffer(block.data(), n)),
                               use_awaitable);
    left -= n;
  }
  co_await asio::async_write(socket, http::make_chunk_last(), use_awaitable);
}

asio::awaitable<void> echo_session(tcp::socket socket) {
  socket.set_option(tcp::no_delay(true));
  beast::flat_buffer buffer;
  buffer.reserve(64 * 1024);
  std::string data;  // one body string cycles request -> response -> next request
  http::response<http::string_body> res;
  res.version(11);
  res.result(http::status::ok);
  res.set(http::field::content_type, "application/json");
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kBodyLimit);
    data.clear();
    parser.get().body().swap(data);
    co_await http::async_read(socket, buffer, parser, use_awaitable);
    if (const auto bytes = stream_request_size(parser.get().target())) {
      co_await write_stream(socket, *bytes, parser.get().keep_alive());
      if (!parser.get().keep_alive())
        break;
      continue;
    }
    res.keep_alive(parser.get().keep_alive());
    res.body().swap(parser.get().body());
    res.prepare_payload();
    co_await http::async_write(socket, res, use_awaitable);
    data.swap(res.body());
    if (!res.keep_alive())
      break;
  }
  socket.shutdown(tcp::socket::shutdown_send);
}

// A chunked upstream response (the echo server's /stream/N) goes on to the client piece by
// piece as it arrives, as lambda-emu relays a streamed response: the two-hop streaming floor.
asio::awaitable<void> relay_stream(tcp::socket& client, tcp::socket& upstream,
                                   beast::flat_buffer& upstream_buffer,
                                   http::response_parser<http::buffer_body>& back,
                                   bool keep_alive) {
  http::response<http::empty_body> head{back.get().result(), 11};
  head.set(http::field::content_type, back.get()[http::field::content_type]);
  head.chunked(true);
  head.keep_alive(keep_alive);
  http::response_serializer<http::empty_body> serializer(head);
  co_await http::async_write_header(client, serializer, use_awaitable);
  std::vector<char> scratch(64 * 1024);
  while (!back.is_done()) {
    back.get().body().data = scratch.data();
    back.get().body().size = scratch.size();
    beast::error_code ec;
    co_await http::async_read_some(upstream, upstream_buffer, back,
                                   asio::redirect_error(use_awaitable, ec));
    if (ec && ec != http::error::need_buffer)
      throw beast::system_error(ec);
    const std::size_t n = scratch.size() - back.get().body().size;
    if (n > 0)
      co_await asio::async_write(client, http::make_chunk(asio::buffer(scratch.data(), n)),
                                 use_awaitable);
  }
  co_await asio::async_write(client, http::make_chunk_last(), use_awaitable);
}

asio::awaitable<void> relay_session(tcp::socket client, tcp::endpoint upstream_endpoint) {
  client.set_option(tcp::no_delay(true));
  tcp::socket upstream(client.get_executor());
  co_await upstream.async_connect(upstream_endpoint, use_awaitable);
  upstream.set_option(tcp::no_delay(true));
  const std::string host =
      upstream_endpoint.address().to_string() + ":" + std::to_string(upstream_endpoint.port());

  beast::flat_buffer client_buffer;
  beast::flat_buffer upstream_buffer;
  client_buffer.reserve(64 * 1024);
  upstream_buffer.reserve(64 * 1024);
  // One body string cycles: client request -> upstream request -> upstream response ->
  // client response -> next client request. Its capacity is kept across requests.
  std::string data;
  http::request<http::string_body> up_req;
  up_req.version(11);
  up_req.method(http::verb::post);
  up_req.keep_alive(true);
  up_req.set(http::field::host, host);
  up_req.set(http::field::content_type, "application/json");
  http::response<http::string_body> res;
  res.version(11);
  res.set(http::field::content_type, "application/json");

  for (;;) {
    http::request_parser<http::string_body> in;
    in.body_limit(kBodyLimit);
    data.clear();
    in.get().body().swap(data);
    co_await http::async_read(client, client_buffer, in, use_awaitable);

    up_req.method(in.get().method());
    up_req.target(in.get().target());
    up_req.body().swap(in.get().body());
    up_req.prepare_payload();
    co_await http::async_write(upstream, up_req, use_awaitable);

    http::response_parser<http::buffer_body> streamed;
    streamed.body_limit(kBodyLimit);
    co_await http::async_read_header(upstream, upstream_buffer, streamed, use_awaitable);
    if (streamed.chunked()) {
      co_await relay_stream(client, upstream, upstream_buffer, streamed, in.get().keep_alive());
      data.swap(up_req.body());
      if (!in.get().keep_alive())
        break;
      continue;
    }
    http::response_parser<http::string_body> back(std::move(streamed));
    back.body_limit(kBodyLimit);
    back.get().body().swap(up_req.body());
    back.get().body().clear();
    co_await http::async_read(upstream, upstream_buffer, back, use_awaitable);

    res.result(back.get().result());
    res.keep_alive(in.get().keep_alive());
    res.body().swap(back.get().body());
    res.prepare_payload();
    co_await http::async_write(client, res, use_awaitable);
    data.swap(res.body());
    if (!res.keep_alive())
      break;
  }
  client.shutdown(tcp::socket::shutdown_send);
}

template <typename MakeSession>
asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, MakeSession make_session) {
  for (;;) {
    tcp::socket socket = co_await acceptor.async_accept(use_awaitable);
    asio::co_spawn(acceptor.get_executor(), make_session(std::move(socket)), asio::detached);
  }
}

template <typename MakeSession>
int serve(const char* who, const HostPort& listen, const std::string& ready_file,
          MakeSession make_session) {
  try {
    asio::io_context ioc(1);
    tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address(listen.host), listen.port));
    asio::signal_set signals(ioc, SIGTERM, SIGINT);
    signals.async_wait([&](const boost::system::error_code&, int) { ioc.stop(); });
    asio::co_spawn(ioc, accept_loop(acceptor, make_session), asio::detached);
    if (!ready_file.empty()) {
      const auto port = acceptor.local_endpoint().port();
      write_file_atomically(
          ready_file, nlohmann::json{{"listen", listen.host + ":" + std::to_string(port)}}.dump());
    }
    ioc.run();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", who, e.what());
    return 1;
  }
}

}  // namespace

int run_echo_server(const HostPort& listen, const std::string& ready_file) {
  return serve("echo server", listen, ready_file, [](tcp::socket socket) {
    return guarded("echo session", echo_session(std::move(socket)));
  });
}

int run_relay_server(const HostPort& listen, const HostPort& upstream,
                     const std::string& ready_file) {
  const tcp::endpoint upstream_endpoint(asio::ip::make_address(upstream.host), upstream.port);
  return serve("relay", listen, ready_file, [upstream_endpoint](tcp::socket socket) {
    return guarded("relay session", relay_session(std::move(socket), upstream_endpoint));
  });
}

}  // namespace bench

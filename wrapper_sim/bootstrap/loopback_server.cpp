#include "bootstrap/loopback_server.hpp"

#include <limits>
#include <thread>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace lambda_emu::wrapper_sim {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

}  // namespace

LoopbackServer::LoopbackServer(Handler handler, Key) : handler_(std::move(handler)) {}

LoopbackServer::Made LoopbackServer::listen(Handler handler) {
  auto server = std::make_shared<LoopbackServer>(std::move(handler), Key{});
  beast::error_code ec;
  tcp::acceptor& a = server->acceptor_;
  a.open(tcp::v4(), ec);
  if (!ec) {
    a.bind({asio::ip::address_v4::loopback(), 0}, ec);
  }
  if (!ec) {
    a.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return HttpFailure{"cannot listen on 127.0.0.1: " + ec.message()};
  }
  return server;
}

LoopbackServer::Made LoopbackServer::listen_on(int fd, Handler handler) {
  auto server = std::make_shared<LoopbackServer>(std::move(handler), Key{});
  beast::error_code ec;
  server->acceptor_.assign(tcp::v4(), fd, ec);
  if (!ec) {
    server->acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return HttpFailure{"cannot listen on socket " + std::to_string(fd) + ": " + ec.message()};
  }
  return server;
}

std::uint16_t LoopbackServer::port() const {
  beast::error_code ec;
  return acceptor_.local_endpoint(ec).port();
}

void LoopbackServer::start() {
  std::thread([self = shared_from_this()] { self->serve_forever(); }).detach();
}

void LoopbackServer::serve_forever() {
  for (;;) {
    tcp::socket socket(io_);
    beast::error_code ec;
    acceptor_.accept(socket, ec);
    if (ec) {
      continue;  // a client that gave up before we accepted it
    }
    socket.set_option(tcp::no_delay(true), ec);
    std::thread([self = shared_from_this(), s = std::move(socket)]() mutable {
      self->serve(std::move(s));
    }).detach();
  }
}

void LoopbackServer::serve(tcp::socket socket) const {
  beast::flat_buffer buffer;
  for (;;) {
    beast::error_code ec;
    http::request_parser<http::string_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    http::read(socket, buffer, parser, ec);
    if (ec) {
      break;  // the client closed the connection, or sent no HTTP
    }
    const Request req = parser.release();
    Response res = handler_(req);
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    http::write(socket, res, ec);
    if (ec || !res.keep_alive()) {
      break;
    }
  }
  beast::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
}

Response ok_response(const Request& req, std::string body, std::string_view content_type) {
  Response res{http::status::ok, req.version()};
  res.set(http::field::content_type, content_type);
  res.body() = std::move(body);
  return res;
}

}  // namespace lambda_emu::wrapper_sim

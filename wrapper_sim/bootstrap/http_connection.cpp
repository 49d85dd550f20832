#include "bootstrap/http_connection.hpp"

#include <cstdint>
#include <limits>

#include <boost/asio/connect.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace lambda_emu::wrapper_sim {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

std::string failure(std::string_view what, const std::string& address,
                    const beast::error_code& ec) {
  return std::string(what) + " " + address + ": " + ec.message();
}

}  // namespace

Request make_request(http::verb verb, std::string_view target, std::string body,
                     std::string_view content_type) {
  Request req{verb, target, 11};
  if (!content_type.empty()) {
    req.set(http::field::content_type, content_type);
  }
  req.body() = std::move(body);
  return req;
}

std::optional<HttpFailure> unexpected_status(std::string_view call, const Response& res,
                                             http::status expected) {
  if (res.result() == expected) {
    return std::nullopt;
  }
  return HttpFailure{std::string(call) + ": status " + std::to_string(res.result_int()) + " " +
                     res.body()};
}

HttpConnection::HttpConnection(std::string address) : address_(std::move(address)) {}

beast::error_code HttpConnection::connect() {
  beast::error_code ec;
  const std::size_t colon = address_.rfind(':');
  if (colon == std::string::npos) {
    return asio::error::invalid_argument;
  }
  const auto endpoints =
      tcp::resolver(io_).resolve(address_.substr(0, colon), address_.substr(colon + 1), ec);
  if (ec) {
    return ec;
  }
  asio::connect(socket_, endpoints, ec);
  if (!ec) {
    socket_.set_option(tcp::no_delay(true), ec);  // small requests go out at once
  }
  return ec;
}

HttpResult HttpConnection::exchange(Request req) {
  req.set(http::field::host, address_);
  req.prepare_payload();
  beast::error_code ec;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = socket_.is_open();
    if (!reused) {
      if ((ec = connect())) {
        close();
        return HttpFailure{failure("cannot connect to", address_, ec)};
      }
    }
    http::write(socket_, req, ec);
    if (!ec) {
      HttpResult reply = read_reply();
      if (std::holds_alternative<Response>(reply) || !reused) {
        return reply;
      }
    } else if (!reused) {
      break;
    }
    close();
  }
  close();
  return HttpFailure{failure("request to", address_, ec)};
}

std::variant<tcp::socket*, HttpFailure> HttpConnection::open_socket() {
  if (!socket_.is_open()) {
    if (const beast::error_code ec = connect()) {
      close();
      return HttpFailure{failure("cannot connect to", address_, ec)};
    }
  }
  return &socket_;
}

HttpResult HttpConnection::read_reply() {
  beast::error_code ec;
  http::response_parser<http::string_body> parser;
  // Events and responses reach 6 MiB and more (Beast's default limit is 1 MiB). Not
  // boost::none: Beast 1.74 then refuses every body with a Content-Length.
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  http::read(socket_, buffer_, parser, ec);
  if (ec) {
    close();
    return HttpFailure{failure("no reply from", address_, ec)};
  }
  Response res = parser.release();
  if (!res.keep_alive()) {
    close();
  }
  return res;
}

void HttpConnection::close() {
  beast::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  buffer_.clear();  // what is left belongs to the dead connection
}

}  // namespace lambda_emu::wrapper_sim

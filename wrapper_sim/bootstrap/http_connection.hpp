#pragma once
// HttpConnection: one keep-alive HTTP/1.1 connection on Beast, used synchronously by one thread:
// the wrapper runtime's Runtime API calls, its proxy hop, its readiness polls and notifications,
// and an extension's Extensions API calls. Failures come back as values: a call that cannot
// reach the server says why instead of throwing.
//
//   HttpConnection api("127.0.0.1:9001");
//   HttpResult r = api.exchange(make_request(http::verb::get,
//   "/2018-06-01/runtime/invocation/next")); if (auto* failed = std::get_if<HttpFailure>(&r)) {
//   spdlog::error("{}", failed->message); }
#include <utility>  // before Asio: Boost 1.74 with g++ 12 needs it (std::exchange)

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace lambda_emu::wrapper_sim {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

struct HttpFailure {
  std::string message;
};
using HttpResult = std::variant<Response, HttpFailure>;

// An HTTP/1.1 request with a target and, when given, a body of that content type.
[[nodiscard]] Request make_request(http::verb verb, std::string_view target, std::string body = {},
                                   std::string_view content_type = {});

// A status other than `expected` as a failure naming the call, the status and the reply's body.
[[nodiscard]] std::optional<HttpFailure> unexpected_status(std::string_view call,
                                                           const Response& res,
                                                           http::status expected);

class HttpConnection {
 public:
  // `address` is "host:port" (AWS_LAMBDA_RUNTIME_API's form); it is resolved on first use.
  explicit HttpConnection(std::string address);
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Sends `req` (Host and Content-Length set here) and reads the whole reply. A failure on a
  // reused connection, which the server may have closed while it was idle, is retried once on a
  // new one.
  [[nodiscard]] HttpResult exchange(Request req);

  // For a request written piece by piece (a streamed response): the open socket, connecting if
  // needed, then read_reply() for its answer.
  [[nodiscard]] std::variant<boost::asio::ip::tcp::socket*, HttpFailure> open_socket();
  [[nodiscard]] HttpResult read_reply();

  void close();
  [[nodiscard]] const std::string& address() const { return address_; }

 private:
  [[nodiscard]] boost::beast::error_code connect();

  std::string address_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_{io_};
  boost::beast::flat_buffer buffer_;
};

}  // namespace lambda_emu::wrapper_sim

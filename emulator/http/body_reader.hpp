#pragma once
// BodyReader: a request body read piece by piece as the client sends it, for routes that
// forward it instead of keeping it (a streamed /response, section 3.1). Chunked trailers, once
// the body is done, are in fields().
//
//   error_code ec;
//   for (;;) {
//     std::string_view piece = co_await body.read_some(ec);
//     if (ec || piece.empty()) break;   // ec: the body broke off; empty: its end
//     forward(piece);
//   }
#include <array>
#include <string_view>

#include "http/net.hpp"

namespace lambda_emu {

class BodyReader {
 public:
  BodyReader(tcp::socket& socket, beast::flat_buffer& buffer,
             http::request_parser<http::buffer_body>& parser)
      : socket_(socket), buffer_(buffer), parser_(parser) {}

  // The next bytes of the body; empty once it has ended (then done() is true).
  net::awaitable<std::string_view> read_some(error_code& ec);
  [[nodiscard]] bool done() const { return parser_.is_done(); }
  // The request's header fields and, after the body, its trailers.
  [[nodiscard]] const http::fields& fields() const { return parser_.get(); }

 private:
  tcp::socket& socket_;
  beast::flat_buffer& buffer_;
  http::request_parser<http::buffer_body>& parser_;
  std::array<char, 64 * 1024> scratch_;
};

}  // namespace lambda_emu

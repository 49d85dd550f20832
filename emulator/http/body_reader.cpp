#include "http/body_reader.hpp"

namespace lambda_emu {

net::awaitable<std::string_view> BodyReader::read_some(error_code& ec) {
  ec = {};
  // A read may parse only framing (a chunk header, the trailers): go on until bytes or the end.
  while (!parser_.is_done()) {
    auto& body = parser_.get().body();
    body.data = scratch_.data();
    body.size = scratch_.size();
    co_await http::async_read_some(socket_, buffer_, parser_,
                                   net::redirect_error(net::use_awaitable, ec));
    if (ec == http::error::need_buffer) {
      ec = {};
    }
    if (ec) {
      co_return std::string_view();
    }
    const std::size_t n = scratch_.size() - body.size;
    if (n > 0) {
      co_return std::string_view(scratch_.data(), n);
    }
  }
  co_return std::string_view();
}

}  // namespace lambda_emu

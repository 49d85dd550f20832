#pragma once
// ParkedReply: a response that does not exist yet (a long-polling /next, an invoke waiting for
// its outcome). The session awaits it; the driver fills or abandons it later. A reply filled
// with a stream is a head whose body follows as the stream delivers it.
//
//   auto parked = std::make_shared<ParkedReply>(executor);
//   ... driver: parked->fill(std::move(response));    // or fill(std::move(head), stream)
//   ... session: std::optional<Response> r = co_await parked->wait();
//                if (parked->stream()) ... write r's header, then the stream
#include <memory>
#include <optional>

#include "http/net.hpp"
#include "http/payload_body.hpp"
#include "http/response_stream.hpp"
#include "http/stream_framing.hpp"

namespace lambda_emu {

class ParkedReply {
 public:
  explicit ParkedReply(net::any_io_executor ex) : timer_(ex) {
    timer_.expires_at(net::steady_timer::time_point::max());
  }

  void fill(Response r, std::shared_ptr<ResponseStream> stream = nullptr,
            StreamFraming framing = {}) {
    response_ = std::move(r);
    stream_ = std::move(stream);
    framing_ = framing;
    timer_.cancel();
  }
  // Nobody will answer: the session closes the connection without a reply.
  void abandon() {
    abandoned_ = true;
    timer_.cancel();
  }
  [[nodiscard]] bool open() const { return !response_ && !abandoned_; }
  [[nodiscard]] const std::shared_ptr<ResponseStream>& stream() const { return stream_; }
  [[nodiscard]] const StreamFraming& framing() const { return framing_; }

  // The response, or nullopt when abandoned.
  net::awaitable<std::optional<Response>> wait() {
    while (open()) {
      error_code ec;
      co_await timer_.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
    co_return std::move(response_);
  }

 private:
  net::steady_timer timer_;
  std::optional<Response> response_;
  std::shared_ptr<ResponseStream> stream_;
  StreamFraming framing_;
  bool abandoned_ = false;
};

}  // namespace lambda_emu

#include "http/response_stream.hpp"

#include <catch2/catch.hpp>

using namespace lambda_emu;

namespace {

// Runs a coroutine on `ioc` until nothing is left to do.
template <class F>
void spawn(net::io_context& ioc, F f) {
  net::co_spawn(ioc, std::move(f), net::detached);
}

}  // namespace

TEST_CASE("response stream: bytes come out in order, then the end with its error",
          "[http][streaming]") {
  net::io_context ioc;
  auto stream = std::make_shared<ResponseStream>(ioc.get_executor());
  std::string got;
  bool ended = false;
  spawn(ioc, [&]() -> net::awaitable<void> {
    while (auto bytes = co_await stream->read()) {
      got += *bytes;
    }
    ended = true;
  });
  spawn(ioc, [&]() -> net::awaitable<void> {
    co_await stream->write("first ");
    co_await stream->write("second");
    stream->close({"Runtime.StreamError", "{}", std::nullopt});
  });
  ioc.run();
  CHECK(got == "first second");
  CHECK(ended);
  CHECK(stream->end().error_type == "Runtime.StreamError");
}

TEST_CASE("response stream: a writer waits while the reader is behind", "[http][streaming]") {
  net::io_context ioc;
  auto stream = std::make_shared<ResponseStream>(ioc.get_executor());
  const std::string big(ResponseStream::high_water + 1, 'x');
  int written = 0;
  spawn(ioc, [&]() -> net::awaitable<void> {
    co_await stream->write(big);  // over the mark now
    ++written;
    co_await stream->write("more");  // waits for a read
    ++written;
    stream->close();
  });
  ioc.poll();
  CHECK(written == 1);
  std::size_t total = 0;
  spawn(ioc, [&]() -> net::awaitable<void> {
    while (auto bytes = co_await stream->read()) {
      total += bytes->size();
    }
  });
  ioc.run();
  CHECK(written == 2);
  CHECK(total == big.size() + 4);
}

TEST_CASE("response stream: once the reader is gone, writes are dropped and never wait",
          "[http][streaming]") {
  net::io_context ioc;
  auto stream = std::make_shared<ResponseStream>(ioc.get_executor());
  stream->detach();
  bool done = false;
  spawn(ioc, [&]() -> net::awaitable<void> {
    for (int i = 0; i < 3; ++i) {
      co_await stream->write(std::string(ResponseStream::high_water, 'x'));
    }
    done = true;
  });
  ioc.run();
  CHECK(done);
}

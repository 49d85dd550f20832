#pragma once
// A minimal in-process Lambda Runtime API server, used to time a runtime's own cold start
// (spawn -> GET /next -> POST /response) without the emulator.
//
//   FakeRuntimeApi api;                 // listens on 127.0.0.1:<free port>, own io_context thread
//   api.arm("req-1", R"({"x":1})");     // the next GET .../invocation/next gets this event
//   ... spawn the runtime with AWS_LAMBDA_RUNTIME_API=api.address() ...
//   auto at = api.wait_response(5s, &why);   // when POST .../req-1/response was fully read
//
// A GET /next after the armed event was delivered is held open (never answered) until the
// runtime disconnects, as the real service does between invokes.
#include <utility>  // must precede Boost.Asio (Boost 1.74 + g++ 12)

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace bench {

class FakeRuntimeApi {
 public:
  using Clock = std::chrono::steady_clock;

  FakeRuntimeApi();  // throws if it cannot listen
  ~FakeRuntimeApi();
  FakeRuntimeApi(const FakeRuntimeApi&) = delete;
  FakeRuntimeApi& operator=(const FakeRuntimeApi&) = delete;

  // "127.0.0.1:PORT", the value for AWS_LAMBDA_RUNTIME_API.
  [[nodiscard]] std::string address() const;

  // Prepares the next run: exactly one GET /next is answered with this event.
  void arm(std::string request_id, std::string event);

  // Waits for POST /runtime/invocation/<id>/response of the armed request. Returns the time the
  // request was completely read, or nullopt (with *error set) on timeout or a reported error.
  std::optional<Clock::time_point> wait_response(std::chrono::milliseconds timeout,
                                                 std::string* error);

  // Body of the last /response received (to check the runtime echoed the event).
  [[nodiscard]] std::string last_response_body();

 private:
  struct Session;
  friend struct Session;
  void finish(std::optional<Clock::time_point> at, std::string error, std::string body);

  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;

  std::mutex mutex_;
  std::condition_variable cv_;
  std::string request_id_;
  std::string event_;
  bool armed_ = false;
  bool delivered_ = false;
  bool done_ = false;
  std::optional<Clock::time_point> responded_at_;
  std::string error_;
  std::string response_body_;
};

}  // namespace bench

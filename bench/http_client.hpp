#pragma once
// A keep-alive, sequential HTTP/1.1 client: one blocking request at a time on one connection.
//
// Used for every measured path so the emulator and the floor see exactly the same client.
// Follows the measured Beast advice: 64 KiB read reservation, one response body string reused
// across requests, explicit body limit, TCP_NODELAY. A watchdog thread shuts the socket down if a
// single request hangs longer than the timeout, so a stuck server cannot hang the benchmark.
#include <utility>  // must precede Boost.Asio (Boost 1.74 + g++ 12)

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/span_body.hpp>

namespace bench {

// "127.0.0.1:8080" -> {"127.0.0.1", 8080}; a bare "8080" means 127.0.0.1:8080.
// Throws std::invalid_argument.
struct HostPort {
  std::string host;
  unsigned short port = 0;
  [[nodiscard]] std::string str() const { return host + ":" + std::to_string(port); }
};
HostPort parse_host_port(std::string_view text);

// Largest body any bench component accepts (Beast's default of 1 MiB is too small for Lambda).
inline constexpr std::uint64_t kBodyLimit = 64ull * 1024 * 1024;

class HttpClient {
 public:
  explicit HttpClient(std::chrono::milliseconds request_timeout = std::chrono::seconds(60));
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Throws boost::system::system_error.
  void connect(const HostPort& to);
  void close();
  [[nodiscard]] bool is_open() const { return socket_.is_open(); }

  // Sends POST target with body and reads the whole response. Returns the status code; the body
  // stays available through body() until the next call. Throws on I/O errors and timeouts.
  unsigned post(std::string_view target, std::string_view body);
  [[nodiscard]] const std::string& body() const { return response_body_; }

  // What a streamed (chunked) response took, from the request's first byte written.
  struct StreamTiming {
    unsigned status = 0;
    std::chrono::nanoseconds first_byte{0};  // the first body byte read
    std::chrono::nanoseconds total{0};       // the whole body and its trailers read
    std::uint64_t bytes = 0;
    std::string error_type;  // Lambda-Runtime-Function-Error-Type trailer, if any
  };
  // Sends POST target with body and reads the response body as it arrives, keeping none of it.
  StreamTiming post_streamed(std::string_view target, std::string_view body);

 private:
  void watch(const std::stop_token& stop);
  // Sends the request and returns read()'s reading of the answer, under the request timeout.
  template <class Read>
  auto exchange(std::string_view target, std::string_view body, Read read);

  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  boost::beast::http::request<boost::beast::http::span_body<const char>> request_;
  std::string response_body_;
  std::string host_header_;
  std::chrono::milliseconds timeout_;
  std::atomic<std::int64_t> deadline_ns_{0};  // 0: idle
  std::atomic<bool> timed_out_{false};
  std::jthread watchdog_;
};

}  // namespace bench

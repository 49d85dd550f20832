#include "http_client.hpp"

#include <sys/socket.h>

#include <charconv>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

HostPort parse_host_port(std::string_view text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos)
    return parse_host_port("127.0.0.1:" + std::string(text));  // a bare port
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size())
    throw std::invalid_argument("expected HOST:PORT, got '" + std::string(text) + "'");
  unsigned port = 0;
  const auto digits = text.substr(colon + 1);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc{} || end != digits.data() + digits.size() || port > 65535)
    throw std::invalid_argument("bad port in '" + std::string(text) + "'");
  return HostPort{std::string(text.substr(0, colon)), static_cast<unsigned short>(port)};
}

namespace {
std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

HttpClient::HttpClient(std::chrono::milliseconds request_timeout)
    : socket_(ioc_), timeout_(request_timeout) {
  buffer_.reserve(64 * 1024);
  request_.method(http::verb::post);
  request_.version(11);
  request_.keep_alive(true);
  request_.set(http::field::content_type, "application/json");
  request_.set(http::field::user_agent, "lambda-emu-bench");
  watchdog_ = std::jthread([this](const std::stop_token& stop) { watch(stop); });
}

HttpClient::~HttpClient() {
  watchdog_.request_stop();
  if (watchdog_.joinable())
    watchdog_.join();
  close();
}

void HttpClient::watch(const std::stop_token& stop) {
  std::mutex m;
  std::condition_variable_any cv;
  std::unique_lock lock(m);
  while (!stop.stop_requested()) {
    cv.wait_for(lock, stop, std::chrono::seconds(1), [] { return false; });
    const auto deadline = deadline_ns_.load(std::memory_order_relaxed);
    if (deadline != 0 && now_ns() > deadline && !timed_out_.exchange(true)) {
      // Unblocks the blocking recv/send in post(); the socket itself is closed by that thread.
      ::shutdown(socket_.native_handle(), SHUT_RDWR);
    }
  }
}

void HttpClient::connect(const HostPort& to) {
  close();
  socket_.connect(tcp::endpoint(asio::ip::make_address(to.host), to.port));
  socket_.set_option(tcp::no_delay(true));
  host_header_ = to.str();
  request_.set(http::field::host, host_header_);
  buffer_.clear();
}

void HttpClient::close() {
  if (!socket_.is_open())
    return;
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

template <class Read>
auto HttpClient::exchange(std::string_view target, std::string_view body, Read read) {
  request_.target(beast::string_view(target.data(), target.size()));
  request_.body() = beast::span<const char>(body.data(), body.size());
  request_.prepare_payload();
  timed_out_.store(false, std::memory_order_relaxed);
  deadline_ns_.store(now_ns() + std::chrono::nanoseconds(timeout_).count(),
                     std::memory_order_relaxed);
  try {
    http::write(socket_, request_);
    auto result = read();
    deadline_ns_.store(0, std::memory_order_relaxed);
    return result;
  } catch (...) {
    deadline_ns_.store(0, std::memory_order_relaxed);
    close();
    if (timed_out_.load())
      throw std::runtime_error("request timed out");
    throw;
  }
}

unsigned HttpClient::post(std::string_view target, std::string_view body) {
  return exchange(target, body, [&] {
    // A fresh parser per response (cheap), but the body string and its capacity are reused.
    http::response_parser<http::string_body> parser;
    parser.body_limit(kBodyLimit);
    response_body_.clear();
    parser.get().body().swap(response_body_);
    http::read(socket_, buffer_, parser);
    response_body_.swap(parser.get().body());
    const unsigned status = parser.get().result_int();
    if (!parser.get().keep_alive())
      close();
    return status;
  });
}

HttpClient::StreamTiming HttpClient::post_streamed(std::string_view target, std::string_view body) {
  const auto start = std::chrono::steady_clock::now();
  return exchange(target, body, [&] {
    StreamTiming t;
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    http::read_header(socket_, buffer_, parser);
    std::vector<char> scratch(64 * 1024);
    while (!parser.is_done()) {
      parser.get().body().data = scratch.data();
      parser.get().body().size = scratch.size();
      boost::system::error_code ec;
      http::read_some(socket_, buffer_, parser, ec);  // returns with what has arrived
      if (ec && ec != http::error::need_buffer)
        throw boost::system::system_error(ec);
      const std::size_t n = scratch.size() - parser.get().body().size;
      if (n > 0 && t.bytes == 0)
        t.first_byte = std::chrono::steady_clock::now() - start;
      t.bytes += n;
    }
    t.total = std::chrono::steady_clock::now() - start;
    t.status = parser.get().result_int();
    t.error_type = std::string(parser.get()["Lambda-Runtime-Function-Error-Type"]);
    if (!parser.get().keep_alive())
      close();
    return t;
  });
}

}  // namespace bench

#include "fake_runtime_api.hpp"

#include <cstdio>
#include <exception>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "http_client.hpp"

namespace bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::use_awaitable;

namespace {
constexpr std::string_view kNext = "/2018-06-01/runtime/invocation/next";
constexpr std::string_view kInvocationPrefix = "/2018-06-01/runtime/invocation/";
constexpr std::string_view kInitError = "/2018-06-01/runtime/init/error";
constexpr const char* kFunctionArn = "arn:aws:lambda:us-east-1:012345678912:function:test_function";

std::string epoch_ms_from_now(std::chrono::milliseconds ahead) {
  const auto t = std::chrono::system_clock::now() + ahead;
  return std::to_string(
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
}
}  // namespace

struct FakeRuntimeApi::Session {
  static asio::awaitable<void> run(FakeRuntimeApi* api, tcp::socket socket) {
    try {
      co_await serve(api, socket);
    } catch (const boost::system::system_error&) {
      // The runtime was killed or disconnected; that ends every run.
    } catch (const std::exception& e) {
      std::fprintf(stderr, "fake runtime API: %s\n", e.what());
    }
  }

  static asio::awaitable<void> serve(FakeRuntimeApi* api, tcp::socket& socket) {
    socket.set_option(tcp::no_delay(true));
    beast::flat_buffer buffer;
    buffer.reserve(64 * 1024);
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(kBodyLimit);
      co_await http::async_read(socket, buffer, parser, use_awaitable);
      const auto at = Clock::now();
      auto& req = parser.get();
      const std::string_view target(req.target().data(), req.target().size());

      http::response<http::string_body> res;
      res.version(11);
      res.keep_alive(req.keep_alive());
      res.set(http::field::content_type, "application/json");

      if (req.method() == http::verb::get && target == kNext) {
        std::string id;
        std::string event;
        {
          std::lock_guard lock(api->mutex_);
          if (api->armed_ && !api->delivered_) {
            api->delivered_ = true;
            id = api->request_id_;
            event = api->event_;
          }
        }
        if (id.empty()) {
          // Nothing to deliver: hold the long poll until the runtime goes away.
          http::request_parser<http::string_body> never;
          co_await http::async_read(socket, buffer, never, use_awaitable);
          co_return;
        }
        res.result(http::status::ok);
        res.set("Lambda-Runtime-Aws-Request-Id", id);
        res.set("Lambda-Runtime-Deadline-Ms", epoch_ms_from_now(std::chrono::minutes(5)));
        res.set("Lambda-Runtime-Invoked-Function-Arn", kFunctionArn);
        res.set("Lambda-Runtime-Trace-Id",
                "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0");
        res.body() = std::move(event);
      } else if (req.method() == http::verb::post && target == kInitError) {
        api->finish(std::nullopt, "runtime reported init error: " + req.body(), {});
        res.result(http::status::accepted);
        res.body() = R"({"status":"OK"})";
      } else if (req.method() == http::verb::post && target.starts_with(kInvocationPrefix)) {
        const auto rest = target.substr(kInvocationPrefix.size());
        const auto slash = rest.find('/');
        const auto id = rest.substr(0, slash);
        const auto what = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
        bool known = false;
        {
          std::lock_guard lock(api->mutex_);
          known = api->armed_ && id == api->request_id_;
        }
        if (known && what == "/response") {
          api->finish(at, {}, std::move(req.body()));
          res.result(http::status::accepted);
          res.body() = R"({"status":"OK"})";
        } else if (known && what == "/error") {
          api->finish(std::nullopt, "runtime reported invocation error: " + req.body(), {});
          res.result(http::status::accepted);
          res.body() = R"({"status":"OK"})";
        } else {
          res.result(http::status::bad_request);
          res.body() = R"({"errorType":"InvalidRequestID","errorMessage":"unknown request id"})";
        }
      } else {
        res.result(http::status::not_found);
        res.body() = R"({"errorType":"NotFound","errorMessage":"not found"})";
      }
      res.prepare_payload();
      co_await http::async_write(socket, res, use_awaitable);
      if (!res.keep_alive())
        co_return;
    }
  }

  static asio::awaitable<void> accept(FakeRuntimeApi* api) {
    for (;;) {
      tcp::socket socket = co_await api->acceptor_.async_accept(use_awaitable);
      asio::co_spawn(api->ioc_, run(api, std::move(socket)), asio::detached);
    }
  }
};

FakeRuntimeApi::FakeRuntimeApi()
    : ioc_(1), acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
  asio::co_spawn(ioc_, Session::accept(this), asio::detached);
  thread_ = std::thread([this] {
    try {
      ioc_.run();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "fake runtime API: %s\n", e.what());
    }
  });
}

FakeRuntimeApi::~FakeRuntimeApi() {
  ioc_.stop();
  if (thread_.joinable())
    thread_.join();
}

std::string FakeRuntimeApi::address() const {
  return "127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
}

void FakeRuntimeApi::arm(std::string request_id, std::string event) {
  std::lock_guard lock(mutex_);
  request_id_ = std::move(request_id);
  event_ = std::move(event);
  armed_ = true;
  delivered_ = false;
  done_ = false;
  responded_at_.reset();
  error_.clear();
  response_body_.clear();
}

void FakeRuntimeApi::finish(std::optional<Clock::time_point> at, std::string error,
                            std::string body) {
  {
    std::lock_guard lock(mutex_);
    if (done_)
      return;
    done_ = true;
    responded_at_ = at;
    error_ = std::move(error);
    response_body_ = std::move(body);
  }
  cv_.notify_all();
}

std::optional<FakeRuntimeApi::Clock::time_point> FakeRuntimeApi::wait_response(
    std::chrono::milliseconds timeout, std::string* error) {
  std::unique_lock lock(mutex_);
  if (!cv_.wait_for(lock, timeout, [this] { return done_; })) {
    if (error)
      *error = delivered_ ? "no /response within the timeout"
                          : "the runtime never asked for /next within the timeout";
    armed_ = false;
    return std::nullopt;
  }
  armed_ = false;
  if (!responded_at_ && error)
    *error = error_;
  return responded_at_;
}

std::string FakeRuntimeApi::last_response_body() {
  std::lock_guard lock(mutex_);
  return response_body_;
}

}  // namespace bench

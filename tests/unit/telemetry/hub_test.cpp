// The Hub against real listeners on 127.0.0.1: a Beast HTTP/1.1 server, a raw HTTP/1.0 server
// that reads exactly Content-Length bytes and closes, and a TCP line reader. Time is real
// (sockets are), but no assertion depends on how fast anything is.
#include "telemetry/hub.hpp"

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "driver/steady_clock.hpp"

using namespace lambda_emu;
using namespace lambda_emu::telemetry;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// Runs the io_context until `done()` or `limit` passed; returns done().
template <typename Pred>
bool run_until(net::io_context& ioc, Pred done, std::chrono::milliseconds limit = 10s) {
  auto expired = std::make_shared<bool>(false);
  net::steady_timer deadline(ioc, limit);
  deadline.async_wait([expired](const error_code& ec) {
    if (!ec) {
      *expired = true;
    }
  });
  ioc.restart();
  while (!done() && !*expired) {
    ioc.run_one();
  }
  deadline.cancel();
  ioc.poll();
  return done();
}

void run_for(net::io_context& ioc, std::chrono::milliseconds d) {
  run_until(
      ioc, [] { return false; }, d);
}

struct Request {
  std::string method;
  std::string target;
  unsigned version = 0;
  std::string content_type;
  std::string content_length;
  std::string transfer_encoding;
  std::string body;

  [[nodiscard]] json events() const { return json::parse(body); }
};

// HTTP/1.1 with keep-alive. Answers `statuses` in turn (then 200), or holds every request
// unanswered while `holding`.
class HttpListener {
 public:
  explicit HttpListener(net::io_context& ioc, bool listening = true) : acceptor_(ioc), hold_(ioc) {
    acceptor_.open(tcp::v4());
    acceptor_.bind({net::ip::address_v4::loopback(), 0});
    hold_.expires_at(net::steady_timer::time_point::max());
    if (listening) {
      listen();
    }
  }

  // Until now connections were refused (bound, not listening).
  void listen() {
    acceptor_.listen();
    net::co_spawn(acceptor_.get_executor(), accept_loop(), net::detached);
  }
  void release() {
    holding = false;
    hold_.cancel();
  }
  void close() {
    error_code ec;
    acceptor_.close(ec);
    closed_ = true;
    hold_.cancel();
  }
  [[nodiscard]] std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  std::vector<Request> requests;
  std::vector<unsigned> statuses;
  bool holding = false;
  int connections = 0;

  // Every event received, in order, across requests.
  [[nodiscard]] std::vector<json> events() const {
    std::vector<json> out;
    for (const auto& r : requests) {
      for (auto& e : r.events()) {
        out.push_back(e);
      }
    }
    return out;
  }

 private:
  net::awaitable<void> accept_loop() {
    for (;;) {
      error_code ec;
      tcp::socket socket =
          co_await acceptor_.async_accept(net::redirect_error(net::use_awaitable, ec));
      if (ec) {
        co_return;
      }
      ++connections;
      net::co_spawn(acceptor_.get_executor(), serve(std::move(socket)), net::detached);
    }
  }

  net::awaitable<void> serve(tcp::socket socket) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      error_code ec;
      co_await http::async_read(socket, buffer, req, net::redirect_error(net::use_awaitable, ec));
      if (ec || closed_) {
        co_return;
      }
      requests.push_back({std::string(req.method_string()), std::string(req.target()),
                          req.version(), std::string(req[http::field::content_type]),
                          std::string(req[http::field::content_length]),
                          std::string(req[http::field::transfer_encoding]), req.body()});
      if (holding) {
        co_await hold_.async_wait(net::redirect_error(net::use_awaitable, ec));
        if (closed_) {
          co_return;
        }
      }
      const std::size_t i = requests.size() - 1;
      const unsigned status = i < statuses.size() ? statuses[i] : 200;
      http::response<http::string_body> res{static_cast<http::status>(status), 11};
      res.body() = "OK";
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      co_await http::async_write(socket, res, net::redirect_error(net::use_awaitable, ec));
      if (ec || !res.keep_alive()) {
        co_return;
      }
    }
  }

  tcp::acceptor acceptor_;
  net::steady_timer hold_;
  bool closed_ = false;
};

// What some extensions' listeners do: read the header, read exactly Content-Length bytes,
// answer HTTP/1.0 and close.
class Http10Listener {
 public:
  explicit Http10Listener(net::io_context& ioc)
      : acceptor_(ioc, {net::ip::address_v4::loopback(), 0}) {
    net::co_spawn(acceptor_.get_executor(), accept_loop(), net::detached);
  }
  void close() {
    error_code ec;
    acceptor_.close(ec);
  }
  [[nodiscard]] std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  std::vector<std::string> bodies;
  int connections = 0;

 private:
  net::awaitable<void> accept_loop() {
    for (;;) {
      error_code ec;
      tcp::socket socket =
          co_await acceptor_.async_accept(net::redirect_error(net::use_awaitable, ec));
      if (ec) {
        co_return;
      }
      ++connections;
      std::string data;
      const std::size_t header_end =
          co_await net::async_read_until(socket, net::dynamic_buffer(data), "\r\n\r\n",
                                         net::redirect_error(net::use_awaitable, ec));
      if (ec) {
        continue;
      }
      std::string header = data.substr(0, header_end);
      std::transform(header.begin(), header.end(), header.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      const std::size_t at = header.find("content-length:");
      const std::size_t length = at == std::string::npos ? 0 : std::stoul(header.substr(at + 15));
      if (data.size() < header_end + length) {
        co_await net::async_read(socket, net::dynamic_buffer(data),
                                 net::transfer_exactly(header_end + length - data.size()),
                                 net::redirect_error(net::use_awaitable, ec));
      }
      bodies.push_back(data.substr(header_end, length));
      const std::string reply = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nok";
      co_await net::async_write(socket, net::buffer(reply),
                                net::redirect_error(net::use_awaitable, ec));
      socket.shutdown(tcp::socket::shutdown_both, ec);
      socket.close(ec);
    }
  }

  tcp::acceptor acceptor_;
};

// A TCP destination: collects NDJSON lines.
class LineListener {
 public:
  explicit LineListener(net::io_context& ioc)
      : acceptor_(ioc, {net::ip::address_v4::loopback(), 0}) {
    net::co_spawn(acceptor_.get_executor(), accept_loop(), net::detached);
  }
  void close() {
    error_code ec;
    acceptor_.close(ec);
    if (socket_) {
      socket_->close(ec);
    }
  }
  [[nodiscard]] std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  std::vector<std::string> lines;

 private:
  net::awaitable<void> accept_loop() {
    error_code ec;
    socket_.emplace(co_await acceptor_.async_accept(net::redirect_error(net::use_awaitable, ec)));
    if (ec) {
      co_return;
    }
    std::string data;
    for (;;) {
      const std::size_t n = co_await net::async_read_until(
          *socket_, net::dynamic_buffer(data), '\n', net::redirect_error(net::use_awaitable, ec));
      if (ec) {
        co_return;
      }
      lines.push_back(data.substr(0, n - 1));
      data.erase(0, n);
    }
  }

  tcp::acceptor acceptor_;
  std::optional<tcp::socket> socket_;
};

Subscription subscription(const std::string& destination,
                          const std::string& types = R"(["platform","function","extension"])",
                          const std::string& buffering = R"({"timeoutMs":25})",
                          Api api = Api::telemetry) {
  std::string schema = api == Api::telemetry ? R"("schemaVersion":"2022-12-13",)"
                                             : R"("schemaVersion":"2021-03-18",)";
  auto parsed = parse_subscription("{" + schema + R"("types":)" + types + R"(,"buffering":)" +
                                       buffering + R"(,"destination":)" + destination + "}",
                                   api);
  REQUIRE(std::holds_alternative<Subscription>(parsed));
  return std::get<Subscription>(parsed);
}

std::string http_to(std::uint16_t port, const std::string& path = "/telemetry") {
  return R"({"protocol":"HTTP","URI":"http://sandbox.localdomain:)" + std::to_string(port) + path +
         R"("})";
}

core::StartRecord start(std::string id) {
  return core::StartRecord{{}, std::move(id), "$LATEST", {}};
}

core::ReportRecord report(std::string id, core::Status status = core::Status::success,
                          std::string error_type = {}) {
  return core::ReportRecord{.time = {},
                            .request_id = std::move(id),
                            .status = status,
                            .error_type = std::move(error_type),
                            .duration = 2ms,
                            .billed_duration_ms = 2,
                            .memory_size_mb = 128,
                            .max_memory_used_mb = 20,
                            .init_duration = {},
                            .extension_overhead = {}};
}

std::vector<std::string> types_of(const std::vector<json>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) {
    out.push_back(e["type"]);
  }
  return out;
}

// Everything a Hub test needs, in destruction-safe order.
struct Fixture {
  net::io_context ioc;
  driver::SteadyClock clock;
  std::shared_ptr<spdlog::logger> log = std::make_shared<spdlog::logger>(
      "telemetry-test", std::make_shared<spdlog::sinks::null_sink_mt>());

  // Lets the listeners' coroutines see their sockets close while the listeners still exist.
  void drain() { run_for(ioc, 20ms); }
};

}  // namespace

TEST_CASE("hub: batches close at maxItems, the rest on flush", "[telemetry][C62][C64]") {
  Fixture f;
  HttpListener listener(f.ioc);
  Hub hub(f.ioc, f.clock, *f.log, "us-east-1");
  hub.subscribe("logger",
                subscription(http_to(listener.port()), R"(["function"])",
                             R"({"maxItems":1000,"maxBytes":1048576,"timeoutMs":30000})"),
                Api::telemetry);
  for (int i = 0; i < 2500; ++i) {
    hub.log_line(LogSource::function, "line " + std::to_string(i));
  }
  REQUIRE(run_until(f.ioc, [&] { return listener.requests.size() == 2; }));
  CHECK(listener.requests[0].events().size() == 1000);
  CHECK(listener.requests[1].events().size() == 1000);
  CHECK_FALSE(hub.idle());

  hub.flush();
  REQUIRE(run_until(f.ioc, [&] { return listener.requests.size() == 3; }));
  CHECK(listener.requests[2].events().size() == 500);
  REQUIRE(run_until(f.ioc, [&] { return hub.idle(); }));

  // Order kept, and every request a plain POST of a JSON array with Content-Length.
  auto events = listener.events();
  REQUIRE(events.size() == 2500);
  for (int i = 0; i < 2500; ++i) {
    REQUIRE(events[i]["record"] == "line " + std::to_string(i));
  }
  CHECK(events[0]["type"] == "function");
  for (const auto& r : listener.requests) {
    CHECK(r.method == "POST");
    CHECK(r.target == "/telemetry");
    CHECK(r.version == 11);
    CHECK(r.content_type == "application/json");
    CHECK(r.content_length == std::to_string(r.body.size()));
    CHECK(r.transfer_encoding.empty());
  }
  CHECK(listener.connections == 1);  // keep-alive reused
  auto c = hub.counters();
  CHECK(c.delivered_events == 2500);
  CHECK(c.delivered_batches == 3);
  CHECK(c.dropped_events == 0);
  hub.stop();
  listener.close();
  f.drain();
}

TEST_CASE("hub: batches close at maxBytes", "[telemetry][C64]") {
  Fixture f;
  HttpListener listener(f.ioc);
  Hub hub(f.ioc, f.clock, *f.log, "us-east-1");
  hub.subscribe("logger",
                subscription(http_to(listener.port()), R"(["function"])",
                             R"({"maxItems":10000,"maxBytes":262144,"timeoutMs":30000})"),
                Api::telemetry);
  const std::string kb(1000, 'x');
  for (int i = 0; i < 300; ++i) {
    hub.log_line(LogSource::function, kb);
  }
  REQUIRE(run_until(f.ioc, [&] { return listener.requests.size() == 1; }));
  const std::size_t first = listener.requests[0].events().size();
  CHECK(first < 300);
  CHECK(listener.requests[0].body.size() >= 262144);
  hub.flush();
  REQUIRE(run_until(f.ioc, [&] { return listener.requests.size() == 2; }));
  CHECK(listener.requests[1].events().size() == 300 - first);
  hub.stop();
  listener.close();
  f.drain();
}

TEST_CASE("hub: a batch goes out timeoutMs after its first event", "[telemetry][C64]") {
  Fixture f;
  HttpListener listener(f.ioc);
  Hub hub(f.ioc, f.clock, *f.log, "us-east-1");
  hub.subscribe("logger", subscription(http_to(listener.port())), Api::telemetry);
  hub.record(start("id-1"));
  hub.log_line(LogSource::function, "hello");
  hub.record(report("id-1"));
  REQUIRE(run_until(f.ioc, [&] { return listener.requests.size() == 1; }));
  auto events = listener.events();
  CHECK(types_of(events) ==
        std::vector<std::string>{"platform.start", "function", "platform.report"});
  CHECK(events[0]["record"]["requestId"] == "id-1");
  CHECK(events[0]["time"].get<std::string>().size() == 24);  // 2022-10-21T14:05:03.165Z
  hub.stop();
  listener.close();
  f.drain();
}

TEST_CASE("hub: a listener that answers HTTP/1.0 and closes gets a connection per batch",
          "[telemetry]") {
  Fixture f;
  Http10Listener listener(f.ioc);
  Hub hub(f.ioc, f.clock, *f.log, "us-east-1");
  hub.subscribe("logger",
                subscription(R"({"protocol":"HTTP","URI":"http://sandbox:)" +
                             std::to_string(listener.port()) + R"("})"),
                Api::telemetry);
  hub.log_line(LogSource::extension, "one");
  hub.flush();
  REQUIRE(run_until(f.ioc, [&] { return hub.counters().delivered_batches == 1; }));
  hub.log_line(LogSource::extension, "two");
  hub.flush();
  REQUIRE(run_until(f.ioc, [&] { return hub.counters().delivered_batches == 2; }));
  REQUIRE(listener.bodies.size() == 2);
  CHECK(json::parse(listener.bodies[0])[0]["record"] == "one");
  CHECK(json::parse(listener.bodies[1])[0]["record"] == "two");
  CHECK(json::parse(listener.bodies[1])[0]["type"] == "extension");
  CHECK(listener.connections == 2);
  CHECK(hub.counters().failed_attempts == 0);
  hub.stop();
  listener.close();
  f.drain();
}

TEST_CASE("hub: a slow listener holds up neither record() nor other subscribers", "[telemetry]") {
  Fixture f;
  HttpListener slow(f.ioc);
  slow.holding = true;
  HttpListener fast(f.ioc);
  Hub::Options options;
  options.request_timeout = 60s;
  Hub hub(f.ioc, f.clock, *f.log, "us-east-1", options);
  hub.subscribe("slow", subscription(http_to(slow.port())), Api::telemetry);
  hub.subscribe("fast", subscription(http_to(fast.port())), Api::telemetry);

  hub.record(start("id-1"));
  REQUIRE(run_until(f.ioc, [&] { return fast.requests.size() == 1 && slow.requests.size() == 1; }));
  for (int i = 0; i < 100; ++i) {  // returns at once: the slow batch is still in flight
    hub.log_line(LogSource::function, "more");
  }
  hub.record(report("id-1"));
  REQUIRE(run_until(f.ioc, [&] { return fast.requests.size() == 2; }));
  CHECK(fast.requests[1].events().size() == 101);
  CHECK(slow.requests.size() == 1);  // one batch in flight per subscriber
  CHECK(hub.counters("slow").delivered_batches == 0);
  CHECK(hub.counters("fast").delivered_batches == 2);

  // Released, the slow listener gets the rest, in order.
  slow.release();
  REQUIRE(run_until(f.ioc, [&] { return hub.counters("slow").delivered_events == 102; }));
  CHECK(types_of(slow.events()).back() == "platform.report");
  hub.stop();
  slow.close();
  fast.close();
  f.drain();
}

TEST_CASE("hub: refused connections are retried, then reported with platform.logsDropped",
          "[telemetry][C64]") {
  Fixture f;
  HttpListener listener(f.ioc, /*listening=*/false);
  Hub::Options options;
  options.max_attempts = 3;
  options.first_backoff = 5ms;
  Hub hub(f.ioc, f.clock, *f.log, "us-east-1", options);
  hub.subscribe("logger", subscription(http_to(listener.port())), Api::telemetry);
  hub.record(start("id-1"));
  hub.log_line(LogSource::function, "lost");
  hub.record(report("id-1"));
  hub.flush();
  REQUIRE(run_until(f.ioc, [&] { return hub.counters().dropped_events == 3; }));
  CHECK(hub.counters().failed_attempts >= 3);
  CHECK(hub.counters().delivered_events == 0);

  listener.listen();
  REQUIRE(run_until(f.ioc, [&] { return !listener.requests.empty(); }));
  auto events = listener.events();
  REQUIRE(events.size() == 1);
  CHECK(events[0]["type"] == "platform.logsDropped");
  CHECK(events[0]["record"]["droppedRecords"] == 3);
  CHECK(events[0]["record"]["droppedBytes"].get<int>() > 100);
  CHECK(events[0]["record"]["reason"].get<std::string>().starts_with("could not send events: "));
  CHECK(hub.counters().dropped_events == 3);  // the notice's own retries are not losses
  hub.stop();
  listener.close();
  f.drain();
}

TEST_CASE("hub: answers other than 2xx are retried", "[telemetry]") {
  Fixture f;
  HttpListener listener(f.ioc);
  listener.statuses = {500, 503};
  Hub::Options options;
  options.first_backoff = 5ms;
  Hub hub(f.ioc, f.clock, *f.log, "us-east-1", options);
  hub.subscribe("logger", subscription(http_to(listener.port())), Api::telemetry);
  hub.record(start("id-1"));
  hub.flush();
  REQUIRE(run_until(f.ioc, [&] { return hub.counters().delivered_batches == 1; }));
  REQUIRE(listener.requests.size() == 3);
  CHECK(listener.requests[0].body == listener.requests[2].body);
  CHECK(hub.counters().failed_attempts == 2);
  CHECK(hub.counters().dropped_events == 0);
  hub.stop();
  listener.close();
  f.drain();
}

TEST_CASE("hub: a full queue drops events and reports how many", "[telemetry][C64]") {
  Fixture f;
  HttpListener listener(f.ioc);
  listener.holding = true;
  Hub::Options options;
  options.max_queued_bytes = 0;  // at least twice maxBytes: 524,288
  options.request_timeout = 60s;
  Hub hub(f.ioc, f.clock, *f.log, "us-east-1", options);
  hub.subscribe("logger",
                subscription(http_to(listener.port()), R"(["function"])",
                             R"({"maxBytes":262144,"timeoutMs":25})"),
                Api::telemetry);
  const std::string kb(1000, 'x');
  for (int i = 0; i < 1000; ++i) {
    hub.log_line(LogSource::function, kb);
  }
  const auto dropped = hub.counters().dropped_events;
  CHECK(dropped > 0);
  CHECK(dropped < 1000);

  listener.release();
  REQUIRE(run_until(f.ioc, [&] {
    return !listener.requests.empty() &&
           listener.requests.back().body.find("platform.logsDropped") != std::string::npos;
  }));
  const json notice = listener.requests.back().events().back();
  CHECK(notice["type"] == "platform.logsDropped");
  CHECK(notice["record"]["droppedRecords"] == dropped);
  CHECK(notice["record"]["reason"].get<std::string>().find("slower") != std::string::npos);
  REQUIRE(run_until(f.ioc, [&] { return hub.idle(); }));
  CHECK(hub.counters().delivered_events + dropped == 1000);
  hub.stop();
  listener.close();
  f.drain();
}

TEST_CASE("hub: TCP destinations get NDJSON", "[telemetry]") {
  Fixture f;
  LineListener listener(f.ioc);
  Hub hub(f.ioc, f.clock, *f.log, "us-east-1");
  hub.subscribe(
      "logger",
      subscription(R"({"protocol":"TCP","port":)" + std::to_string(listener.port()) + "}"),
      Api::telemetry);
  hub.record(start("id-1"));
  hub.log_line(LogSource::function, "a\nb");  // one record, escaped: still one line
  hub.flush();
  REQUIRE(run_until(f.ioc, [&] { return listener.lines.size() == 2; }));
  CHECK(json::parse(listener.lines[0])["type"] == "platform.start");
  CHECK(json::parse(listener.lines[1])["record"] == "a\nb");
  hub.record(report("id-1"));
  REQUIRE(run_until(f.ioc, [&] { return listener.lines.size() == 3; }));
  CHECK(json::parse(listener.lines[2])["type"] == "platform.report");
  CHECK(hub.counters().connections == 1);
  hub.stop();
  listener.close();
  f.drain();
}

TEST_CASE("hub: a subscriber that joins during Init gets Init's events replayed",
          "[telemetry][C63]") {
  Fixture f;
  HttpListener early(f.ioc);
  HttpListener late(f.ioc);
  HttpListener after(f.ioc);
  Hub hub(f.ioc, f.clock, *f.log, "us-east-1");
  hub.record(core::StartRecord{{}, "before-init", "$LATEST", {}});  // no Init open: not kept
  hub.subscribe("early", subscription(http_to(early.port())), Api::telemetry);
  hub.record(core::InitStartRecord{{},
                                   core::InitializationType::on_demand,
                                   core::InitPhase::init,
                                   "lambda-emu",
                                   "fn",
                                   "$LATEST"});
  hub.log_line(LogSource::extension, "extension booting");
  hub.subscribe("late", subscription(http_to(late.port())), Api::telemetry);
  hub.record(core::TelemetrySubscriptionRecord{{}, "late", {"platform"}, false});
  hub.record(core::InitRuntimeDoneRecord{
      {}, core::InitializationType::on_demand, core::InitPhase::init, core::Status::success, {}});
  hub.init_finished();
  hub.subscribe("after", subscription(http_to(after.port())), Api::telemetry);
  hub.record(start("id-1"));
  hub.flush();

  const std::vector<std::string> init_and_start{"platform.initStart", "extension",
                                                "platform.telemetrySubscription",
                                                "platform.initRuntimeDone", "platform.start"};
  REQUIRE(run_until(f.ioc, [&] {
    return early.events().size() == 5 && late.events().size() == 5 && after.events().size() == 1;
  }));
  CHECK(types_of(early.events()) == init_and_start);
  CHECK(types_of(late.events()) == init_and_start);
  CHECK(types_of(after.events()) == std::vector<std::string>{"platform.start"});
  hub.stop();
  early.close();
  late.close();
  after.close();
  f.drain();
}

TEST_CASE("hub: each subscriber gets only the types it asked for", "[telemetry][C68]") {
  Fixture f;
  HttpListener function(f.ioc);
  HttpListener platform(f.ioc);
  HttpListener extension(f.ioc);
  Hub hub(f.ioc, f.clock, *f.log, "us-east-1");
  hub.subscribe("f", subscription(http_to(function.port()), R"(["function"])"), Api::telemetry);
  hub.subscribe("p", subscription(http_to(platform.port()), R"(["platform"])"), Api::telemetry);
  hub.subscribe("e", subscription(http_to(extension.port()), R"(["extension"])"), Api::telemetry);
  hub.record(start("id-1"));
  hub.log_line(LogSource::function, "from the runtime");
  hub.log_line(LogSource::extension, "from an extension");
  hub.record(core::ShutdownRecord{{}, core::ShutdownReason::spindown, 1ms});  // no event
  hub.flush();
  REQUIRE(run_until(f.ioc, [&] { return hub.idle() && hub.counters().delivered_batches == 3; }));
  CHECK(types_of(function.events()) == std::vector<std::string>{"function"});
  CHECK(function.events()[0]["record"] == "from the runtime");
  CHECK(types_of(platform.events()) == std::vector<std::string>{"platform.start"});
  CHECK(types_of(extension.events()) == std::vector<std::string>{"extension"});
  hub.stop();
  function.close();
  platform.close();
  extension.close();
  f.drain();
}

TEST_CASE("hub: Logs API subscribers get Logs API events", "[telemetry][C69]") {
  Fixture f;
  HttpListener logs(f.ioc);
  HttpListener tel(f.ioc);
  Hub hub(f.ioc, f.clock, *f.log, "us-east-1");
  auto logs_sub = subscription(http_to(logs.port(), "/logs"), R"(["platform"])",
                               R"({"timeoutMs":25})", Api::logs);
  CHECK(hub.subscribe("old", logs_sub, Api::logs) == Hub::SubscribeResult::subscribed);
  CHECK(hub.subscribe("old", logs_sub, Api::logs) == Hub::SubscribeResult::already_subscribed);
  CHECK(hub.subscribe("old", subscription(http_to(tel.port())), Api::telemetry) ==
        Hub::SubscribeResult::other_api);
  CHECK(hub.subscribe("new", subscription(http_to(tel.port())), Api::telemetry) ==
        Hub::SubscribeResult::subscribed);
  CHECK(hub.subscribed_with("old") == Api::logs);
  CHECK(hub.subscribed_with("new") == Api::telemetry);
  CHECK_FALSE(hub.subscribed_with("nobody"));

  hub.record(start("id-1"));
  hub.record(core::RuntimeDoneRecord{.time = {},
                                     .request_id = "id-1",
                                     .status = core::Status::failure,
                                     .error_type = "Runtime.ExitError",
                                     .duration = 1ms,
                                     .produced_bytes = 0,
                                     .response_latency = {},
                                     .response_duration = {},
                                     .runtime_overhead = {}});
  hub.record(report("id-1", core::Status::failure, "Runtime.ExitError"));
  hub.flush();
  REQUIRE(run_until(f.ioc, [&] { return hub.idle() && hub.counters().delivered_batches == 2; }));
  CHECK(types_of(logs.events()) ==
        std::vector<std::string>{"platform.start", "platform.runtimeDone", "platform.fault",
                                 "platform.end", "platform.report"});
  CHECK(logs.requests[0].target == "/logs");
  CHECK(types_of(tel.events()) ==
        std::vector<std::string>{"platform.start", "platform.runtimeDone", "platform.report"});
  hub.stop();
  logs.close();
  tel.close();
  f.drain();
}

TEST_CASE("hub: nothing is delivered after stop()", "[telemetry]") {
  Fixture f;
  HttpListener listener(f.ioc);
  Hub hub(f.ioc, f.clock, *f.log, "us-east-1");
  hub.subscribe("logger", subscription(http_to(listener.port())), Api::telemetry);
  hub.record(start("id-1"));
  hub.stop();
  hub.record(report("id-1"));
  hub.flush();
  run_for(f.ioc, 100ms);
  CHECK(listener.requests.empty());
  CHECK(hub.counters().delivered_events == 0);
  listener.close();
  f.drain();
}

#include "telemetry/hub.hpp"

#include <deque>
#include <utility>

#include "telemetry/telemetry_json.hpp"

namespace lambda_emu::telemetry {
namespace {

// Log lines are whatever the runtime printed: replace bytes that are not UTF-8.
std::string dump(const nlohmann::ordered_json& event) {
  return event.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

constexpr std::string_view slow_consumer =
    "Some logs were dropped because the downstream consumer is slower than the logs production "
    "rate";

}  // namespace

// One subscribed extension: its open batch, the batches waiting behind the one in flight, and
// the connection to its listener. Owned by the Hub and by its own delivery coroutine, so a
// stopped subscriber can still finish unwinding after the Hub is gone; once stopped it touches
// neither the clock nor the logger.
class Hub::Subscriber : public std::enable_shared_from_this<Subscriber> {
 public:
  Subscriber(net::io_context& ioc, const Clock& clock, spdlog::logger& log,
             std::string extension_name, Subscription subscription, Api which,
             const Options& options)
      : name(std::move(extension_name)),
        sub(std::move(subscription)),
        api(which),
        ioc_(ioc),
        clock_(clock),
        log_(log),
        options_(options),
        max_queued_bytes_(std::max(options.max_queued_bytes, 2 * sub.buffering.max_bytes)),
        batch_timer_(ioc),
        backoff_timer_(ioc) {}

  const std::string name;
  const Subscription sub;
  const Api api;
  Counters counters;

  // Queues one serialized event; drops it (and reports the loss later) when the queue is full.
  void push(std::string event) {
    if (stopped_) {
      return;
    }
    if (queued_bytes_ + event.size() > max_queued_bytes_) {
      ++counters.dropped_events;
      note_loss(1, event.size(), std::string(slow_consumer));
      return;
    }
    queue_loss_notice();
    append(std::move(event), nullptr);
  }

  void flush() { close_batch(); }

  // The listener's sandbox is frozen, the listener with it: nothing new is sent, and a request
  // in flight waits, its timeout paused, until the thaw. Lambda delivers what an invoke's end
  // emitted (its platform.report) once the environment runs again.
  void freeze() {
    frozen_ = true;
    if (stream_) {
      stream_->expires_never();
    }
  }

  void thaw() {
    frozen_ = false;
    if (stream_ && sending_) {
      stream_->expires_after(options_.request_timeout);
    }
    start_delivery();
  }

  [[nodiscard]] bool idle() const { return queued_bytes_ == 0 && losses_.records == 0; }

  void stop() {
    stopped_ = true;
    batch_timer_.cancel();
    backoff_timer_.cancel();
    if (stream_) {
      stream_->close();  // pending operations end with operation_aborted
    }
  }

 private:
  struct Losses {
    std::uint64_t records = 0;
    std::uint64_t bytes = 0;
    std::string reason;
  };

  struct Batch {
    std::vector<std::string> events;
    std::size_t bytes = 0;
    // The platform.logsDropped notices in this batch and the losses they report: if this batch
    // is lost too, those losses are reported again, not the notices themselves.
    std::size_t notices = 0;
    std::size_t notice_bytes = 0;
    std::uint64_t carried_records = 0;
    std::uint64_t carried_bytes = 0;
  };

  void append(std::string event, const Losses* carried) {
    if (open_.events.empty()) {
      // The batch's first event starts its timeout (section 5.2).
      const std::uint64_t generation = ++open_generation_;
      batch_timer_.expires_after(sub.buffering.timeout);
      batch_timer_.async_wait([weak = weak_from_this(), generation](const error_code& ec) {
        auto self = weak.lock();
        if (!ec && self && !self->stopped_ && self->open_generation_ == generation) {
          self->close_batch();
        }
      });
    }
    if (carried) {
      ++open_.notices;
      open_.notice_bytes += event.size();
      open_.carried_records += carried->records;
      open_.carried_bytes += carried->bytes;
    }
    queued_bytes_ += event.size();
    open_.bytes += event.size();
    open_.events.push_back(std::move(event));
    if (open_.events.size() >= sub.buffering.max_items || open_.bytes >= sub.buffering.max_bytes) {
      close_batch();
    }
  }

  void close_batch() {
    if (stopped_ || open_.events.empty()) {
      return;
    }
    ++open_generation_;  // the open batch's timer, if still pending, finds nothing to do
    batch_timer_.cancel();
    ready_.push_back(std::exchange(open_, Batch{}));
    start_delivery();
  }

  void start_delivery() {
    if (!delivering_ && !frozen_ && !stopped_ && !ready_.empty()) {
      delivering_ = true;
      net::co_spawn(ioc_, deliver_loop(shared_from_this()),
                    [weak = weak_from_this()](std::exception_ptr e) {
                      auto self = weak.lock();
                      if (e && self && !self->stopped_) {
                        self->delivering_ = false;
                        self->log_.error("telemetry: delivery to {} failed", self->name);
                      }
                    });
    }
  }

  void note_loss(std::uint64_t records, std::uint64_t bytes, std::string reason) {
    losses_.records += records;
    losses_.bytes += bytes;
    losses_.reason = std::move(reason);
  }

  // Tells the subscriber what it lost (platform.logsDropped, C64), once there is room again.
  void queue_loss_notice() {
    if (stopped_ || losses_.records == 0) {
      return;
    }
    std::string notice =
        dump(logs_dropped_event(clock_.wall_now(), losses_.bytes, losses_.records, losses_.reason));
    if (queued_bytes_ + notice.size() > max_queued_bytes_) {
      return;
    }
    const Losses carried = std::exchange(losses_, Losses{});
    append(std::move(notice), &carried);
  }

  // One batch in flight at a time, in order; a failed batch is retried with a doubling backoff,
  // then dropped and reported.
  static net::awaitable<void> deliver_loop(std::shared_ptr<Subscriber> self) {
    Subscriber& s = *self;
    while (!s.stopped_ && !s.ready_.empty()) {
      const Batch& batch = s.ready_.front();
      std::string failure;
      for (int attempt = 1;; ++attempt) {
        if (s.frozen_) {
          s.delivering_ = false;  // the batch stays first in line; thaw() starts again
          co_return;
        }
        s.sending_ = true;
        failure = co_await s.send(batch);
        s.sending_ = false;
        if (s.stopped_) {
          co_return;
        }
        if (failure.empty()) {
          break;
        }
        ++s.counters.failed_attempts;
        if (attempt >= s.options_.max_attempts) {
          break;
        }
        s.backoff_timer_.expires_after(s.options_.first_backoff * (1 << (attempt - 1)));
        error_code ec;
        co_await s.backoff_timer_.async_wait(net::redirect_error(net::use_awaitable, ec));
        if (s.stopped_) {
          co_return;
        }
      }

      Batch done = std::move(s.ready_.front());
      s.ready_.pop_front();
      s.queued_bytes_ -= done.bytes;
      const std::size_t events = done.events.size() - done.notices;
      if (failure.empty()) {
        s.counters.delivered_events += events;
        ++s.counters.delivered_batches;
      } else {
        s.counters.dropped_events += events;
        if (events > 0) {
          s.log_.warn("telemetry: dropped {} events for {}: {}", events, s.name, failure);
        }
        s.note_loss(events + done.carried_records,
                    done.bytes - done.notice_bytes + done.carried_bytes,
                    "could not send events: " + failure);
      }
      s.queue_loss_notice();
    }
    s.delivering_ = false;
  }

  // Empty when delivered, else why not.
  net::awaitable<std::string> send(const Batch& batch) {
    if (sub.destination.protocol == Destination::Protocol::tcp) {
      co_return co_await send_tcp(batch);
    }
    co_return co_await send_http(batch);
  }

  // The sandbox's own names mean this machine: the emulator resolves them itself.
  [[nodiscard]] tcp::endpoint endpoint() const {
    error_code ec;
    net::ip::address address = net::ip::make_address(sub.destination.host, ec);
    if (ec) {
      address = net::ip::address_v4::loopback();
    }
    return {address, sub.destination.port};
  }

  net::awaitable<std::string> connect() {
    stream_.emplace(ioc_);
    read_buffer_.clear();
    stream_->expires_after(options_.request_timeout);
    error_code ec;
    if (options_.open_socket) {
      if (ec = options_.open_socket(stream_->socket()); ec) {
        stream_.reset();
        co_return "socket: " + ec.message();
      }
    }
    co_await stream_->async_connect(endpoint(), net::redirect_error(net::use_awaitable, ec));
    if (stopped_) {
      co_return "stopped";
    }
    if (ec) {
      stream_.reset();
      co_return "connect: " + ec.message();
    }
    ++counters.connections;
    stream_->socket().set_option(tcp::no_delay(true), ec);
    co_return std::string{};
  }

  void close_stream() {
    if (stream_) {
      error_code ec;
      stream_->socket().shutdown(tcp::socket::shutdown_both, ec);
      stream_.reset();
    }
  }

  // A JSON array with Content-Length, never chunked: some listeners read exactly that many
  // bytes, answer HTTP/1.0 and close. Keep-alive connections are reused when offered.
  net::awaitable<std::string> send_http(const Batch& batch) {
    const Destination& dst = sub.destination;
    http::request<http::string_body> req{http::verb::post, dst.path, 11};
    req.set(http::field::host, dst.host + ":" + std::to_string(dst.port));
    req.set(http::field::content_type, "application/json");
    std::string& body = req.body();
    body.reserve(batch.bytes + batch.events.size() + 2);
    body += '[';
    for (std::size_t i = 0; i < batch.events.size(); ++i) {
      if (i > 0) {
        body += ',';
      }
      body += batch.events[i];
    }
    body += ']';
    req.prepare_payload();

    for (int round = 0;; ++round) {
      const bool reused = stream_.has_value();
      if (!reused) {
        if (std::string failure = co_await connect(); !failure.empty()) {
          co_return failure;
        }
      }
      error_code ec;
      stream_->expires_after(options_.request_timeout);
      co_await http::async_write(*stream_, req, net::redirect_error(net::use_awaitable, ec));
      http::response_parser<http::string_body> parser;
      parser.body_limit(1u << 20);
      if (!ec) {
        co_await http::async_read_header(*stream_, read_buffer_, parser,
                                         net::redirect_error(net::use_awaitable, ec));
      }
      if (stopped_) {
        co_return "stopped";
      }
      if (ec) {
        close_stream();
        if (reused && round == 0) {
          continue;  // the listener had closed the idle connection: once more on a new one
        }
        co_return ec.message();
      }
      // A body that ends at EOF (no Content-Length, not chunked) is not worth waiting for: the
      // status says it all, and the connection cannot be reused anyway.
      const bool until_eof = !parser.is_done() && !parser.content_length() && !parser.chunked();
      if (!parser.is_done() && !until_eof) {
        co_await http::async_read(*stream_, read_buffer_, parser,
                                  net::redirect_error(net::use_awaitable, ec));
        if (stopped_) {
          co_return "stopped";
        }
      }
      const unsigned status = parser.get().result_int();
      if (ec || until_eof || !parser.get().keep_alive()) {
        close_stream();
      } else {
        stream_->expires_never();
      }
      if (status < 200 || status > 299) {
        co_return "HTTP status " + std::to_string(status);
      }
      co_return std::string{};  // a 2xx whose body went wrong still delivered the batch
    }
  }

  // NDJSON, one event per line, no acknowledgement.
  net::awaitable<std::string> send_tcp(const Batch& batch) {
    if (!stream_) {
      if (std::string failure = co_await connect(); !failure.empty()) {
        co_return failure;
      }
    }
    std::string data;
    data.reserve(batch.bytes + batch.events.size());
    for (const std::string& event : batch.events) {
      data += event;
      data += '\n';
    }
    error_code ec;
    stream_->expires_after(options_.request_timeout);
    co_await net::async_write(*stream_, net::buffer(data),
                              net::redirect_error(net::use_awaitable, ec));
    if (stopped_) {
      co_return "stopped";
    }
    if (ec) {
      close_stream();
      co_return ec.message();
    }
    stream_->expires_never();
    co_return std::string{};
  }

  net::io_context& ioc_;
  const Clock& clock_;
  spdlog::logger& log_;
  const Options options_;
  const std::size_t max_queued_bytes_;

  Batch open_;
  std::uint64_t open_generation_ = 0;
  net::steady_timer batch_timer_;
  std::deque<Batch> ready_;       // closed batches; the front one is in flight
  std::size_t queued_bytes_ = 0;  // open + ready, in flight included
  Losses losses_;                 // not reported yet
  bool delivering_ = false;
  bool sending_ = false;  // a request is in flight
  bool frozen_ = false;
  bool stopped_ = false;
  net::steady_timer backoff_timer_;
  std::optional<beast::tcp_stream> stream_;
  beast::flat_buffer read_buffer_;
};

Hub::Hub(net::io_context& ioc, const Clock& clock, spdlog::logger& log, std::string region,
         Options options)
    : ioc_(ioc), clock_(clock), log_(log), region_(std::move(region)), options_(options) {}

Hub::~Hub() {
  stop();
}

void Hub::record(const core::Record& record) {
  if (stopped_) {
    return;
  }
  if (std::holds_alternative<core::InitStartRecord>(record)) {
    replay_.clear();
    replay_bytes_ = 0;
    recording_init_ = true;
  }
  deliver(record, subscribers_);
  if (recording_init_) {
    replay_.emplace_back(record);
  }
  if (std::holds_alternative<core::InitReportRecord>(record)) {
    init_finished();  // nobody can subscribe after this (subscriptions close before it)
  }
}

void Hub::log_line(LogSource source, std::string_view text) {
  if (stopped_ || (subscribers_.empty() && !recording_init_)) {
    return;
  }
  LogLine line{clock_.wall_now(), source, std::string(text)};
  deliver(line, subscribers_);
  if (recording_init_ && replay_bytes_ + text.size() <= options_.max_replay_bytes) {
    replay_bytes_ += text.size();
    replay_.emplace_back(std::move(line));
  }
}

Hub::SubscribeResult Hub::subscribe(std::string extension_name, Subscription subscription,
                                    Api api) {
  for (const auto& s : subscribers_) {
    if (s->name == extension_name) {
      return s->api == api ? SubscribeResult::already_subscribed : SubscribeResult::other_api;
    }
  }
  if (stopped_) {
    return SubscribeResult::subscribed;  // nothing is delivered after stop()
  }
  auto s = std::make_shared<Subscriber>(ioc_, clock_, log_, std::move(extension_name),
                                        std::move(subscription), api, options_);
  subscribers_.push_back(s);
  if (frozen_) {
    s->freeze();
  }
  log_.debug("telemetry: {} subscribed ({} API), {} init events to replay", s->name,
             api == Api::telemetry ? "Telemetry" : "Logs", replay_.size());
  const std::shared_ptr<Subscriber> targets[] = {s};
  for (const Item& item : replay_) {
    std::visit([&](const auto& i) { deliver(i, targets); }, item);
  }
  return SubscribeResult::subscribed;
}

std::optional<Api> Hub::subscribed_with(std::string_view extension_name) const {
  for (const auto& s : subscribers_) {
    if (s->name == extension_name) {
      return s->api;
    }
  }
  return std::nullopt;
}

void Hub::init_finished() {
  recording_init_ = false;
  replay_ = {};
  replay_bytes_ = 0;
}

void Hub::freeze() {
  frozen_ = true;
  for (const auto& s : subscribers_) {
    s->freeze();
  }
}

void Hub::thaw() {
  frozen_ = false;
  for (const auto& s : subscribers_) {
    s->thaw();
  }
}

void Hub::flush() {
  for (const auto& s : subscribers_) {
    s->flush();
  }
}

bool Hub::idle() const {
  for (const auto& s : subscribers_) {
    if (!s->idle()) {
      return false;
    }
  }
  return true;
}

void Hub::stop() {
  if (stopped_) {
    return;
  }
  stopped_ = true;
  for (const auto& s : subscribers_) {
    s->stop();
  }
  init_finished();
}

Hub::Counters Hub::counters() const {
  Counters total;
  for (const auto& s : subscribers_) {
    total.delivered_events += s->counters.delivered_events;
    total.delivered_batches += s->counters.delivered_batches;
    total.dropped_events += s->counters.dropped_events;
    total.failed_attempts += s->counters.failed_attempts;
    total.connections += s->counters.connections;
  }
  return total;
}

Hub::Counters Hub::counters(std::string_view extension_name) const {
  for (const auto& s : subscribers_) {
    if (s->name == extension_name) {
      return s->counters;
    }
  }
  return {};
}

// Each event is formatted once, however many subscribers want it.
void Hub::deliver(const core::Record& record, Targets to) const {
  std::optional<std::optional<std::string>> telemetry;  // formatted on first use
  std::optional<std::vector<std::string>> logs[2];      // [with platform.runtimeDone]
  for (const auto& s : to) {
    if (!s->sub.wants("platform")) {
      continue;
    }
    if (s->api == Api::telemetry) {
      if (!telemetry) {
        auto event = telemetry_event(record, region_);
        telemetry.emplace(event ? std::optional(dump(*event)) : std::nullopt);
      }
      if (*telemetry) {
        s->push(**telemetry);
      }
      continue;
    }
    const bool with_runtime_done = s->sub.logs_runtime_done();
    auto& events = logs[with_runtime_done ? 1 : 0];
    if (!events) {
      events.emplace();
      for (const auto& event : logs_api_events(record, with_runtime_done)) {
        events->push_back(dump(event));
      }
    }
    for (const std::string& event : *events) {
      s->push(event);
    }
  }
}

void Hub::deliver(const LogLine& line, Targets to) const {
  const std::string_view type = line.source == LogSource::function ? "function" : "extension";
  std::optional<std::string> event;
  for (const auto& s : to) {
    if (!s->sub.wants(type)) {
      continue;
    }
    if (!event) {
      event = dump(log_event(line.time, line.source, line.text));
    }
    s->push(*event);
  }
}

}  // namespace lambda_emu::telemetry

#pragma once
// Hub: Telemetry API and Logs API delivery (sections 5.2-5.4). The driver hands it every
// platform record and log line; it filters, batches and delivers them to each subscribed
// extension's listener over loopback, all asynchronously on the io_context. One io_context
// thread, no locks; nothing the driver calls waits on a listener.
//
//   telemetry::Hub hub(ioc, clock, log, config.region);
//   // PUT /2022-07-01/telemetry: parse_subscription(body, Api::telemetry) -> core accepts ->
//   hub.subscribe(extension_name, std::move(subscription), telemetry::Api::telemetry);
//   hub.record(record);  hub.log_line(LogSource::function, line);  // as they happen
//   hub.init_finished();  ...  hub.flush();  /* at SHUTDOWN */  hub.stop();
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <spdlog/logger.h>

#include "http/net.hpp"
#include "lambda_emu/clock.hpp"
#include "lambda_emu/core/records.hpp"
#include "telemetry/log_source.hpp"
#include "telemetry/subscription.hpp"

namespace lambda_emu::telemetry {

class Hub {
 public:
  struct Options {
    int max_attempts = 4;                              // a batch's first try and its retries
    std::chrono::milliseconds first_backoff{50};       // before the first retry; doubles after
    std::chrono::milliseconds request_timeout{5'000};  // connect + write + reply, per attempt
    // Per subscriber, the batch in flight included; events beyond it are dropped and counted
    // in platform.logsDropped. Never less than twice the subscriber's maxBytes.
    std::size_t max_queued_bytes = 8u << 20;
    // Log lines kept during Init for late subscribers (platform records are always kept).
    std::size_t max_replay_bytes = 4u << 20;
    // Opens the socket of each new connection to a listener; empty: in the emulator's own
    // network. A sandbox with a network of its own makes them there.
    std::function<error_code(tcp::socket&)> open_socket;
  };

  struct Counters {
    // Acknowledged with a 2xx (HTTP) or written (TCP); platform.logsDropped notices excluded.
    std::uint64_t delivered_events = 0;
    std::uint64_t delivered_batches = 0;
    std::uint64_t dropped_events = 0;   // never delivered: queue full, or retries exhausted
    std::uint64_t failed_attempts = 0;  // attempts that failed (each retry counts)
    std::uint64_t connections = 0;      // connections opened to the listener
  };

  enum class SubscribeResult {
    subscribed,
    already_subscribed,  // same extension, same API: idempotent, the first subscription stays
    other_api,           // subscribed through the other API already (C69): refuse it
  };

  Hub(net::io_context& ioc, const Clock& clock, spdlog::logger& log, std::string region)
      : Hub(ioc, clock, log, std::move(region), Options{}) {}
  Hub(net::io_context& ioc, const Clock& clock, spdlog::logger& log, std::string region,
      Options options);
  ~Hub();
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  // A platform record, as the core emits it. A platform.initStart opens the Init replay
  // buffer; platform.initReport closes it.
  void record(const core::Record& record);
  // One line of the runtime's (function) or an extension's output, stamped with wall_now().
  void log_line(LogSource source, std::string_view line);
  // Starts delivery to `extension_name`'s destination. Joining during Init, it first receives
  // what Init emitted so far (C63).
  SubscribeResult subscribe(std::string extension_name, Subscription subscription, Api api);
  // Which API `extension_name` subscribed with, if any.
  [[nodiscard]] std::optional<Api> subscribed_with(std::string_view extension_name) const;
  // Init is over: no later subscriber can join, so drop the replay buffer.
  void init_finished();
  // Sends every open batch now instead of waiting for its timeout (e.g. at SHUTDOWN).
  void flush();
  // The sandbox, its listeners with it, is frozen: deliveries wait for thaw() (section 11).
  void freeze();
  void thaw();
  // Nothing buffered and nothing in flight: every event so far was delivered or dropped.
  [[nodiscard]] bool idle() const;
  // Cancels timers and closes connections; nothing is delivered afterwards.
  void stop();

  [[nodiscard]] Counters counters() const;  // all subscribers
  [[nodiscard]] Counters counters(std::string_view extension_name) const;

 private:
  class Subscriber;
  struct LogLine {
    WallTime time;
    LogSource source;
    std::string text;
  };
  using Item = std::variant<core::Record, LogLine>;

  using Targets = std::span<const std::shared_ptr<Subscriber>>;
  void deliver(const core::Record& record, Targets to) const;
  void deliver(const LogLine& line, Targets to) const;

  net::io_context& ioc_;
  const Clock& clock_;
  spdlog::logger& log_;
  std::string region_;
  Options options_;
  std::vector<std::shared_ptr<Subscriber>> subscribers_;
  bool recording_init_ = false;  // between platform.initStart and the end of Init
  std::vector<Item> replay_;
  std::size_t replay_bytes_ = 0;
  bool stopped_ = false;
  bool frozen_ = false;
};

}  // namespace lambda_emu::telemetry

#include "driver/emulator.hpp"

#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>

#include <spdlog/spdlog.h>

#include "api/base64.hpp"
#include "api/router.hpp"
#include "process/exec_wrapper.hpp"
#include "process/sandbox_paths.hpp"
#include "telemetry/platform_log.hpp"

extern char** environ;

namespace lambda_emu::driver {
namespace {

std::string hex(std::uint64_t v, int digits) {
  static constexpr char d[] = "0123456789abcdef";
  std::string s(static_cast<std::size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i, v >>= 4) {
    s[static_cast<std::size_t>(i)] = d[v & 0xf];
  }
  return s;
}

// Lambda's stream names: 2026/11/28/[$LATEST]<32 hex digits>.
std::string make_log_stream(const core::FunctionConfig& fn, WallTime now, std::mt19937_64& rng) {
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char date[16];
  std::strftime(date, sizeof date, "%Y/%m/%d", &tm);
  return std::string(date) + "/[" + fn.version + "]" + hex(rng(), 16) + hex(rng(), 16);
}

std::string endpoint_text(const tcp::endpoint& ep) {
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

std::int64_t epoch_ms(WallTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

Emulator::Emulator(net::io_context& ioc, EmulatorConfig config, spdlog::logger& log, LogStream& out,
                   std::function<void()> on_stopped)
    : ioc_(ioc),
      config_(std::move(config)),
      log_(log),
      out_(out),
      on_stopped_(std::move(on_stopped)),
      sandbox_(config_.function, clock_, meter_),
      supervisor_(ioc, log),
      runtime_listener_(ioc, config_.runtime_api_host, config_.runtime_api_port, runtime_routes(),
                        "runtime", *this),
      invoke_listener_(ioc, config_.listen_host, config_.listen_port, invoke_routes(), "invoke",
                       *this),
      timers_(ioc, clock_, [this](core::TimerId id) { handle(core::TimerFired{id}); }),
      hub_(ioc, clock_, log, config_.function.region),
      rng_(std::random_device{}()),
      async_(config_.async) {
  if (config_.function_url_port) {
    url_listener_.emplace(ioc, config_.listen_host, *config_.function_url_port,
                          function_url_routes(), "function-url", *this);
  }
  if (!config_.trace_path.empty()) {
    trace_ = std::make_unique<TraceWriter>(config_.trace_path, clock_);
  }
  log_stream_ = make_log_stream(config_.function, clock_.wall_now(), rng_);
}

Emulator::~Emulator() {
  supervisor_.kill_all();
}

void Emulator::start() {
  const auto env = process::runtime_environment(config_.function, "", "", "", config_.env, nullptr);
  for (const std::string& key : env.ignored) {
    log_.warn("environment variable {} is reserved by Lambda; the function's value is ignored",
              key);
  }
  if (config_.isolate) {
    set_up_isolation();
  }
  runtime_listener_.start();
  invoke_listener_.start();
  if (url_listener_) {
    url_listener_->start();
  }
  if (trace_) {
    trace_->write({{"kind", "start"},
                   {"invoke", endpoint_text(invoke_endpoint())},
                   {"runtime_api", endpoint_text(runtime_api_endpoint())},
                   {"function", config_.function.name}});
  }
  write_ready_file();
  if (config_.function.init_mode == core::InitMode::eager) {
    handle(core::InitRequested{});
  }
}

void Emulator::stop() {
  handle(core::StopRequested{});
}

core::Result Emulator::handle(core::Event&& event) {
  core::Result r = sandbox_.handle(std::move(event));
  for (core::Action& a : r.actions) {
    execute(std::move(a));
  }
  r.actions.clear();
  return r;
}

// --- actions ---------------------------------------------------------------------------------

void Emulator::execute(core::Action&& action) {
  std::visit(
      [this](auto&& a) {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, core::Spawn>) {
          spawn(a.process);
        } else if constexpr (std::is_same_v<A, core::SignalProcess>) {
          signal(a);
        } else if constexpr (std::is_same_v<A, core::DeliverInvoke>) {
          deliver(a);
        } else if constexpr (std::is_same_v<A, core::DeliverExtensionEvent>) {
          deliver(std::move(a));
        } else if constexpr (std::is_same_v<A, core::StartStream>) {
          start_stream(std::move(a));
        } else if constexpr (std::is_same_v<A, core::CompleteInvoke>) {
          complete(std::move(a));
        } else if constexpr (std::is_same_v<A, core::ArmTimer>) {
          timers_.arm(a.id, a.at);
        } else if constexpr (std::is_same_v<A, core::CancelTimer>) {
          timers_.cancel(a.id);
        } else if constexpr (std::is_same_v<A, core::EmitRecord>) {
          emit(a.record);
        } else if constexpr (std::is_same_v<A, core::Transition>) {
          SPDLOG_LOGGER_DEBUG(&log_, "[{}] {} -> {}", a.actor, a.from, a.to);
          if (trace_) {
            trace_->write(
                {{"kind", "transition"}, {"actor", a.actor}, {"from", a.from}, {"to", a.to}});
          }
        } else if constexpr (std::is_same_v<A, core::Stopped>) {
          stopped_ = true;
          for (const auto& timer : retry_timers_) {
            timer->cancel();
          }
          out_.flush();
          abandon_parked_next();
          abandon_parked_events();
          hub_.stop();
          runtime_listener_.close();
          invoke_listener_.close();
          if (url_listener_) {
            url_listener_->close();
          }
          if (trace_) {
            trace_->write({{"kind", "stopped"}});
          }
          if (on_stopped_) {
            net::post(ioc_, on_stopped_);
          }
        }
      },
      std::move(action));
}

void Emulator::spawn(core::ProcessRef process) {
  const std::string runtime_api = endpoint_text(runtime_api_endpoint());
  process::LaunchSpec spec;
  std::string prefix;
  telemetry::LogSource source = telemetry::LogSource::extension;
  const std::string task_root = process::sandbox_task_root(isolated_, config_.task_root);
  spec.isolation = isolated_ ? &isolation_ : nullptr;
  if (process.is_runtime()) {
    spec.argv = runtime_argv();
    spec.env = process::runtime_environment(config_.function, runtime_api, task_root, log_stream_,
                                            config_.env, environ)
                   .vars;
    spec.cwd = task_root;
    prefix = "[function] ";
    source = telemetry::LogSource::function;
  } else {
    const process::ExtensionFile& file = config_.extensions.at(process.index);
    spec.argv = {process::sandbox_path_for_extension(file.name, isolated_, config_.opt_dirs)};
    spec.env =
        process::extension_environment(config_.function, runtime_api, config_.env, environ).vars;
    spec.cwd = isolated_ ? "/opt" : file.opt_dir;
    prefix = "[extension:" + file.name + "] ";
  }
  const process::Launched launched = supervisor_.launch(
      spec,
      [this, prefix, source](std::string_view line) {
        out_.line(prefix, line);
        tail_line(line);
        hub_.log_line(source, line);  // C68
      },
      [this, process](core::ExitStatus status) {
        std::erase_if(pids_, [&](const auto& p) { return p.first == process; });
        if (trace_) {
          trace_->write({{"kind", "process_exit"},
                         {"process", process_name(process)},
                         {"generation", process.generation},
                         {"signaled", status.signaled},
                         {"code", status.code}});
        }
        handle(core::ProcessExited{process, status});
      });
  if (trace_) {
    trace_->write({{"kind", "process_spawn"},
                   {"process", process_name(process)},
                   {"generation", process.generation},
                   {"pid", launched.pid},
                   {"argv", spec.argv},
                   {"error", launched.error}});
  }
  if (!launched.error.empty()) {
    // Never feed the core from inside its own actions: the failure is a new event.
    net::post(ioc_, [this, process, msg = launched.error]() mutable {
      handle(core::LaunchFailed{process, std::move(msg)});
    });
    return;
  }
  pids_.emplace_back(process, launched.pid);
  meter_.watch(launched.pid);
}

std::string Emulator::process_name(core::ProcessRef process) const {
  return process.is_runtime() ? "runtime"
                              : "extension " + config_.extensions.at(process.index).name;
}

void Emulator::signal(const core::SignalProcess& s) {
  for (const auto& [process, pid] : pids_) {
    if (process == s.process) {
      supervisor_.kill_group(pid, s.signal == core::Signal::kill ? SIGKILL : SIGTERM);
    }
  }
  if (s.signal == core::Signal::kill && s.process.is_runtime()) {
    abandon_parked_next();
  }
  if (trace_) {
    trace_->write({{"kind", "signal"},
                   {"process", process_name(s.process)},
                   {"signal", s.signal == core::Signal::kill ? "SIGKILL" : "SIGTERM"}});
  }
}

void Emulator::deliver(const core::DeliverInvoke& d) {
  // The newest open long poll gets the event: clients leave older connections idle (section 11).
  while (!parked_next_.empty()) {
    ParkedNext p = parked_next_.back();
    parked_next_.pop_back();
    auto reply = p.reply.lock();
    if (!reply || !reply->open()) {
      continue;
    }
    const core::Invoke& in = *d.invoke;
    Response res{http::status::ok, p.version};
    res.keep_alive(p.keep_alive);
    res.set("Lambda-Runtime-Aws-Request-Id", in.request_id);
    res.set("Lambda-Runtime-Deadline-Ms", std::to_string(epoch_ms(d.deadline)));
    res.set("Lambda-Runtime-Invoked-Function-Arn", in.invoked_function_arn);
    if (in.trace_id) {
      res.set("Lambda-Runtime-Trace-Id", *in.trace_id);
    }
    if (in.client_context) {
      res.set("Lambda-Runtime-Client-Context", *in.client_context);
    }
    if (in.cognito_identity) {
      res.set("Lambda-Runtime-Cognito-Identity", *in.cognito_identity);
    }
    if (in.tenant_id) {
      res.set("Lambda-Runtime-Aws-Tenant-Id", *in.tenant_id);
    }
    res.set(http::field::content_type, in.content_type);
    res.body().share(std::shared_ptr<const std::string>(d.invoke, &d.invoke->payload));
    res.prepare_payload();
    reply->fill(std::move(res));
    return;
  }
  // Nobody is listening any more; the core re-sends the event on the runtime's next /next.
  log_.debug("[rid={}] no open /next to deliver to", d.invoke->request_id);
}

void Emulator::deliver(core::DeliverExtensionEvent&& d) {
  const auto it = parked_events_.find(d.identifier);
  auto reply = it == parked_events_.end() ? nullptr : it->second.reply.lock();
  if (!reply || !reply->open()) {
    log_.warn("extension {} is not waiting in /event/next; its event is lost", d.identifier);
    return;
  }
  const ParkedNext p = it->second;
  parked_events_.erase(it);
  const core::ExtensionEvent& ev = d.event;
  // Key order as rapid emits them (section 4.4); deadlineMs is an integer.
  nlohmann::ordered_json body;
  Response res{http::status::ok, p.version};
  res.keep_alive(p.keep_alive);
  if (ev.kind == core::ExtensionEvent::Kind::invoke) {
    body["eventType"] = "INVOKE";
    body["deadlineMs"] = epoch_ms(ev.deadline);
    body["requestId"] = ev.invoke->request_id;
    body["invokedFunctionArn"] = ev.invoke->invoked_function_arn;
    if (ev.invoke->trace_id) {
      body["tracing"] = {{"type", "X-Amzn-Trace-Id"}, {"value", *ev.invoke->trace_id}};
    }
    res.set("Lambda-Extension-Event-Identifier", new_request_id());
  } else {
    hub_.flush();  // listeners may wait for a last batch before they exit (section 11)
    body["eventType"] = "SHUTDOWN";
    body["deadlineMs"] = epoch_ms(ev.deadline);
    body["shutdownReason"] = core::to_string(ev.reason);
  }
  res.set(http::field::content_type, "application/json");
  res.body().assign(body.dump());
  res.prepare_payload();
  reply->fill(std::move(res));
}

void Emulator::start_stream(core::StartStream&& s) {
  auto stream = std::make_shared<ResponseStream>(ioc_.get_executor());
  streams_[s.request_id] = stream;
  const auto it = waiters_.find(s.request_id);
  if (it == waiters_.end()) {
    stream->detach();  // the caller is gone: the bytes go nowhere
    return;
  }
  Waiter w = std::move(it->second);
  waiters_.erase(it);
  if (!w.stream) {
    net::co_spawn(
        ioc_,
        buffer_stream(s.request_id, std::move(stream), std::move(w), std::move(s.content_type)),
        net::detached);
    return;
  }
  if (w.stream->prelude_head && s.content_type == http_integration_type) {
    net::co_spawn(ioc_, answer_after_prelude(std::move(stream), std::move(w)), net::detached);
    return;
  }
  Response head = w.stream->head(s.content_type, w.version, w.keep_alive);
  for (const auto& field : w.headers) {
    head.set(field.name_string(), field.value());
  }
  w.reply->fill(std::move(head), std::move(stream), w.stream->framing);
}

// The head comes from the prelude; the body is what follows its 8 NULs.
net::awaitable<void> Emulator::answer_after_prelude(std::shared_ptr<ResponseStream> stream,
                                                    Waiter w) {
  // A prelude is a few headers; one that never ends is not one.
  constexpr std::size_t max_prelude_bytes = 64 * 1024;
  std::string bytes;
  std::size_t end = std::string::npos;
  while (end == std::string::npos && bytes.size() <= max_prelude_bytes) {
    std::optional<std::string> piece = co_await stream->read();
    if (!piece) {
      break;
    }
    bytes += *piece;
    end = bytes.find(prelude_delimiter);
  }
  std::optional<Response> head;
  if (end != std::string::npos) {
    head = w.stream->prelude_head(std::string_view(bytes).substr(0, end), w.version, w.keep_alive);
  }
  if (!head) {
    stream->detach();
    w.answer(core::Outcome::platform_error(core::Status::error, "Runtime.InvalidResponse",
                                           "the HTTP integration prelude is malformed"),
             std::nullopt);
    co_return;
  }
  for (const auto& field : w.headers) {
    head->set(field.name_string(), field.value());
  }
  stream->unread(bytes.substr(end + prelude_delimiter.size()));
  w.reply->fill(std::move(*head), std::move(stream), w.stream->framing);
}

// A front door that answers in one piece gets a streamed response whole, within the buffered
// limit, once the stream has ended.
net::awaitable<void> Emulator::buffer_stream(std::string request_id,
                                             std::shared_ptr<ResponseStream> stream, Waiter w,
                                             std::string content_type) {
  std::string body;
  std::uint64_t size = 0;
  while (const std::optional<std::string> bytes = co_await stream->read()) {
    size += bytes->size();
    if (size <= core::max_buffered_response_bytes) {
      body += *bytes;
    }
  }
  const ResponseStream::End& end = stream->end();
  core::Outcome o;
  if (!end.error_type.empty()) {
    o = core::Outcome::function_error(end.error_body, "application/json", end.error_type);
  } else if (size > core::max_buffered_response_bytes) {
    o = core::Outcome::platform_error(core::Status::error, "Function.ResponseSizeTooLarge",
                                      "Response payload size (" + std::to_string(size) +
                                          " bytes) exceeded maximum allowed payload size (" +
                                          std::to_string(core::max_buffered_response_bytes) +
                                          " bytes).");
  } else {
    o = core::Outcome::success(std::move(body), std::move(content_type));
  }
  answer(request_id, std::move(w), std::move(o));
}

void Emulator::Waiter::answer(core::Outcome&& o, std::optional<std::string> log_tail) const {
  Response res = render(std::move(o), AnswerContext{version, keep_alive, std::move(log_tail)});
  for (const auto& field : headers) {
    res.set(field.name_string(), field.value());
  }
  reply->fill(std::move(res));
}

std::shared_ptr<ResponseStream> Emulator::response_stream(const std::string& request_id) const {
  const auto it = streams_.find(request_id);
  return it == streams_.end() ? nullptr : it->second;
}

void Emulator::submit_async(core::Invoke&& invoke) {
  async_.accepted(invoke);
  handle(core::InvokeArrived{std::move(invoke)});
}

void Emulator::complete(core::CompleteInvoke&& c) {
  if (async_.owns(c.request_id)) {
    // Nobody waits for an Event invoke; a failed one is sent again later, as Lambda does.
    if (auto retry = async_.finished(c.request_id, c.outcome); retry && !stopped_) {
      log_.info("async invoke {} failed ({}); retry {} of {} in {} ms", c.request_id,
                c.outcome.error_type, retry->attempt, config_.async.retries, retry->delay.count());
      auto timer = std::make_shared<net::steady_timer>(ioc_, retry->delay);
      retry_timers_.push_back(timer);
      timer->async_wait([this, timer, invoke = std::move(retry->invoke)](error_code ec) mutable {
        std::erase(retry_timers_, timer);
        if (!ec && !stopped_) {
          handle(core::InvokeArrived{std::move(invoke)});
        }
      });
    } else if (c.outcome.kind != core::Outcome::Kind::success) {
      log_.warn("async invoke {} failed ({}) after {} retries; dropped", c.request_id,
                c.outcome.error_type, config_.async.retries);
    }
    return;
  }

  if (const auto s = streams_.find(c.request_id); s != streams_.end()) {
    // A streamed invoke ends its stream, cleanly or with the error (a timeout cuts it).
    // The caller sees the error type as the runtime sent it; logs and telemetry the sanitized one.
    const core::Outcome& o = c.outcome;
    ResponseStream::End end{o.stream_error_type.empty() ? o.error_type : o.stream_error_type,
                            std::move(c.outcome.body), std::nullopt};
    std::shared_ptr<ResponseStream> stream = std::move(s->second);
    streams_.erase(s);
    end_stream(c.request_id, std::move(stream), std::move(end));
    return;
  }
  const auto it = waiters_.find(c.request_id);
  if (it == waiters_.end()) {
    tails_.erase(c.request_id);
    return;  // the caller is gone; the outcome still counted as given
  }
  Waiter w = std::move(it->second);
  waiters_.erase(it);
  answer(c.request_id, std::move(w), std::move(c.outcome));
}

void Emulator::answer(const std::string& request_id, Waiter&& w, core::Outcome&& o) {
  with_log_tail(request_id,
                [w = std::move(w), o = std::move(o)](std::optional<std::string> log_tail) mutable {
                  w.answer(std::move(o), std::move(log_tail));
                });
}

void Emulator::end_stream(const std::string& request_id, std::shared_ptr<ResponseStream> stream,
                          ResponseStream::End&& end) {
  with_log_tail(request_id, [stream = std::move(stream),
                             end = std::move(end)](std::optional<std::string> log_tail) mutable {
    end.log_tail = std::move(log_tail);
    stream->close(std::move(end));
  });
}

void Emulator::with_log_tail(const std::string& request_id,
                             std::function<void(std::optional<std::string>)> finish) {
  const auto t = tails_.find(request_id);
  if (t == tails_.end()) {
    finish(std::nullopt);
    return;
  }
  // An invoke that started has a REPORT coming; one refused before it started has none.
  if (t->second.started) {
    t->second.finish = std::move(finish);
    return;
  }
  std::string log = std::move(t->second.text);
  tails_.erase(t);
  finish(std::move(log));
}

void Emulator::tail_line(std::string_view line) {
  if (tailing_.empty()) {
    return;
  }
  std::string& text = tails_[tailing_].text;
  text.append(line).push_back('\n');
  if (text.size() > max_tail_bytes) {
    text.erase(0, text.size() - max_tail_bytes);
  }
}

void Emulator::emit(const core::Record& record) {
  // What the processes wrote before the event that made this record comes before it.
  supervisor_.drain_output();
  hub_.record(record);
  const auto* start = std::get_if<core::StartRecord>(&record);
  if (start && tails_.contains(start->request_id)) {
    tailing_ = start->request_id;
    tails_[tailing_].started = true;
  }
  for (const std::string& line : telemetry::platform_log_lines(record, config_.function.region)) {
    out_.line(line);
    tail_line(line);
  }
  if (const auto* report = std::get_if<core::ReportRecord>(&record)) {
    if (const auto t = tails_.find(report->request_id); t != tails_.end()) {
      tailing_.clear();
      t->second.started = false;  // the log is complete
      if (t->second.finish) {
        auto finish = std::move(t->second.finish);
        std::string log = std::move(t->second.text);
        tails_.erase(t);
        finish(std::move(log));
      }
    }
  }
  if (trace_) {
    std::visit(
        [this](const auto& r) {
          using R = std::decay_t<decltype(r)>;
          nlohmann::ordered_json j{{"kind", "record"}};
          if constexpr (std::is_same_v<R, core::InitStartRecord>) {
            j["type"] = "platform.initStart";
            j["phase"] = core::to_string(r.phase);
          } else if constexpr (std::is_same_v<R, core::InitRuntimeDoneRecord>) {
            j["type"] = "platform.initRuntimeDone";
            j["status"] = core::to_string(r.status);
          } else if constexpr (std::is_same_v<R, core::InitReportRecord>) {
            j["type"] = "platform.initReport";
            j["status"] = core::to_string(r.status);
            j["durationMs"] = to_ms(r.duration);
          } else if constexpr (std::is_same_v<R, core::StartRecord>) {
            j["type"] = "platform.start";
            j["requestId"] = r.request_id;
          } else if constexpr (std::is_same_v<R, core::RuntimeDoneRecord>) {
            j["type"] = "platform.runtimeDone";
            j["requestId"] = r.request_id;
            j["status"] = core::to_string(r.status);
            j["durationMs"] = to_ms(r.duration);
          } else if constexpr (std::is_same_v<R, core::ReportRecord>) {
            j["type"] = "platform.report";
            j["requestId"] = r.request_id;
            j["status"] = core::to_string(r.status);
            j["durationMs"] = to_ms(r.duration);
            // Post-runtime extension work, inside durationMs (issue 3 item 4).
            j["extensionOverheadMs"] =
                r.extension_overhead ? to_ms(r.extension_overhead->duration) : 0.0;
          } else if constexpr (std::is_same_v<R, core::ExtensionRecord>) {
            j["type"] = "platform.extension";
            j["name"] = r.name;
            j["state"] = r.state;
            j["events"] = r.events;
          } else if constexpr (std::is_same_v<R, core::TelemetrySubscriptionRecord>) {
            j["type"] = r.logs_api ? "platform.logsSubscription" : "platform.telemetrySubscription";
            j["name"] = r.name;
            j["types"] = r.types;
          } else if constexpr (std::is_same_v<R, core::ShutdownRecord>) {
            j["type"] = "shutdown";
            j["reason"] = core::to_string(r.reason);
            j["durationMs"] = to_ms(r.duration);
          }
          trace_->write(j);
        },
        record);
  }
}

void Emulator::abandon_parked_next() {
  for (ParkedNext& p : parked_next_) {
    if (auto reply = p.reply.lock()) {
      reply->abandon();
    }
  }
  parked_next_.clear();
}

void Emulator::abandon_parked_events() {
  for (auto& [id, p] : parked_events_) {
    if (auto reply = p.reply.lock()) {
      reply->abandon();
    }
  }
  parked_events_.clear();
}

// --- for handlers ----------------------------------------------------------------------------

std::shared_ptr<ParkedReply> Emulator::park_next(const Request& req) {
  auto reply = std::make_shared<ParkedReply>(ioc_.get_executor());
  parked_next_.push_back({reply, req.version(), req.keep_alive()});
  return reply;
}

void Emulator::unpark_next(const std::shared_ptr<ParkedReply>& parked) {
  std::erase_if(parked_next_, [&](const ParkedNext& p) { return p.reply.lock() == parked; });
}

std::shared_ptr<ParkedReply> Emulator::park_extension_next(const std::string& identifier,
                                                           const Request& req) {
  auto reply = std::make_shared<ParkedReply>(ioc_.get_executor());
  parked_events_[identifier] = ParkedNext{reply, req.version(), req.keep_alive()};
  return reply;
}

void Emulator::unpark_extension_next(const std::string& identifier,
                                     const std::shared_ptr<ParkedReply>& parked) {
  const auto it = parked_events_.find(identifier);
  if (it != parked_events_.end() && it->second.reply.lock() == parked) {
    parked_events_.erase(it);
  }
}

std::shared_ptr<ParkedReply> Emulator::await_outcome(std::string request_id, const Request& req,
                                                     OutcomeRenderer render,
                                                     const StreamFront* stream,
                                                     http::fields headers, bool tail) {
  auto reply = std::make_shared<ParkedReply>(ioc_.get_executor());
  if (tail) {
    tails_[request_id] = TailLog{};
  }
  waiters_[std::move(request_id)] =
      Waiter{reply, req.version(), req.keep_alive(), render, stream, std::move(headers)};
  return reply;
}

// A random (version 4) UUID, the form Lambda's request ids take.
std::string Emulator::new_request_id() {
  const std::uint64_t a = (rng_() & 0xffffffffffff0fffull) | 0x0000000000004000ull;
  const std::uint64_t b = (rng_() & 0x3fffffffffffffffull) | 0x8000000000000000ull;
  const std::string h = hex(a, 16) + hex(b, 16);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

void Emulator::trace_request(std::string_view api, const Request& req) {
  if (trace_) {
    trace_->write({{"kind", "request"},
                   {"api", api},
                   {"method", std::string(req.method_string())},
                   {"path", std::string(req.target())},
                   {"bytes", req.body().size()}});
  }
}

void Emulator::trace_response(std::string_view api, const Request& req, unsigned status) {
  if (trace_) {
    trace_->write({{"kind", "response"},
                   {"api", api},
                   {"method", std::string(req.method_string())},
                   {"path", std::string(req.target())},
                   {"status", status}});
  }
}

// Lambda's paths inside the sandbox where the kernel allows it; the host's paths (said once)
// where it does not.
void Emulator::set_up_isolation() {
  const process::IsolationSupport support = process::probe_isolation(log_);
  if (!support.available) {
    return;  // the probe warned, naming the reason
  }
  std::string error;
  sandbox_files_ = process::SandboxFiles::create(error);
  if (!sandbox_files_) {
    log_.warn("sandbox paths unavailable ({}); processes see the host's paths", error);
    return;
  }
  isolation_ = {support, config_.task_root, config_.opt_dirs, sandbox_files_->tmp_dir(),
                sandbox_files_->hosts_file()};
  if (auto hidden = host_path_under_tmp()) {
    isolation_.tmp_dir.clear();
    log_.warn("sandbox keeps the host's /tmp: {} lies under it and a private /tmp would hide it",
              *hidden);
  }
  isolated_ = true;
  log_.info("sandbox: task root at /var/task{}, {} /tmp, sandbox.localdomain",
            config_.opt_dirs.empty() ? "" : ", layers at /opt",
            private_tmp() ? "private" : "the host's");
}

// What the sandbox's processes need from the host: the bootstrap, the task root, the layers, the
// emulator's own directory (where a checkout keeps its tools) and absolute paths the function's
// variables name.
std::optional<std::string> Emulator::host_path_under_tmp() const {
  std::vector<std::string> paths = config_.opt_dirs;
  paths.push_back(config_.task_root);
  paths.insert(paths.end(), config_.bootstrap.begin(), config_.bootstrap.end());
  if (!config_.bootstrap.empty()) {
    paths.push_back(std::filesystem::absolute(config_.bootstrap.front()).string());
  }
  std::error_code ec;
  paths.push_back(std::filesystem::read_symlink("/proc/self/exe", ec).parent_path().string());
  for (const auto& [key, value] : config_.env) {
    paths.push_back(value);
  }
  return process::host_path_under_tmp(paths);
}

// The bootstrap as the sandbox sees it, started through AWS_LAMBDA_EXEC_WRAPPER when the
// function sets one (runtime proxies and web adapters rely on it).
std::vector<std::string> Emulator::runtime_argv() const {
  std::vector<std::string> argv = config_.bootstrap;
  if (argv.empty()) {
    argv.push_back(process::sandbox_task_root(isolated_, config_.task_root) + "/bootstrap");
  } else {
    argv[0] = process::sandbox_path_for_host_path(argv[0], isolated_, config_.task_root,
                                                  config_.opt_dirs);
  }
  const std::size_t before = argv.size();
  argv = process::apply_exec_wrapper(std::move(argv), config_.env);
  if (argv.size() != before) {
    argv[0] = process::sandbox_path_for_lambda_path(argv[0], isolated_, config_.task_root,
                                                    config_.opt_dirs);
  }
  return argv;
}

void Emulator::write_ready_file() const {
  if (config_.ready_file.empty()) {
    return;
  }
  // Written whole under a temporary name, then renamed: readers never see half a file.
  const std::string tmp = config_.ready_file + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    nlohmann::json ready{{"invoke", endpoint_text(invoke_endpoint())},
                         {"runtime_api", endpoint_text(runtime_api_endpoint())},
                         {"sandbox_paths", isolated_},
                         {"private_tmp", private_tmp()}};
    if (url_listener_) {
      ready["function_url"] = endpoint_text(url_listener_->endpoint());
    }
    f << ready.dump() << '\n';
  }
  std::rename(tmp.c_str(), config_.ready_file.c_str());
}

}  // namespace lambda_emu::driver

#include "driver/function_host.hpp"

#include <spdlog/spdlog.h>

#include "driver/emulator.hpp"
#include "driver/sandbox_host.hpp"

namespace lambda_emu::driver {
namespace {

// Transitions are several actions an invoke: the core builds them only when they are shown.
core::PoolConfig pool_config(core::PoolConfig pool, Emulator& emulator) {
  pool.outputs = core::Outputs::all().with_transitions(
      emulator.trace() != nullptr || emulator.log().should_log(spdlog::level::debug));
  return pool;
}

}  // namespace

FunctionHost::FunctionHost(Emulator& emulator, FunctionSpec spec, std::uint16_t runtime_api_port)
    : emulator_(emulator),
      spec_(std::move(spec)),
      runtime_api_port_(runtime_api_port),
      timers_(emulator.io_context(), emulator.clock(),
              [this](core::TimerId id) { handle(core::TimerFired{id}); }),
      pool_(spec_.function, pool_config(spec_.pool, emulator), emulator.clock(),
            [this](core::SandboxId id) -> core::MemoryMeter& { return create_host(id); }),
      async_(emulator.config().async) {
  if (spec_.url_port) {
    url_listener_.emplace(emulator.io_context(), emulator.config().listen_host, *spec_.url_port,
                          function_url_routes(), "function-url", *this);
  }
  last_modified_ = emulator.clock().wall_now();
  revision_id_ = emulator.new_request_id();
}

// Hosts still running (the emulator is going away without a stop) let go of what refers back
// to the emulator; the io_context may keep them a little longer.
FunctionHost::~FunctionHost() {
  for (auto& [id, host] : hosts_) {
    host->stopped();
  }
}

void FunctionHost::start() {
  if (url_listener_) {
    url_listener_->start();
  }
  handle(core::StartRequested{});
}

void FunctionHost::stop() {
  if (stopping_) {
    return;
  }
  stopping_ = true;
  for (const auto& timer : retry_timers_) {
    timer->cancel();
  }
  if (url_listener_) {
    url_listener_->close();
  }
  handle(core::StopRequested{});
}

core::PoolResult FunctionHost::handle(core::PoolEvent&& event) {
  core::PoolResult r = pool_.handle(std::move(event));
  for (core::PoolAction& a : r.actions) {
    execute(std::move(a));
  }
  r.actions.clear();
  return r;
}

// A new sandbox of the pool: its host, with its own Runtime API listener.
core::MemoryMeter& FunctionHost::create_host(core::SandboxId id) {
  std::uint16_t port = 0;
  if (port_holder_ == 0) {
    port = runtime_api_port_;
    port_holder_ = id;
  }
  std::shared_ptr<SandboxHost> host;
  try {
    host = std::make_shared<SandboxHost>(*this, id, spec_, port);
  } catch (const std::exception& e) {
    if (port == 0 || id == 1) {
      throw;  // sandbox 1 binds at startup: a port in use is the user's error to see
    }
    // The port is still held (a connection of the last holder lingers): any free port will do.
    log().warn("runtime API port {} is busy ({}); sandbox {} takes a free one", port, e.what(), id);
    port_holder_ = 0;
    host = std::make_shared<SandboxHost>(*this, id, spec_, 0);
  }
  host->start();
  hosts_[id] = host;
  if (id != 1 && port_holder_ == id) {
    emulator_.write_ready_file();  // the fixed Runtime API moved to a new sandbox
  }
  return host->meter();
}

void FunctionHost::execute(core::PoolAction&& pa) {
  const auto it = hosts_.find(pa.sandbox);
  SandboxHost* host = it == hosts_.end() ? nullptr : it->second.get();
  std::visit(
      [&](auto&& a) {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, core::ArmTimer>) {
          timers_.arm(a.id, a.at);
        } else if constexpr (std::is_same_v<A, core::CancelTimer>) {
          timers_.cancel(a.id);
        } else if constexpr (std::is_same_v<A, core::StartStream>) {
          start_stream(std::move(a));
        } else if constexpr (std::is_same_v<A, core::CompleteInvoke>) {
          complete(std::move(a));
        } else if constexpr (std::is_same_v<A, core::Stopped>) {
          if (host) {
            // The sandbox is gone; its host lives on while its connections close.
            host->stopped();
            hosts_.erase(it);
            if (port_holder_ == pa.sandbox) {
              port_holder_ = 0;
            }
          } else if (pa.sandbox == 0) {
            stopped_ = true;
            emulator_.function_stopped();
          }
        } else if (host) {
          if constexpr (std::is_same_v<A, core::Spawn>) {
            host->spawn(a.process);
          } else if constexpr (std::is_same_v<A, core::SignalProcess>) {
            host->signal(a);
          } else if constexpr (std::is_same_v<A, core::DeliverInvoke>) {
            host->deliver(a);
          } else if constexpr (std::is_same_v<A, core::DeliverExtensionEvent>) {
            host->deliver(std::move(a));
          } else if constexpr (std::is_same_v<A, core::EmitRecord>) {
            host->emit(a.record);
          } else if constexpr (std::is_same_v<A, core::Transition>) {
            host->transition(a);
          } else if constexpr (std::is_same_v<A, core::Freeze>) {
            host->freeze();
          } else if constexpr (std::is_same_v<A, core::Thaw>) {
            host->thaw();
          }
        }
      },
      std::move(pa.action));
}

void FunctionHost::thaw_all() {
  for (auto& [id, host] : hosts_) {
    host->thaw();
  }
}

std::optional<tcp::endpoint> FunctionHost::first_runtime_api_endpoint() const {
  const auto it = hosts_.find(port_holder_ != 0 ? port_holder_ : 1);
  return it == hosts_.end() ? std::nullopt : std::optional(it->second->runtime_api_endpoint());
}

std::optional<std::pair<bool, bool>> FunctionHost::first_sandbox_paths() const {
  const auto it = hosts_.find(port_holder_ != 0 ? port_holder_ : 1);
  if (it == hosts_.end()) {
    return std::nullopt;
  }
  return std::pair(it->second->isolated(), it->second->private_tmp());
}

const core::Sandbox* FunctionHost::sandbox(core::SandboxId id) const {
  return pool_.sandbox(id);
}

// --- invokes ---------------------------------------------------------------------------------

std::variant<std::shared_ptr<ParkedReply>, core::Refusal> FunctionHost::invoke(
    core::Invoke&& invoke, const Request& req, AnswerSpec answer) {
  const std::string id = invoke.request_id;
  auto reply = std::make_shared<ParkedReply>(emulator_.io_context().get_executor());
  if (answer.tail) {
    tails_.want(id);
  }
  waiters_[id] = Waiter{reply, req.version(), req.keep_alive(), std::move(answer)};
  core::PoolResult r = handle(core::InvokeArrived{std::move(invoke)});
  if (r.refusal) {
    waiters_.erase(id);
    tails_.forget(id);
    return std::move(*r.refusal);
  }
  return reply;
}

void FunctionHost::submit_async(core::Invoke&& invoke) {
  invoke.asynchronous = true;
  async_.accepted(invoke);
  handle(core::InvokeArrived{std::move(invoke)});
}

void FunctionHost::update(FunctionSpec spec) {
  spec_ = std::move(spec);
  last_modified_ = emulator_.clock().wall_now();
  revision_id_ = emulator_.new_request_id();
  log().info("{}: configuration updated; warm sandboxes are retired", spec_.function.name);
  handle(core::ConfigurationUpdated{spec_.function});
}

std::shared_ptr<ResponseStream> FunctionHost::response_stream(const std::string& request_id) const {
  const auto it = streams_.find(request_id);
  return it == streams_.end() ? nullptr : it->second;
}

void FunctionHost::start_stream(core::StartStream&& s) {
  auto stream = std::make_shared<ResponseStream>(emulator_.io_context().get_executor());
  streams_[s.request_id] = stream;
  const auto it = waiters_.find(s.request_id);
  if (it == waiters_.end()) {
    stream->detach();  // the caller is gone: the bytes go nowhere
    return;
  }
  Waiter w = std::move(it->second);
  waiters_.erase(it);
  const StreamFront* front = w.spec.stream;
  if (!front) {
    net::co_spawn(
        emulator_.io_context(),
        buffer_stream(s.request_id, std::move(stream), std::move(w), std::move(s.content_type)),
        net::detached);
    return;
  }
  if (front->prelude_head && s.content_type == http_integration_type) {
    net::co_spawn(emulator_.io_context(), answer_after_prelude(std::move(stream), std::move(w)),
                  net::detached);
    return;
  }
  Response head = front->head(s.content_type, w.version, w.keep_alive);
  for (const auto& field : w.spec.headers) {
    head.set(field.name_string(), field.value());
  }
  w.reply->fill(std::move(head), std::move(stream), front->framing);
}

// The head comes from the prelude; the body is what follows its 8 NULs.
net::awaitable<void> FunctionHost::answer_after_prelude(std::shared_ptr<ResponseStream> stream,
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
    head = w.spec.stream->prelude_head(std::string_view(bytes).substr(0, end), w.version,
                                       w.keep_alive);
  }
  if (!head) {
    stream->detach();
    w.answer(core::Outcome::platform_error(core::Status::error, "Runtime.InvalidResponse",
                                           "the HTTP integration prelude is malformed"),
             std::nullopt);
    co_return;
  }
  for (const auto& field : w.spec.headers) {
    head->set(field.name_string(), field.value());
  }
  stream->unread(bytes.substr(end + prelude_delimiter.size()));
  w.reply->fill(std::move(*head), std::move(stream), w.spec.stream->framing);
}

// A front door that answers in one piece gets a streamed response whole, within the buffered
// limit, once the stream has ended.
net::awaitable<void> FunctionHost::buffer_stream(std::string request_id,
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
    o = core::Outcome::function_error(std::string(end.error_body), "application/json",
                                      std::string(end.error_type));
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

void FunctionHost::Waiter::answer(core::Outcome&& o, std::optional<std::string> log_tail) const {
  Response res = spec.render(std::move(o), AnswerContext{version, keep_alive, std::move(log_tail)});
  for (const auto& field : spec.headers) {
    res.set(field.name_string(), field.value());
  }
  reply->fill(std::move(res));
}

void FunctionHost::complete(core::CompleteInvoke&& c) {
  if (async_.owns(c.request_id)) {
    // Nobody waits for an Event invoke; a failed one is sent again later, as Lambda does.
    if (auto retry = async_.finished(c.request_id, c.outcome); retry && !stopping_) {
      log().info("async invoke {} failed ({}); retry {} of {} in {} ms", c.request_id,
                 c.outcome.error_type, retry->attempt, emulator_.config().async.retries,
                 retry->delay.count());
      retry_later(std::move(*retry));
    } else if (c.outcome.kind != core::Outcome::Kind::success) {
      log().warn("async invoke {} failed ({}) after {} retries; dropped", c.request_id,
                 c.outcome.error_type, emulator_.config().async.retries);
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
    tails_.with_tail(c.request_id, [stream = std::move(stream), end = std::move(end)](
                                       std::optional<std::string> log_tail) mutable {
      end.log_tail = std::move(log_tail);
      stream->close(std::move(end));
    });
    return;
  }
  const auto it = waiters_.find(c.request_id);
  if (it == waiters_.end()) {
    tails_.forget(c.request_id);
    return;  // the caller is gone; the outcome still counted as given
  }
  Waiter w = std::move(it->second);
  waiters_.erase(it);
  answer(c.request_id, std::move(w), std::move(c.outcome));
}

void FunctionHost::answer(const std::string& request_id, Waiter&& w, core::Outcome&& o) {
  tails_.with_tail(request_id, [w = std::move(w),
                                o = std::move(o)](std::optional<std::string> log_tail) mutable {
    w.answer(std::move(o), std::move(log_tail));
  });
}

void FunctionHost::retry_later(AsyncInvokes::Retry&& retry) {
  auto timer = std::make_shared<net::steady_timer>(emulator_.io_context(), retry.delay);
  retry_timers_.push_back(timer);
  timer->async_wait([this, timer, invoke = std::move(retry.invoke)](error_code ec) mutable {
    std::erase(retry_timers_, timer);
    if (!ec && !stopping_) {
      handle(core::InvokeArrived{std::move(invoke)});
    }
  });
}

// --- shared with the emulator ----------------------------------------------------------------

std::string FunctionHost::new_request_id() {
  return emulator_.new_request_id();
}

const Clock& FunctionHost::clock() const {
  return emulator_.clock();
}

spdlog::logger& FunctionHost::log() {
  return emulator_.log();
}

void FunctionHost::trace_request(std::string_view api, const Request& req) {
  emulator_.trace_request(api, req);
}

void FunctionHost::trace_response(std::string_view api, const Request& req, unsigned status) {
  emulator_.trace_response(api, req, status);
}

}  // namespace lambda_emu::driver

#include "driver/sandbox_host.hpp"

#include <csignal>
#include <ctime>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "driver/emulator.hpp"
#include "driver/function_host.hpp"
#include "driver/hex.hpp"
#include "process/exec_wrapper.hpp"
#include "process/sandbox_paths.hpp"
#include "telemetry/platform_log.hpp"

extern char** environ;

namespace lambda_emu::driver {
namespace {

// Lambda's stream names: 2026/11/28/[$LATEST]<32 hex digits>; one per execution environment.
std::string make_log_stream(const core::FunctionConfig& fn, WallTime now, std::mt19937_64& rng) {
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char date[16];
  std::strftime(date, sizeof date, "%Y/%m/%d", &tm);
  return std::string(date) + "/[" + fn.version + "]" + hex(rng(), 16) + hex(rng(), 16);
}

// A network of its own for the sandbox, when the emulator runs sandboxes so and the kernel lets
// it (the emulator's probe said so at start; a refusal now is logged and the host's is used).
std::shared_ptr<const process::NetworkNamespace> sandbox_network(FunctionHost& function) {
  if (!function.emulator().private_network()) {
    return nullptr;
  }
  std::string error;
  auto ns = process::NetworkNamespace::create(error);
  if (!ns) {
    function.log().warn("sandbox of {} shares the host's network: {}", function.function().name,
                        error);
    return nullptr;
  }
  return std::make_shared<const process::NetworkNamespace>(std::move(*ns));
}

// Inside a network of its own the Runtime API is where Lambda puts it, 127.0.0.1:9001 (or the
// configured port), in every sandbox; else `port` on the host.
tcp::acceptor runtime_api_acceptor(FunctionHost& function, const process::NetworkNamespace* network,
                                   std::uint16_t port) {
  const EmulatorConfig& config = function.emulator().config();
  const net::ip::address host = net::ip::make_address(config.runtime_api_host);
  if (!network) {
    return listening_acceptor(function.emulator().io_context(), tcp::endpoint(host, port));
  }
  const std::uint16_t inside = config.runtime_api_port != 0 ? config.runtime_api_port : 9001;
  std::error_code ec;
  const int socket = network->socket(host.is_v6() ? AF_INET6 : AF_INET, SOCK_STREAM, ec);
  if (socket < 0) {
    throw std::system_error(ec, "socket in the sandbox's network");
  }
  return listening_acceptor(function.emulator().io_context(), tcp::endpoint(host, inside), socket);
}

telemetry::Hub::Options hub_options(std::shared_ptr<const process::NetworkNamespace> network) {
  telemetry::Hub::Options options;
  if (network) {
    options.open_socket = [network](tcp::socket& socket) {
      std::error_code ec;
      const int fd = network->socket(AF_INET, SOCK_STREAM, ec);
      if (fd >= 0) {
        error_code assign_ec;
        socket.assign(tcp::v4(), fd, assign_ec);
        return assign_ec;
      }
      return error_code(ec.value(), boost::system::system_category());
    };
  }
  return options;
}

std::int64_t epoch_ms(WallTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

SandboxHost::SandboxHost(FunctionHost& function, core::SandboxId id, FunctionSpec spec,
                         std::uint16_t port)
    : function_(function),
      id_(id),
      spec_(std::move(spec)),
      meter_(function.clock()),
      network_(sandbox_network(function)),
      listener_(runtime_api_acceptor(function, network_.get(), port), runtime_routes(), "runtime",
                *this),
      hub_(function.emulator().io_context(), function.clock(), function.log(),
           spec_.function.region, hub_options(network_)) {
  std::mt19937_64 rng(std::random_device{}());
  log_stream_ = make_log_stream(spec_.function, function.clock().wall_now(), rng);
  if (function.emulator().isolation().available) {
    set_up_isolation();
  }
  if (function.emulator().cgroups().any()) {
    set_up_cgroup();
  }
}

void SandboxHost::start() {
  listener_.start(weak_from_this());
  if (tracing()) {
    trace({{"kind", "sandbox"},
           {"runtime_api", endpoint_text(runtime_api_endpoint())},
           {"sandbox_paths", isolated_},
           {"private_network", private_network()}});
  }
}

// --- the core's actions ----------------------------------------------------------------------

void SandboxHost::spawn(core::ProcessRef process) {
  if (const core::Sandbox* box = function_.sandbox(id_)) {
    spec_.function.initialization_type = box->config().initialization_type;  // set by the pool
  }
  const std::string runtime_api = endpoint_text(runtime_api_endpoint());
  process::LaunchSpec launch;
  std::string prefix;
  telemetry::LogSource source = telemetry::LogSource::extension;
  const std::string task_root = process::sandbox_task_root(isolated_, spec_.task_root);
  launch.isolation = isolated_ ? &isolation_ : nullptr;
  launch.joins.network_namespace = network_ ? network_->fd() : -1;
  launch.joins.cgroup = cgroup_.get();
  if (process.is_runtime()) {
    launch.argv = runtime_argv();
    launch.env = process::runtime_environment(spec_.function, runtime_api, task_root, log_stream_,
                                              spec_.env, environ)
                     .vars;
    launch.cwd = task_root;
    prefix = "[function] ";
    source = telemetry::LogSource::function;
  } else {
    const process::ExtensionFile& file = spec_.extensions.at(process.index);
    launch.argv = {process::sandbox_path_for_extension(file.name, isolated_, spec_.opt_dirs)};
    launch.env =
        process::extension_environment(spec_.function, runtime_api, spec_.env, environ).vars;
    launch.cwd = isolated_ ? "/opt" : file.opt_dir;
    prefix = "[extension:" + file.name + "] ";
  }
  // The process may outlive a call into this host by a little: hold the host, not `this`.
  std::weak_ptr<SandboxHost> weak = weak_from_this();
  const process::Launched launched = function_.emulator().supervisor().launch(
      launch,
      [weak, prefix, source](std::string_view line) {
        if (auto self = weak.lock()) {
          self->output_line(source, prefix, line);
        }
      },
      [weak, process](core::ExitStatus status) {
        auto self = weak.lock();
        if (!self) {
          return;
        }
        status.out_of_memory = process.is_runtime() && self->killed_for_memory(status);
        std::erase_if(self->pids_, [&](const auto& p) { return p.first == process; });
        if (self->tracing()) {
          self->trace({{"kind", "process_exit"},
                       {"process", self->process_name(process)},
                       {"generation", process.generation},
                       {"signaled", status.signaled},
                       {"code", status.code},
                       {"out_of_memory", status.out_of_memory}});
        }
        (void)self->handle(core::ProcessExited{process, status});
      });
  if (tracing()) {
    trace({{"kind", "process_spawn"},
           {"process", process_name(process)},
           {"generation", process.generation},
           {"pid", launched.pid},
           {"argv", launch.argv},
           {"error", launched.error}});
  }
  if (!launched.error.empty()) {
    // Never feed the core from inside its own actions: the failure is a new event.
    net::post(function_.emulator().io_context(), [weak, process, msg = launched.error]() mutable {
      if (auto self = weak.lock()) {
        (void)self->handle(core::LaunchFailed{process, std::move(msg)});
      }
    });
    return;
  }
  pids_.emplace_back(process, launched.pid);
  std::erase_if(outputs_, [](const auto& o) { return o->done(); });
  outputs_.push_back(launched.output);
  meter_.watch(launched.pid);
}

void SandboxHost::output_line(telemetry::LogSource source, const std::string& prefix,
                              std::string_view line) {
  function_.emulator().out().line(prefix, line);
  if (!tailing_.empty()) {
    function_.tails().line(tailing_, line);
  }
  hub_.log_line(source, line);  // C68
}

std::string SandboxHost::process_name(core::ProcessRef process) const {
  return process.is_runtime() ? "runtime" : "extension " + spec_.extensions.at(process.index).name;
}

void SandboxHost::signal(const core::SignalProcess& s) {
  for (const auto& [process, pid] : pids_) {
    if (process == s.process) {
      function_.emulator().supervisor().kill_group(
          pid, s.signal == core::Signal::kill ? SIGKILL : SIGTERM);
    }
  }
  if (s.signal == core::Signal::kill && s.process.is_runtime()) {
    abandon_parked_next();
  }
  if (tracing()) {
    trace({{"kind", "signal"},
           {"process", process_name(s.process)},
           {"signal", s.signal == core::Signal::kill ? "SIGKILL" : "SIGTERM"}});
  }
}

void SandboxHost::deliver(const core::DeliverInvoke& d) {
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
    res.set(http::field::content_type, "application/json");
    res.body().share(std::shared_ptr<const std::string>(d.invoke, &d.invoke->payload));
    res.prepare_payload();
    reply->fill(std::move(res));
    return;
  }
  // Nobody is listening any more; the core re-sends the event on the runtime's next /next.
  log().debug("[rid={}] no open /next to deliver to", d.invoke->request_id);
}

void SandboxHost::deliver(core::DeliverExtensionEvent&& d) {
  const auto it = parked_events_.find(d.identifier);
  auto reply = it == parked_events_.end() ? nullptr : it->second.reply.lock();
  if (!reply || !reply->open()) {
    log().warn("extension {} is not waiting in /event/next; its event is lost", d.identifier);
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

void SandboxHost::emit(const core::Record& record) {
  // What its processes wrote before the event that made this record comes before it. Only
  // this sandbox's: the others' lines have no order with its records, and each drain is a read.
  for (const auto& output : outputs_) {
    output->drain();
  }
  hub_.record(record);
  LogTails& tails = function_.tails();
  const auto* start = std::get_if<core::StartRecord>(&record);
  if (start && tails.wanted(start->request_id)) {
    tailing_ = start->request_id;
    tails.started(tailing_);
  }
  for (const std::string& line : telemetry::platform_log_lines(record, spec_.function.region)) {
    function_.emulator().out().line(line);
    if (!tailing_.empty()) {
      tails.line(tailing_, line);
    }
  }
  if (const auto* report = std::get_if<core::ReportRecord>(&record)) {
    if (tailing_ == report->request_id) {
      tailing_.clear();
    }
    tails.reported(report->request_id);
  }
  if (tracing()) {
    trace(trace_record(record));
  }
}

void SandboxHost::transition(const core::Transition& t) {
  log().debug("[{} #{}] [{}] {} -> {}", spec_.function.name, id_, t.who(), t.from, t.to);
  if (tracing()) {  // transitions are many per invoke: no JSON unless it is written
    trace({{"kind", "transition"}, {"actor", t.who()}, {"from", t.from}, {"to", t.to}});
  }
}

// The cgroup freezer takes every process of the sandbox, whatever it started, unseen by them. A
// write to its file is kernel work (12-16 us with v1 here, given the frozen group the probe holds;
// 0.1-2 ms without), so the emulator's freezer thread writes them, in order, and the io thread goes
// on: a runtime thawed a little later reads its event a little later. Without a cgroup freezer (or
// with --freeze signals) SIGSTOP stops each process group and SIGCONT resumes it, in ~10 us.
void SandboxHost::freeze() {
  hub_.freeze();
  if (cgroup_freezer()) {
    frozen_ = Frozen::by_cgroup;
    run_freezer("freeze");
    return;
  }
  const Instant started = clock().now();
  signal_all(SIGSTOP);
  frozen_ = Frozen::by_signals;
  trace_freezer("freeze", false, clock().now() - started);
}

void SandboxHost::thaw() {
  if (frozen_ == Frozen::no) {
    return;
  }
  if (frozen_ == Frozen::by_cgroup) {
    run_freezer("thaw");
  } else {
    const Instant started = clock().now();
    signal_all(SIGCONT);
    trace_freezer("thaw", false, clock().now() - started);
  }
  frozen_ = Frozen::no;
  hub_.thaw();
}

bool SandboxHost::cgroup_freezer() const {
  return cgroup_ && cgroup_->can_freeze() && !freezer_failed_ &&
         !function_.emulator().config().freeze_by_signals;
}

void SandboxHost::run_freezer(std::string_view kind) {
  Emulator& emu = function_.emulator();
  // The io thread hears back only when there is something to do: a failure, or a trace line.
  auto write = [cgroup = cgroup_, weak = weak_from_this(), &ioc = emu.io_context(),
                &clock = function_.clock(), kind, traced = tracing()] {
    const Instant started = clock.now();
    std::string error;
    const bool ok = kind == "freeze" ? cgroup->start_freeze(error) : cgroup->thaw(error);
    const Duration took = clock.now() - started;
    if (ok && !traced) {
      return;
    }
    net::post(ioc, [weak, kind, ok, error = std::move(error), took] {
      auto self = weak.lock();
      if (!self) {
        return;
      }
      if (!ok) {
        // From now on this sandbox freezes with signals; this time it ran on.
        self->freezer_failed_ = true;
        self->log().warn("sandbox {}#{}: cgroup {} failed ({}); signals from now on",
                         self->spec_.function.name, self->id_, kind, error);
      }
      self->trace_freezer(kind, true, took);
    });
  };
  net::post(emu.freezer_thread(), std::move(write));
}

void SandboxHost::signal_all(int signal) {
  for (const auto& [process, pid] : pids_) {
    function_.emulator().supervisor().kill_group(pid, signal);
  }
}

void SandboxHost::trace_freezer(std::string_view kind, bool by_cgroup, Duration took) {
  if (tracing()) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(took);
    trace({{"kind", kind}, {"by", by_cgroup ? "cgroup" : "signals"}, {"us", us.count()}});
  }
}

void SandboxHost::stopped() {
  abandon_parked_next();
  abandon_parked_events();
  hub_.stop();
  listener_.close();
  if (tracing()) {
    trace({{"kind", "sandbox_stopped"}});
  }
}

void SandboxHost::abandon_parked_next() {
  for (ParkedNext& p : parked_next_) {
    if (auto reply = p.reply.lock()) {
      reply->abandon();
    }
  }
  parked_next_.clear();
}

void SandboxHost::abandon_parked_events() {
  for (auto& [id, p] : parked_events_) {
    if (auto reply = p.reply.lock()) {
      reply->abandon();
    }
  }
  parked_events_.clear();
}

// --- for handlers ----------------------------------------------------------------------------

core::Result SandboxHost::handle(core::Event&& event) {
  core::PoolResult r = function_.handle(core::SandboxEvent{id_, std::move(event)});
  return core::Result{std::move(r.refusal), {}};
}

std::shared_ptr<ParkedReply> SandboxHost::park_next(const Request& req) {
  auto reply = std::make_shared<ParkedReply>(function_.emulator().io_context().get_executor());
  parked_next_.push_back({reply, req.version(), req.keep_alive()});
  return reply;
}

void SandboxHost::unpark_next(const std::shared_ptr<ParkedReply>& parked) {
  std::erase_if(parked_next_, [&](const ParkedNext& p) { return p.reply.lock() == parked; });
}

std::shared_ptr<ParkedReply> SandboxHost::park_extension_next(const std::string& identifier,
                                                              const Request& req) {
  auto reply = std::make_shared<ParkedReply>(function_.emulator().io_context().get_executor());
  parked_events_[identifier] = ParkedNext{reply, req.version(), req.keep_alive()};
  return reply;
}

void SandboxHost::unpark_extension_next(const std::string& identifier,
                                        const std::shared_ptr<ParkedReply>& parked) {
  const auto it = parked_events_.find(identifier);
  if (it != parked_events_.end() && it->second.reply.lock() == parked) {
    parked_events_.erase(it);
  }
}

std::shared_ptr<ResponseStream> SandboxHost::response_stream(const std::string& request_id) const {
  return function_.response_stream(request_id);
}

bool SandboxHost::stream_throttle() const {
  return function_.emulator().config().stream_throttle;
}

const Clock& SandboxHost::clock() const {
  return function_.clock();
}

std::optional<std::string> SandboxHost::extension_name(const std::string& identifier) const {
  const core::Sandbox* box = function_.sandbox(id_);
  return box ? box->extension_name(identifier) : std::nullopt;
}

std::string SandboxHost::new_request_id() {
  return function_.new_request_id();
}

spdlog::logger& SandboxHost::log() {
  return function_.log();
}

void SandboxHost::trace_request(std::string_view api, const Request& req) {
  function_.trace_request(api, req);
}

void SandboxHost::trace_response(std::string_view api, const Request& req, unsigned status) {
  function_.trace_response(api, req, status);
}

bool SandboxHost::tracing() const {
  return function_.emulator().trace() != nullptr;
}

void SandboxHost::trace(nlohmann::ordered_json event) const {
  event["function"] = spec_.function.name;
  event["sandbox"] = id_;
  function_.emulator().trace()->write(event);
}

// --- paths -----------------------------------------------------------------------------------

// Lambda's paths inside the sandbox; the host's paths where the kernel does not allow it (the
// emulator's probe said why, once).
void SandboxHost::set_up_isolation() {
  std::string error;
  files_ = process::SandboxFiles::create(error);
  if (!files_) {
    log().warn("sandbox paths unavailable ({}); processes see the host's paths", error);
    return;
  }
  isolation_ = {function_.emulator().isolation(), spec_.task_root, spec_.opt_dirs,
                files_->tmp_dir(), files_->hosts_file()};
  if (auto hidden = host_path_under_tmp()) {
    isolation_.tmp_dir.clear();
    log().warn("sandbox keeps the host's /tmp: {} lies under it and a private /tmp would hide it",
               *hidden);
  }
  isolated_ = true;
  // Said once: every sandbox is set up alike.
  log().log(id_ == 1 ? spdlog::level::info : spdlog::level::debug,
            "sandbox {}#{}: task root at /var/task{}, {} /tmp, sandbox.localdomain",
            spec_.function.name, id_, spec_.opt_dirs.empty() ? "" : ", layers at /opt",
            private_tmp() ? "private" : "the host's");
}

// Lambda's resource shape: a CPU share from the memory size, the memory size as a hard limit,
// and the freezer. Where the kernel refuses, the emulator's probe has said so once.
void SandboxHost::set_up_cgroup() {
  const EmulatorConfig& config = function_.emulator().config();
  std::string error;
  const process::CgroupLimits limits{
      .memory_mb = spec_.function.memory_mb, .limit_cpu = config.cpu_scaling, .limit_memory = true};
  auto cgroup = process::SandboxCgroup::create(function_.emulator().cgroups(),
                                               spec_.function.name + "-" + std::to_string(id_),
                                               limits, error);
  if (!cgroup) {
    log().warn("sandbox {}#{} has no cgroup ({}): unthrottled, no memory limit",
               spec_.function.name, id_, error);
    return;
  }
  cgroup_ = std::make_shared<process::SandboxCgroup>(std::move(*cgroup));
  meter_.use(cgroup_.get());
  oom_kills_ = cgroup_->oom_kills().value_or(0);
}

bool SandboxHost::killed_for_memory(const core::ExitStatus& status) {
  const auto kills = cgroup_ ? cgroup_->oom_kills() : std::nullopt;
  if (!kills) {
    return false;
  }
  const bool new_kill = *kills > oom_kills_;
  oom_kills_ = *kills;
  return new_kill && status.signaled && status.code == SIGKILL;
}

// What the sandbox's processes need from the host: the bootstrap, the task root, the layers, the
// emulator's own directory (where a checkout keeps its tools) and absolute paths the function's
// variables name.
std::optional<std::string> SandboxHost::host_path_under_tmp() const {
  std::vector<std::string> paths = spec_.opt_dirs;
  paths.push_back(spec_.task_root);
  paths.insert(paths.end(), spec_.bootstrap.begin(), spec_.bootstrap.end());
  if (!spec_.bootstrap.empty()) {
    paths.push_back(std::filesystem::absolute(spec_.bootstrap.front()).string());
  }
  std::error_code ec;
  paths.push_back(std::filesystem::read_symlink("/proc/self/exe", ec).parent_path().string());
  for (const auto& [key, value] : spec_.env) {
    paths.push_back(value);
  }
  return process::host_path_under_tmp(paths);
}

// The bootstrap as the sandbox sees it, started through AWS_LAMBDA_EXEC_WRAPPER when the
// function sets one (runtime proxies and web adapters rely on it).
std::vector<std::string> SandboxHost::runtime_argv() const {
  std::vector<std::string> argv = spec_.bootstrap;
  if (argv.empty()) {
    argv.push_back(process::sandbox_task_root(isolated_, spec_.task_root) + "/bootstrap");
  } else {
    argv[0] =
        process::sandbox_path_for_host_path(argv[0], isolated_, spec_.task_root, spec_.opt_dirs);
  }
  const std::size_t before = argv.size();
  argv = process::apply_exec_wrapper(std::move(argv), spec_.env);
  if (argv.size() != before) {
    argv[0] =
        process::sandbox_path_for_lambda_path(argv[0], isolated_, spec_.task_root, spec_.opt_dirs);
  }
  return argv;
}

}  // namespace lambda_emu::driver

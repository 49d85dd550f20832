#include "driver/emulator.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include <spdlog/spdlog.h>

#include "api/function_name.hpp"
#include "driver/hex.hpp"
#include "process/network_namespace.hpp"

namespace lambda_emu::driver {

Emulator::Emulator(net::io_context& ioc, EmulatorConfig config, spdlog::logger& log, LogStream& out,
                   std::function<void()> on_stopped)
    : ioc_(ioc),
      config_(std::move(config)),
      log_(log),
      out_(out),
      on_stopped_(std::move(on_stopped)),
      supervisor_(ioc, log),
      rng_(std::random_device{}()),
      invoke_listener_(ioc, config_.listen_host, config_.listen_port, invoke_routes(), "invoke",
                       *this) {
  if (!config_.trace_path.empty()) {
    trace_ = std::make_unique<TraceWriter>(config_.trace_path, clock_);
  }
  for (std::size_t i = 0; i < config_.functions.size(); ++i) {
    functions_.push_back(std::make_unique<FunctionHost>(
        *this, config_.functions[i], i == 0 ? config_.runtime_api_port : std::uint16_t{0}));
  }
}

Emulator::~Emulator() {
  // A process frozen by a cgroup v1 freezer ignores SIGKILL until it is thawed.
  for (auto& fn : functions_) {
    fn->thaw_all();
  }
  freezer_thread_.join();  // its writes done, the thaws above among them
  supervisor_.kill_all();
}

void Emulator::start() {
  for (const FunctionSpec& f : config_.functions) {
    const auto env = process::runtime_environment(f.function, "", "", "", f.env, nullptr);
    for (const std::string& key : env.ignored) {
      log_.warn(
          "{}: environment variable {} is reserved by Lambda; the function's value is "
          "ignored",
          f.function.name, key);
    }
  }
  if (config_.isolate) {
    isolation_ = process::probe_isolation(log_);  // warns once, naming the reason, if refused
  }
  if (config_.cgroups) {
    const bool freezing = !config_.freeze_by_signals &&
                          std::any_of(config_.functions.begin(), config_.functions.end(),
                                      [](const FunctionSpec& f) { return f.function.freeze; });
    // Warns once, naming what is missing and why.
    cgroups_ = process::probe_cgroups(log_, {.hold_freezer = freezing});
  } else {
    log_.info(
        "--cgroups off: no CPU share from the memory size, no memory limit, freezing by signals");
  }
  if (config_.cpu_scaling && !cpu_scaling()) {
    log_.warn("CPU scaling unavailable: the sandboxes run unthrottled, whatever their memory size");
  }
  if (config_.private_network) {
    std::string error;
    private_network_ = process::NetworkNamespace::create(error).has_value();
    if (!private_network_) {
      log_.warn(
          "--network private unavailable: {}; the sandboxes share the host's network (an "
          "extension's fixed port is taken in one sandbox at a time)",
          error);
    }
  }
  if (trace_) {
    trace_->write({{"kind", "start"},
                   {"invoke", endpoint_text(invoke_endpoint())},
                   {"function", config_.functions.front().function.name}});
  }
  for (auto& fn : functions_) {
    fn->start();
  }
  invoke_listener_.start();
  started_ = true;
  write_ready_file();
}

void Emulator::stop() {
  for (auto& fn : functions_) {
    fn->stop();
  }
}

void Emulator::function_stopped() {
  if (stopped_ || !std::all_of(functions_.begin(), functions_.end(),
                               [](const auto& fn) { return fn->stopped(); })) {
    return;
  }
  stopped_ = true;
  out_.flush();
  invoke_listener_.close();
  if (trace_) {
    trace_->write({{"kind", "stopped"}});
  }
  if (on_stopped_) {
    net::post(ioc_, on_stopped_);
  }
}

FunctionHost* Emulator::find(std::string_view name) {
  for (auto& fn : functions_) {
    if (fn->function().name == name) {
      return fn.get();
    }
  }
  return nullptr;
}

// A random (version 4) UUID, the form Lambda's request ids take.
std::string Emulator::new_request_id() {
  const std::uint64_t a = (rng_() & 0xffffffffffff0fffull) | 0x0000000000004000ull;
  const std::uint64_t b = (rng_() & 0x3fffffffffffffffull) | 0x8000000000000000ull;
  // 8-4-4-4-12 digits, written in place: one string per invoke.
  std::string id(36, '-');
  put_hex(id, 0, a >> 32, 8);
  put_hex(id, 9, a >> 16, 4);
  put_hex(id, 14, a, 4);
  put_hex(id, 19, b >> 48, 4);
  put_hex(id, 24, b, 12);
  return id;
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

// How the first function's sandboxes are frozen between invokes: "cgroup", "signals" or "off".
std::string_view Emulator::freezer_text() const {
  if (!functions_.front()->function().freeze) {
    return "off";
  }
  const bool cgroup =
      cgroups_.freezer.version != process::CgroupVersion::none && !config_.freeze_by_signals;
  return cgroup ? "cgroup" : "signals";
}

// {"invoke", "runtime_api", "function_url", "sandbox_paths", "private_tmp"} for the first
// function (the short form's one), and every function's by name under "functions".
void Emulator::write_ready_file() const {
  if (config_.ready_file.empty() || !started_) {
    return;
  }
  nlohmann::json ready{{"invoke", endpoint_text(invoke_endpoint())},
                       {"sandbox_paths", false},
                       {"private_tmp", false},
                       {"private_network", private_network_},
                       {"cpu_scaling", cpu_scaling()},
                       {"memory_limit", cgroups_.memory.version != process::CgroupVersion::none},
                       {"freezer", freezer_text()}};
  nlohmann::json functions = nlohmann::json::object();
  for (const auto& fn : functions_) {
    nlohmann::json f = nlohmann::json::object();
    if (const auto rapi = fn->first_runtime_api_endpoint()) {
      f["runtime_api"] = endpoint_text(*rapi);
    }
    if (const auto url = fn->url_endpoint()) {
      f["function_url"] = endpoint_text(*url);
    }
    functions[fn->function().name] = f;
  }
  const nlohmann::json& first = functions[functions_.front()->function().name];
  for (const char* key : {"runtime_api", "function_url"}) {
    if (first.contains(key)) {
      ready[key] = first[key];
    }
  }
  if (const auto paths = functions_.front()->first_sandbox_paths()) {
    ready["sandbox_paths"] = paths->first;
    ready["private_tmp"] = paths->second;
  }
  ready["functions"] = functions;
  // Written whole under a temporary name, then renamed: readers never see half a file.
  const std::string tmp = config_.ready_file + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << ready.dump() << '\n';
  }
  std::rename(tmp.c_str(), config_.ready_file.c_str());
}

}  // namespace lambda_emu::driver

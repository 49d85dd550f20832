// lambda-emu-bench: warm invoke latency and cold start of lambda-emu, each against a floor
// measured in the same run. See README.md in this directory.
#include <utility>  // must precede Boost.Asio (Boost 1.74 + g++ 12)

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "child_process.hpp"
#include "fake_runtime_api.hpp"
#include "floor_servers.hpp"
#include "http_client.hpp"
#include "stats.hpp"

namespace {

using namespace bench;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr std::string_view kInvokePath = "/2015-03-31/functions/function/invocations";
constexpr std::chrono::seconds kReadyTimeout{10};
constexpr std::chrono::seconds kColdTimeout{15};

// ---------------------------------------------------------------------------------------------
// Options

struct Options {
  std::string emulator;
  std::string runtime;
  std::vector<std::size_t> sizes{100, 100'000, 1'000'000};
  std::optional<std::size_t> iterations;  // at the smallest size; larger sizes get fewer
  std::size_t warmup = 200;               // at 100 B; larger sizes get fewer
  std::size_t block = 100;
  std::size_t cold_runs = 20;
  std::string json_path;
  std::string emulator_log;
  bool quick = false;
  double quick_scale = 1;  // --quick: 1/10 of the default iterations
  bool pin = false;
  bool floor_only = false;
  bool warm = true;
  bool cold = true;
};

constexpr const char* kUsage = R"(usage: lambda-emu-bench [options]

Measures lambda-emu (serve --handler echo -- test-runtime) against a loopback floor
measured in the same run, interleaved: warm sequential invokes and cold start.

options:
  --emulator PATH       lambda-emu binary (default: lambda-emu next to this binary)
  --runtime PATH        runtime binary (default: test-runtime next to this binary)
  --sizes LIST          payload sizes, e.g. 100,100K,1M (K=1000, Ki=1024; default 100,100K,1M)
  --iterations N        measured invokes at the smallest size; the other sizes keep the default
                        ratio (defaults: 3000 at 100 B, 1000 at 100 KB, 300 at 1 MB, log-linear
                        in between)
  --warmup N            warm-up invokes per path at 100 B, fewer for larger sizes (default 200)
  --block N             invokes per interleaved block (default 100, at most 1/10 of a size's run)
  --cold-runs N         cold starts of each kind (default 20)
  --quick               smoke run: 1/10 of the iterations, 20 warm-up, 5 cold runs
  --pin                 pin client, relay and lambda-emu to one CPU, echo server and runtime to
                        another (warm part only); default: the OS places processes freely
  --floor-only          measure only the floor and the runtime's own cold start (no lambda-emu)
  --no-warm, --no-cold  skip a part
  --json FILE           also write the results as JSON
  --emulator-log FILE   append the emulator's and runtime's stdout/stderr here (default: discard)
  --help                this text

internal (the floor's processes):
  --serve-echo HOST:PORT [--ready-file FILE]
  --serve-relay HOST:PORT UPSTREAM_HOST:PORT [--ready-file FILE]
  (a bare PORT means 127.0.0.1:PORT; port 0 picks a free one, written to the ready file)
)";

std::size_t parse_count(std::string_view what, const std::string& text) {
  std::size_t pos = 0;
  unsigned long long v = 0;
  try {
    v = std::stoull(text, &pos);
  } catch (const std::exception&) {
    pos = 0;
  }
  if (pos != text.size() || text.empty() || text[0] == '-')
    throw std::invalid_argument(std::string(what) + ": not a count: '" + text + "'");
  return static_cast<std::size_t>(v);
}

std::size_t parse_size(const std::string& text) {
  std::size_t pos = 0;
  unsigned long long v = 0;
  try {
    v = std::stoull(text, &pos);
  } catch (const std::exception&) {
    throw std::invalid_argument("--sizes: bad size '" + text + "'");
  }
  std::string unit = text.substr(pos);
  std::transform(unit.begin(), unit.end(), unit.begin(), [](unsigned char c) {
    return static_cast<char>(std::toupper(c));
  });
  static const std::map<std::string, unsigned long long> units{
      {"", 1},          {"B", 1},           {"K", 1000},       {"KB", 1000},
      {"KI", 1024},     {"KIB", 1024},      {"M", 1000000},    {"MB", 1000000},
      {"MI", 1u << 20}, {"MIB", 1u << 20}};
  const auto it = units.find(unit);
  if (it == units.end()) throw std::invalid_argument("--sizes: bad unit in '" + text + "'");
  return static_cast<std::size_t>(v * it->second);
}

std::string format_size(std::size_t n) {
  if (n >= 1000000 && n % 1000000 == 0) return std::to_string(n / 1000000) + " MB";
  if (n >= (1u << 20) && n % (1u << 20) == 0) return std::to_string(n >> 20) + " MiB";
  if (n >= 1000 && n % 1000 == 0) return std::to_string(n / 1000) + " KB";
  if (n >= 1024 && n % 1024 == 0) return std::to_string(n >> 10) + " KiB";
  return std::to_string(n) + " B";
}

Options parse_options(int argc, char** argv) {
  Options o;
  std::optional<std::size_t> warmup;
  std::optional<std::size_t> cold_runs;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (arg == "--emulator") {
      o.emulator = value();
    } else if (arg == "--runtime") {
      o.runtime = value();
    } else if (arg == "--sizes") {
      o.sizes.clear();
      std::string list = value();
      std::size_t start = 0;
      while (start <= list.size()) {
        const auto comma = list.find(',', start);
        const auto item = list.substr(start, comma - start);
        if (!item.empty()) o.sizes.push_back(parse_size(item));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      if (o.sizes.empty()) throw std::invalid_argument("--sizes: empty list");
    } else if (arg == "--iterations") {
      o.iterations = parse_count(arg, value());
    } else if (arg == "--warmup") {
      warmup = parse_count(arg, value());
    } else if (arg == "--block") {
      o.block = std::max<std::size_t>(1, parse_count(arg, value()));
    } else if (arg == "--cold-runs") {
      cold_runs = parse_count(arg, value());
    } else if (arg == "--json") {
      o.json_path = value();
    } else if (arg == "--emulator-log") {
      o.emulator_log = value();
    } else if (arg == "--quick") {
      o.quick = true;
    } else if (arg == "--pin") {
      o.pin = true;
    } else if (arg == "--floor-only") {
      o.floor_only = true;
    } else if (arg == "--no-warm") {
      o.warm = false;
    } else if (arg == "--no-cold") {
      o.cold = false;
    } else {
      throw std::invalid_argument("unknown option '" + arg + "' (see --help)");
    }
  }
  if (o.quick) {
    o.warmup = 20;
    o.cold_runs = 5;
    o.quick_scale = 0.1;
  }
  if (warmup) o.warmup = *warmup;
  if (cold_runs) o.cold_runs = *cold_runs;
  std::sort(o.sizes.begin(), o.sizes.end());
  o.sizes.erase(std::unique(o.sizes.begin(), o.sizes.end()), o.sizes.end());
  const std::string dir = self_exe_dir();
  if (o.emulator.empty()) o.emulator = dir + "/lambda-emu";
  if (o.runtime.empty()) o.runtime = dir + "/test-runtime";
  return o;
}

// Default measured invokes for a payload size: 3000 at <= 100 B, 1000 at 100 KB, 300 at 1 MB,
// log-linear in between and inversely proportional beyond.
double base_iterations(std::size_t size) {
  const double s = std::max<double>(static_cast<double>(size), 1);
  auto lerp = [](double x0, double y0, double x1, double y1, double x) {
    const double t = (std::log(x) - std::log(x0)) / (std::log(x1) - std::log(x0));
    return std::exp(std::log(y0) + t * (std::log(y1) - std::log(y0)));
  };
  if (s <= 100) return 3000;
  if (s <= 1e5) return lerp(100, 3000, 1e5, 1000, s);
  if (s <= 1e6) return lerp(1e5, 1000, 1e6, 300, s);
  return std::max(30.0, 300 * 1e6 / s);
}

// A valid JSON document of exactly `size` bytes (Lambda requires JSON events).
std::string make_payload(std::size_t size) {
  if (size >= 11) return R"({"data":")" + std::string(size - 11, 'x') + R"("})";
  if (size >= 2) return '"' + std::string(size - 2, 'x') + '"';
  return std::string(size, '0');
}

// ---------------------------------------------------------------------------------------------
// Process bookkeeping

struct Context {
  Options opt;
  std::filesystem::path tmp;
  std::vector<int> all_cpus;
  std::vector<int> cpu_a;  // client, relay, emulator (when pinned)
  std::vector<int> cpu_b;  // echo server, runtime (when pinned)
  bool pinned = false;
  int ready_counter = 0;
  std::vector<std::string> failures;  // things that failed to start or broke mid-run
  std::vector<std::string> notes;     // things worth reading that are not failures

  std::string fresh_ready_file(const std::string& what) {
    return (tmp / (std::string(what) + "-" + std::to_string(++ready_counter) + ".json")).string();
  }
};

struct Child {
  pid_t pid = -1;
  std::string address;  // what it listens on
  explicit operator bool() const { return pid > 0; }
};

Child start_and_wait(Context& ctx, SpawnOptions spawn_options, const std::string& ready_file,
                     const std::string& key, const std::string& what) {
  Child child;
  try {
    child.pid = spawn(spawn_options);
  } catch (const std::exception& e) {
    ctx.failures.push_back(what + ": " + e.what());
    return {};
  }
  std::string error;
  auto address = wait_for_ready_file(ready_file, key, child.pid, kReadyTimeout, &error);
  if (!address) {
    stop_process(child.pid, SIGKILL, std::chrono::seconds(1));
    ctx.failures.push_back(what + ": " + error);
    return {};
  }
  child.address = *address;
  return child;
}

Child start_emulator(Context& ctx, const std::vector<int>& cpus) {
  const auto ready = ctx.fresh_ready_file("emulator");
  SpawnOptions so;
  so.argv = {ctx.opt.emulator, "serve",    "--listen", "127.0.0.1:0", "--ready-file",
             ready,            "--handler", "echo",     "--",          ctx.opt.runtime};
  so.output_path = ctx.opt.emulator_log;
  so.cpus = cpus;
  return start_and_wait(ctx, so, ready, "invoke", "lambda-emu");
}

Child start_floor_server(Context& ctx, std::vector<std::string> args, const std::vector<int>& cpus,
                         const std::string& what) {
  const auto ready = ctx.fresh_ready_file(what);
  SpawnOptions so;
  so.argv = {self_exe_path()};
  so.argv.insert(so.argv.end(), args.begin(), args.end());
  so.argv.insert(so.argv.end(), {"--ready-file", ready});
  so.inherit_stderr = true;
  so.cpus = cpus;
  return start_and_wait(ctx, so, ready, "listen", what);
}

void stop_child(Child& child) {
  if (child) stop_process(child.pid, SIGTERM, std::chrono::seconds(5));
  child.pid = -1;
}

// All live descendants of pid (the runtime, and anything it started).
std::vector<pid_t> descendants_of(pid_t pid) {
  std::vector<pid_t> out = children_of(pid);
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto more = children_of(out[i]);
    out.insert(out.end(), more.begin(), more.end());
  }
  return out;
}

// With the bench as child subreaper, runtimes the emulator failed to stop become our children.
// Kills and reaps them; returns how many were still alive after a short grace.
std::size_t reap_leftovers() {
  auto left = children_of(getpid());
  const auto deadline = Clock::now() + std::chrono::milliseconds(300);
  while (!left.empty() && Clock::now() < deadline) {
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    left = children_of(getpid());
  }
  for (const pid_t pid : left) stop_process(pid, SIGKILL, std::chrono::seconds(1));
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }
  return left.size();
}

// ---------------------------------------------------------------------------------------------
// Warm invokes

struct PathRun {
  std::vector<double> samples_us;
  std::size_t errors = 0;
  std::string first_error;
};

void note_error(PathRun& run, std::string what) {
  if (run.errors++ == 0) run.first_error = std::move(what);
}

// n sequential invokes; every response must be 200 with the payload echoed back (the full body is
// compared on the first invoke only, the length on the others). Throws on I/O errors.
void invoke_n(HttpClient& client, const std::string& payload, std::size_t n, PathRun* record,
              bool compare_first) {
  for (std::size_t i = 0; i < n; ++i) {
    const auto t0 = Clock::now();
    const unsigned status = client.post(kInvokePath, payload);
    const auto t1 = Clock::now();
    if (!record) continue;
    record->samples_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    if (status != 200) {
      note_error(*record, "HTTP " + std::to_string(status) + ": " + client.body().substr(0, 200));
    } else if (client.body().size() != payload.size() ||
               (compare_first && i == 0 && client.body() != payload)) {
      note_error(*record, "response body differs from the event (" +
                              std::to_string(client.body().size()) + " bytes for " +
                              std::to_string(payload.size()) + ")");
    }
  }
}

struct SizeRun {
  std::size_t size = 0;
  std::size_t iterations = 0;
  std::size_t warmup = 0;
  std::size_t block = 0;
  PathRun emulator;
  PathRun floor;
};

struct WarmResult {
  std::vector<SizeRun> sizes;
  bool with_emulator = false;
  bool ran = false;
};

void pin_runtime(Context& ctx, const Child& emulator) {
  if (!ctx.pinned || !emulator) return;
  for (const pid_t pid : descendants_of(emulator.pid)) pin_process(pid, ctx.cpu_b);
}

WarmResult run_warm(Context& ctx) {
  WarmResult result;
  const auto& opt = ctx.opt;
  const std::vector<int> none;
  Child echo = start_floor_server(ctx, {"--serve-echo", "127.0.0.1:0"},
                                  ctx.pinned ? ctx.cpu_b : none, "echo-server");
  if (!echo) return result;
  Child relay = start_floor_server(ctx, {"--serve-relay", "127.0.0.1:0", echo.address},
                                   ctx.pinned ? ctx.cpu_a : none, "relay");
  Child emulator;
  if (relay && !opt.floor_only) emulator = start_emulator(ctx, ctx.pinned ? ctx.cpu_a : none);
  if (!relay || (!opt.floor_only && !emulator)) {
    stop_child(emulator);
    stop_child(relay);
    stop_child(echo);
    return result;
  }
  result.with_emulator = static_cast<bool>(emulator);

  HttpClient floor_client;
  HttpClient emu_client;
  try {
    floor_client.connect(parse_host_port(relay.address));
    if (emulator) emu_client.connect(parse_host_port(emulator.address));

    // --iterations N sets the count at the smallest size; other sizes keep the default ratio.
    const double scale = opt.iterations ? static_cast<double>(*opt.iterations) /
                                              base_iterations(opt.sizes.front())
                                        : opt.quick_scale;
    for (const std::size_t size : opt.sizes) {
      SizeRun run;
      run.size = size;
      const double base = base_iterations(size);
      run.iterations =
          std::max<std::size_t>(10, static_cast<std::size_t>(std::lround(scale * base)));
      run.warmup = std::max<std::size_t>(
          10, static_cast<std::size_t>(std::lround(static_cast<double>(opt.warmup) * base / 3000)));
      run.block = std::min(opt.block, std::max<std::size_t>(5, run.iterations / 10));
      const std::string payload = make_payload(size);

      std::printf("  %-8s warm-up %zu, then %zu invokes per path in blocks of %zu...\n",
                  format_size(size).c_str(), run.warmup, run.iterations, run.block);
      std::fflush(stdout);

      // Warm-up: both paths, interleaved, results checked but not timed.
      PathRun warm_emu;
      PathRun warm_floor;
      for (std::size_t done = 0; done < run.warmup; done += run.block) {
        const auto n = std::min(run.block, run.warmup - done);
        if (emulator) invoke_n(emu_client, payload, n, &warm_emu, done == 0);
        invoke_n(floor_client, payload, n, &warm_floor, done == 0);
      }
      pin_runtime(ctx, emulator);  // the runtime exists once the first invoke went through
      if (warm_emu.errors)
        ctx.notes.push_back(format_size(size) + " warm-up through lambda-emu: " +
                            std::to_string(warm_emu.errors) + " bad responses, first: " +
                            warm_emu.first_error);
      if (warm_floor.errors)
        ctx.notes.push_back(format_size(size) + " warm-up through the floor: " +
                            std::to_string(warm_floor.errors) + " bad responses, first: " +
                            warm_floor.first_error);

      run.emulator.samples_us.reserve(run.iterations);
      run.floor.samples_us.reserve(run.iterations);
      // Alternating blocks, ABBA order, so drift and ordering effects hit both paths alike.
      std::size_t block_index = 0;
      for (std::size_t done = 0; done < run.iterations; done += run.block, ++block_index) {
        const auto n = std::min(run.block, run.iterations - done);
        const bool emulator_first = block_index % 2 == 0;
        if (emulator && emulator_first) invoke_n(emu_client, payload, n, &run.emulator, false);
        invoke_n(floor_client, payload, n, &run.floor, false);
        if (emulator && !emulator_first) invoke_n(emu_client, payload, n, &run.emulator, false);
      }
      result.sizes.push_back(std::move(run));
    }
    result.ran = true;
  } catch (const std::exception& e) {
    ctx.failures.push_back(std::string("warm invokes aborted: ") + e.what());
  }
  floor_client.close();
  emu_client.close();
  if (emulator) {
    int status = 0;
    if (has_exited(emulator.pid, &status)) {
      ctx.failures.push_back("lambda-emu exited during the warm run (" + describe_status(status) +
                             ")");
      emulator.pid = -1;
    }
  }
  stop_child(emulator);
  stop_child(relay);
  stop_child(echo);
  if (const auto leaked = reap_leftovers())
    ctx.notes.push_back("after SIGTERM to lambda-emu (warm run), " + std::to_string(leaked) +
                        " process(es) it started were still running and were killed");
  return result;
}

// ---------------------------------------------------------------------------------------------
// Cold start

struct ColdResult {
  std::vector<double> runtime_ms;   // (a) spawn test-runtime -> its POST /response
  std::vector<double> emulator_ms;  // (b) first invoke -> response, lambda-emu lazy init
  std::size_t runtime_failures = 0;
  std::size_t emulator_failures = 0;
  std::string runtime_first_error;
  std::string emulator_first_error;
  std::size_t leaked = 0;
  bool ran_runtime = false;
  bool ran_emulator = false;
};

std::vector<std::string> runtime_environment(const std::string& api) {
  return {"AWS_LAMBDA_RUNTIME_API=" + api,
          "_HANDLER=echo",
          "AWS_LAMBDA_FUNCTION_NAME=test_function",
          "AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
          "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=3008",
          "AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/test_function",
          "AWS_LAMBDA_LOG_STREAM_NAME=$LATEST",
          "AWS_REGION=us-east-1",
          "AWS_DEFAULT_REGION=us-east-1",
          "AWS_EXECUTION_ENV=AWS_Lambda_lambda-emu",
          "LAMBDA_TASK_ROOT=" + std::filesystem::current_path().string(),
          "TZ=:UTC"};
}

std::optional<double> cold_runtime_once(Context& ctx, FakeRuntimeApi& api, int run,
                                        std::string* error) {
  const std::string event = make_payload(100);
  api.arm("bench-cold-" + std::to_string(run), event);
  SpawnOptions so;
  so.argv = {ctx.opt.runtime};
  so.extra_env = runtime_environment(api.address());
  so.output_path = ctx.opt.emulator_log;
  so.cpus = ctx.pinned ? ctx.all_cpus : std::vector<int>{};
  const auto t0 = Clock::now();
  pid_t pid = -1;
  try {
    pid = spawn(so);
  } catch (const std::exception& e) {
    *error = e.what();
    return std::nullopt;
  }
  const auto at = api.wait_response(kColdTimeout, error);
  stop_process(pid, SIGTERM, std::chrono::seconds(2));
  if (!at) return std::nullopt;
  if (api.last_response_body() != event) {
    *error = "the runtime's response differs from the event";
    return std::nullopt;
  }
  return std::chrono::duration<double, std::milli>(*at - t0).count();
}

std::optional<double> cold_emulator_once(Context& ctx, std::string* error) {
  const std::string event = make_payload(100);
  const std::size_t failures_before = ctx.failures.size();
  Child emulator = start_emulator(ctx, ctx.pinned ? ctx.all_cpus : std::vector<int>{});
  if (!emulator) {
    *error = ctx.failures.size() > failures_before ? ctx.failures.back() : "lambda-emu failed";
    ctx.failures.resize(failures_before);
    return std::nullopt;
  }
  std::optional<double> ms;
  try {
    HttpClient client(kColdTimeout);
    client.connect(parse_host_port(emulator.address));
    const auto t0 = Clock::now();
    const unsigned status = client.post(kInvokePath, event);
    const auto t1 = Clock::now();
    if (status != 200)
      *error = "HTTP " + std::to_string(status) + ": " + client.body().substr(0, 200);
    else if (client.body() != event)
      *error = "response body differs from the event";
    else
      ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
  } catch (const std::exception& e) {
    *error = e.what();
  }
  stop_child(emulator);
  return ms;
}

ColdResult run_cold(Context& ctx) {
  ColdResult r;
  const bool have_runtime = std::filesystem::exists(ctx.opt.runtime);
  if (!have_runtime) {
    ctx.failures.push_back("cold start: runtime " + ctx.opt.runtime + " not found");
    return r;
  }
  std::optional<FakeRuntimeApi> api;
  try {
    api.emplace();
  } catch (const std::exception& e) {
    ctx.failures.push_back(std::string("fake Runtime API: ") + e.what());
    return r;
  }
  const bool with_emulator = !ctx.opt.floor_only;
  std::printf("  %zu cold starts of each kind, interleaved...\n", ctx.opt.cold_runs);
  std::fflush(stdout);
  for (std::size_t i = 0; i < ctx.opt.cold_runs; ++i) {
    auto runtime_alone = [&] {
      std::string error;
      if (auto ms = cold_runtime_once(ctx, *api, static_cast<int>(i), &error)) {
        r.runtime_ms.push_back(*ms);
      } else if (r.runtime_failures++ == 0) {
        r.runtime_first_error = error;
      }
      r.leaked += reap_leftovers();
    };
    auto through_emulator = [&] {
      std::string error;
      if (auto ms = cold_emulator_once(ctx, &error)) {
        r.emulator_ms.push_back(*ms);
      } else if (r.emulator_failures++ == 0) {
        r.emulator_first_error = error;
      }
      r.leaked += reap_leftovers();
    };
    if (i % 2 == 0 || !with_emulator) {
      runtime_alone();
      if (with_emulator) through_emulator();
    } else {
      through_emulator();
      runtime_alone();
    }
    // Two failures in a row at the start: something is broken; do not wait out every timeout.
    if (i == 1 && r.runtime_ms.empty() && (!with_emulator || r.emulator_ms.empty())) break;
  }
  r.ran_runtime = true;
  r.ran_emulator = with_emulator;
  if (r.runtime_failures)
    ctx.failures.push_back("cold start, runtime alone: " + std::to_string(r.runtime_failures) +
                           " failed run(s), first: " + r.runtime_first_error);
  if (r.emulator_failures)
    ctx.failures.push_back("cold start through lambda-emu: " +
                           std::to_string(r.emulator_failures) +
                           " failed run(s), first: " + r.emulator_first_error);
  if (r.leaked)
    ctx.notes.push_back("cold start: " + std::to_string(r.leaked) +
                        " process(es) were still running after their parent had been stopped "
                        "(e.g. a runtime lambda-emu did not stop on SIGTERM) and were killed");
  return r;
}

// ---------------------------------------------------------------------------------------------
// Report

struct Target {
  double max_ratio = 0;  // 0: none
};

// The brief's targets: p50 <= 1.3x and p99 <= 2x at 100 B; <= 1.5x at 1 MB.
std::pair<Target, Target> targets_for(std::size_t size) {
  if (size <= 1000) return {{1.3}, {2.0}};
  if (size >= 1000000) return {{1.5}, {1.5}};
  return {};
}

std::string verdict(double ratio, Target t) {
  if (t.max_ratio <= 0) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "<=%.1fx %s", t.max_ratio,
                ratio <= t.max_ratio ? "PASS" : "MISS");
  return buf;
}

json summary_json(const Summary& s, const PathRun& run) {
  return {{"count", s.count},     {"p50_us", s.p50_us},    {"p90_us", s.p90_us},
          {"p99_us", s.p99_us},   {"min_us", s.min_us},    {"max_us", s.max_us},
          {"mean_us", s.mean_us}, {"invokes_per_s", s.per_second},
          {"errors", run.errors}, {"first_error", run.first_error}};
}

void print_path(const std::string& size, const char* label, const Summary& s,
                const PathRun& run) {
  std::printf("  %-8s %-10s %6zu %9.1f %9.1f %9.1f %10.0f %7zu\n", size.c_str(), label, s.count,
              s.p50_us, s.p90_us, s.p99_us, s.per_second, run.errors);
}

json report_warm(const WarmResult& warm) {
  json out = json::array();
  if (!warm.ran) return out;
  std::printf(
      "\nWarm sequential invokes (one keep-alive client, interleaved blocks), microseconds\n");
  std::printf("  %-8s %-10s %6s %9s %9s %9s %10s %7s\n", "size", "path", "n", "p50", "p90", "p99",
              "invokes/s", "errors");
  for (const auto& run : warm.sizes) {
    const Summary floor = summarize(run.floor.samples_us);
    json j{{"size_bytes", run.size},
           {"iterations", run.iterations},
           {"warmup", run.warmup},
           {"block", run.block},
           {"floor", summary_json(floor, run.floor)}};
    const std::string size = format_size(run.size);
    if (warm.with_emulator) {
      const Summary emu = summarize(run.emulator.samples_us);
      print_path(size, "lambda-emu", emu, run.emulator);
      print_path("", "floor", floor, run.floor);
      const double r50 = floor.p50_us > 0 ? emu.p50_us / floor.p50_us : 0;
      const double r90 = floor.p90_us > 0 ? emu.p90_us / floor.p90_us : 0;
      const double r99 = floor.p99_us > 0 ? emu.p99_us / floor.p99_us : 0;
      const auto [t50, t99] = targets_for(run.size);
      std::string targets;
      if (t50.max_ratio > 0) targets += "  p50 " + verdict(r50, t50);
      if (t99.max_ratio > 0) targets += "  p99 " + verdict(r99, t99);
      std::printf("  %-8s %-10s %6s %8.2fx %8.2fx %8.2fx%s\n", "", "ratio", "", r50, r90, r99,
                  targets.c_str());
      j["emulator"] = summary_json(emu, run.emulator);
      j["ratio"] = {{"p50", r50}, {"p90", r90}, {"p99", r99}};
      json tj = json::object();
      if (t50.max_ratio > 0)
        tj["p50"] = {{"max_ratio", t50.max_ratio}, {"pass", r50 <= t50.max_ratio}};
      if (t99.max_ratio > 0)
        tj["p99"] = {{"max_ratio", t99.max_ratio}, {"pass", r99 <= t99.max_ratio}};
      j["targets"] = tj;
    } else {
      print_path(size, "floor", floor, run.floor);
    }
    out.push_back(std::move(j));
  }
  if (warm.with_emulator)
    std::printf("  ratio = lambda-emu / floor at the same percentile (1.00x: no overhead)\n");
  return out;
}

json report_cold(const ColdResult& cold) {
  if (!cold.ran_runtime) return nullptr;
  auto pct = [](std::vector<double> v, double q) {
    std::sort(v.begin(), v.end());
    return percentile_sorted(v, q);
  };
  const double a50 = pct(cold.runtime_ms, 0.5);
  const double a90 = pct(cold.runtime_ms, 0.9);
  std::printf("\nCold start, milliseconds              runs      p50      p90   failed\n");
  std::printf("  runtime alone (fake Runtime API)  %6zu %8.2f %8.2f %8zu\n",
              cold.runtime_ms.size(), a50, a90, cold.runtime_failures);
  json j{{"runtime_alone",
          {{"count", cold.runtime_ms.size()},
           {"p50_ms", a50},
           {"p90_ms", a90},
           {"failures", cold.runtime_failures}}},
         {"leaked_processes", cold.leaked}};
  if (cold.ran_emulator) {
    const double b50 = pct(cold.emulator_ms, 0.5);
    const double b90 = pct(cold.emulator_ms, 0.9);
    std::printf("  through lambda-emu (lazy init)    %6zu %8.2f %8.2f %8zu\n",
                cold.emulator_ms.size(), b50, b90, cold.emulator_failures);
    const bool have = !cold.runtime_ms.empty() && !cold.emulator_ms.empty();
    if (have) {
      std::printf("  lambda-emu adds                          %8.2f %8.2f   (p50 <= 3 ms %s)\n",
                  b50 - a50, b90 - a90, b50 - a50 <= 3.0 ? "PASS" : "MISS");
    }
    j["through_emulator"] = {{"count", cold.emulator_ms.size()},
                             {"p50_ms", b50},
                             {"p90_ms", b90},
                             {"failures", cold.emulator_failures}};
    if (have)
      j["emulator_adds_ms"] = {{"p50", b50 - a50},
                               {"p90", b90 - a90},
                               {"target_ms", 3.0},
                               {"pass", b50 - a50 <= 3.0}};
  }
  return j;
}

std::string placement_text(const Context& ctx) {
  auto list = [](const std::vector<int>& cpus) {
    std::string s;
    for (const int c : cpus) s += (s.empty() ? "" : ",") + std::to_string(c);
    return s;
  };
  if (ctx.pinned)
    return "pinned: client, relay, lambda-emu on CPU " + list(ctx.cpu_a) +
           "; echo server, runtime on CPU " + list(ctx.cpu_b) +
           " (warm part; cold-start children unpinned)";
  return "not pinned: the OS schedules every process freely on CPUs " + list(ctx.all_cpus);
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

int run_bench(Options opt) {
  Context ctx;
  ctx.opt = std::move(opt);
  ctx.all_cpus = allowed_cpus();
  if (ctx.opt.pin) {
    if (ctx.all_cpus.size() >= 2) {
      ctx.cpu_a = {ctx.all_cpus[0]};
      ctx.cpu_b = {ctx.all_cpus[1]};
      // Before any thread exists, so every bench thread inherits it.
      ctx.pinned = pin_this_thread(ctx.cpu_a);
    }
    if (!ctx.pinned) ctx.notes.push_back("--pin ignored: needs two usable CPUs");
  }
  char tmpl[] = "/tmp/lambda-emu-bench.XXXXXX";
  if (!mkdtemp(tmpl)) {
    std::fprintf(stderr, "lambda-emu-bench: cannot create a temporary directory\n");
    return 1;
  }
  ctx.tmp = tmpl;

  const bool with_emulator = !ctx.opt.floor_only;
  const std::string load_at_start = load_average();
  std::printf("lambda-emu-bench\n");
  if (with_emulator) std::printf("  emulator  %s\n", ctx.opt.emulator.c_str());
  std::printf("  runtime   %s (handler echo)\n", ctx.opt.runtime.c_str());
  std::printf("  floor     client -> relay -> echo server (separate processes, Beast)\n");
  std::printf("  placement %s\n", placement_text(ctx).c_str());
  std::printf("  load      %s (from /proc/loadavg at the start)\n", load_at_start.c_str());
  std::fflush(stdout);

  bool fatal = false;
  if (with_emulator && (!std::filesystem::exists(ctx.opt.emulator) ||
                        !std::filesystem::exists(ctx.opt.runtime))) {
    std::fprintf(stderr,
                 "lambda-emu-bench: %s or %s not found (build them, pass --emulator/--runtime, "
                 "or use --floor-only)\n",
                 ctx.opt.emulator.c_str(), ctx.opt.runtime.c_str());
    fatal = true;
  }

  WarmResult warm;
  ColdResult cold;
  if (!fatal && ctx.opt.warm) {
    std::printf("\nWarm invokes\n");
    warm = run_warm(ctx);
    fatal = !warm.ran;
  }
  if (!fatal && ctx.opt.cold) {
    std::printf("\nCold start\n");
    cold = run_cold(ctx);
  }

  const json warm_json = report_warm(warm);
  const json cold_json = report_cold(cold);
  if (!ctx.notes.empty()) std::printf("\nNotes\n");
  for (const auto& n : ctx.notes) std::printf("  - %s\n", n.c_str());
  if (!ctx.failures.empty()) std::printf("\nFailures\n");
  for (const auto& f : ctx.failures) std::printf("  - %s\n", f.c_str());
  std::fflush(stdout);

  int rc = fatal || !ctx.failures.empty() ? 1 : 0;
  if (!ctx.opt.json_path.empty()) {
    json doc{{"tool", "lambda-emu-bench"},
             {"emulator", with_emulator ? json(ctx.opt.emulator) : json(nullptr)},
             {"runtime", ctx.opt.runtime},
             {"placement", {{"pinned", ctx.pinned}, {"description", placement_text(ctx)}}},
             {"load_average_at_start", load_at_start},
             {"options",
              {{"sizes", ctx.opt.sizes},
               {"iterations_at_smallest",
                ctx.opt.iterations ? json(*ctx.opt.iterations) : json(nullptr)},
               {"warmup_at_100B", ctx.opt.warmup},
               {"block", ctx.opt.block},
               {"cold_runs", ctx.opt.cold_runs},
               {"quick", ctx.opt.quick}}},
             {"warm", warm_json},
             {"cold", cold_json},
             {"notes", ctx.notes},
             {"failures", ctx.failures}};
    std::ofstream out(ctx.opt.json_path, std::ios::trunc);
    out << doc.dump(2) << '\n';
    if (!out.flush()) {
      std::fprintf(stderr, "lambda-emu-bench: cannot write %s\n", ctx.opt.json_path.c_str());
      rc = 1;
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(ctx.tmp, ec);
  return rc;
}

// `--serve-echo HOST:PORT [--ready-file F]` and `--serve-relay HOST:PORT UPSTREAM [--ready-file F]`
int run_server_subcommand(int argc, char** argv) {
  const std::string mode = argv[1];
  std::vector<std::string> positional;
  std::string ready_file;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--ready-file" && i + 1 < argc)
      ready_file = argv[++i];
    else
      positional.push_back(arg);
  }
  const std::size_t want = mode == "--serve-echo" ? 1 : 2;
  if (positional.size() != want) {
    std::fprintf(stderr, "usage: lambda-emu-bench %s\n",
                 want == 1 ? "--serve-echo HOST:PORT [--ready-file FILE]"
                           : "--serve-relay HOST:PORT UPSTREAM_HOST:PORT [--ready-file FILE]");
    return 2;
  }
  try {
    const HostPort listen = parse_host_port(positional[0]);
    if (want == 1) return run_echo_server(listen, ready_file);
    return run_relay_server(listen, parse_host_port(positional[1]), ready_file);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lambda-emu-bench %s: %s\n", mode.c_str(), e.what());
    return 2;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  if (argc >= 2 && (std::string_view(argv[1]) == "--serve-echo" ||
                    std::string_view(argv[1]) == "--serve-relay"))
    return run_server_subcommand(argc, argv);
  Options opt;
  try {
    opt = parse_options(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lambda-emu-bench: %s\n", e.what());
    return 2;
  }
  // Runtimes that lambda-emu fails to stop are re-parented to us, so they can be noticed.
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  try {
    return run_bench(std::move(opt));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lambda-emu-bench: %s\n", e.what());
    return 1;
  }
}

#include "options.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string_view>

#include "child_process.hpp"

namespace bench {

namespace {

constexpr const char* kUsage = R"(usage: lambda-emu-bench [options]
       lambda-emu-bench calibrate|validate ...   (what `lambda-emu calibrate|validate` run;
                                                 `lambda-emu-bench calibrate --help`)

Measures lambda-emu (serve --handler echo -- test-runtime) against a loopback floor
measured in the same run, interleaved: warm sequential invokes, what external extensions add
to an invoke, that a slow telemetry listener delays none, streamed responses, throughput with
N sandboxes, and cold start.

options:
  --emulator PATH       lambda-emu binary (default: lambda-emu next to this binary)
  --emulator-arg ARG    one more argument for every `lambda-emu serve` the bench starts
                        (repeatable), e.g. --emulator-arg --freeze --emulator-arg off
  --runtime PATH        runtime binary (default: test-runtime next to this binary)
  --extension PATH      test-extension binary (default: test-extension next to this binary)
  --sizes LIST          payload sizes, e.g. 100,100K,1M (K=1000, Ki=1024; default 100,100K,1M)
  --iterations N        measured invokes at the smallest size; the other sizes keep the default
                        ratio (defaults: 3000 at 100 B, 1000 at 100 KB, 300 at 1 MB, log-linear
                        in between)
  --warmup N            warm-up invokes per path at 100 B, fewer for larger sizes; per client in
                        the pool part (default 200)
  --block N             invokes per interleaved block (default 100, at most 1/10 of a size's run)
  --cold-runs N         cold starts of each kind (default 20)
  --ext-iterations N    extensions part: measured invokes per path, back to back and paced
                        each (default 3000)
  --telemetry-iterations N
                        telemetry part: measured invokes per path (default 20000)
  --listener-delay MS   telemetry part: the listener answers each batch after MS (default 200)
  --stream-runs N       streaming part: streamed 10 MiB responses per path (default 200)
  --pool-sizes LIST     pool part: sandboxes (--max-concurrency, and as many clients), e.g.
                        1,2,4,8 (the default)
  --pool-iterations N   pool part: measured invokes per client and round (default 6000)
  --pool-rounds N       pool part: rounds over the sizes, alternately forward and backward, a
                        fresh lambda-emu for each size and round (default 2)
  --quick               smoke run: 1/10 of the iterations (telemetry: 1/4), 20 warm-up,
                        5 cold runs
  --pin                 pin client, relay and lambda-emu to one CPU, echo server, runtime and
                        extensions to another (not the cold starts); default: the OS places
                        processes freely, except in the streaming part, which always pins
  --floor-only          measure only the floor and the runtime's own cold start (no lambda-emu)
  --no-warm, --no-extensions, --no-telemetry, --no-streaming, --no-pool, --no-cold
                        skip a part
  --json FILE           also write the results as JSON
  --emulator-log FILE   append the emulator's and runtime's stdout/stderr here (default: discard)
  --help                this text

internal (the floor's processes):
  --serve-echo HOST:PORT [--ready-file FILE]
  --serve-relay HOST:PORT UPSTREAM_HOST:PORT [--ready-file FILE]
  (a bare PORT means 127.0.0.1:PORT; port 0 picks a free one, written to the ready file)
)";

// "a,b,,c" -> {"a", "b", "c"}
std::vector<std::string> split_list(const std::string& list) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start <= list.size()) {
    const auto comma = list.find(',', start);
    const auto item = list.substr(start, comma - start);
    if (!item.empty())
      items.push_back(item);
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  return items;
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
  std::transform(unit.begin(), unit.end(), unit.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  static const std::map<std::string, unsigned long long> units{
      {"", 1},       {"B", 1},       {"K", 1000},     {"KB", 1000},     {"KI", 1024},
      {"KIB", 1024}, {"M", 1000000}, {"MB", 1000000}, {"MI", 1u << 20}, {"MIB", 1u << 20}};
  const auto it = units.find(unit);
  if (it == units.end())
    throw std::invalid_argument("--sizes: bad unit in '" + text + "'");
  return static_cast<std::size_t>(v * it->second);
}

}  // namespace

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

std::string format_size(std::size_t n) {
  if (n >= 1000000 && n % 1000000 == 0)
    return std::to_string(n / 1000000) + " MB";
  if (n >= (1u << 20) && n % (1u << 20) == 0)
    return std::to_string(n >> 20) + " MiB";
  if (n >= 1000 && n % 1000 == 0)
    return std::to_string(n / 1000) + " KB";
  if (n >= 1024 && n % 1024 == 0)
    return std::to_string(n >> 10) + " KiB";
  return std::to_string(n) + " B";
}

Options parse_options(int argc, char** argv) {
  Options o;
  std::optional<std::size_t> warmup;
  std::optional<std::size_t> cold_runs;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        throw std::invalid_argument(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (arg == "--emulator") {
      o.emulator = value();
    } else if (arg == "--emulator-arg") {
      o.emulator_args.push_back(value());
    } else if (arg == "--runtime") {
      o.runtime = value();
    } else if (arg == "--extension") {
      o.extension = value();
    } else if (arg == "--sizes") {
      o.sizes.clear();
      for (const auto& item : split_list(value()))
        o.sizes.push_back(parse_size(item));
      if (o.sizes.empty())
        throw std::invalid_argument("--sizes: empty list");
    } else if (arg == "--iterations") {
      o.iterations = parse_count(arg, value());
    } else if (arg == "--warmup") {
      warmup = parse_count(arg, value());
    } else if (arg == "--block") {
      o.block = std::max<std::size_t>(1, parse_count(arg, value()));
    } else if (arg == "--cold-runs") {
      cold_runs = parse_count(arg, value());
    } else if (arg == "--ext-iterations") {
      o.ext_iterations = std::max<std::size_t>(1, parse_count(arg, value()));
    } else if (arg == "--telemetry-iterations") {
      o.telemetry_iterations = std::max<std::size_t>(1, parse_count(arg, value()));
    } else if (arg == "--listener-delay") {
      o.listener_delay_ms = parse_count(arg, value());
    } else if (arg == "--stream-runs") {
      o.stream_runs = std::max<std::size_t>(1, parse_count(arg, value()));
    } else if (arg == "--pool-sizes") {
      o.pool_sizes.clear();
      for (const auto& item : split_list(value())) {
        const std::size_t n = parse_count(arg, item);
        // lambda-emu's --max-concurrency range
        if (n < 1 || n > 1000)
          throw std::invalid_argument("--pool-sizes: " + item + " is not between 1 and 1000");
        o.pool_sizes.push_back(n);
      }
      if (o.pool_sizes.empty())
        throw std::invalid_argument("--pool-sizes: empty list");
    } else if (arg == "--pool-iterations") {
      o.pool_iterations = std::max<std::size_t>(1, parse_count(arg, value()));
    } else if (arg == "--pool-rounds") {
      o.pool_rounds = std::max<std::size_t>(1, parse_count(arg, value()));
    } else if (arg == "--no-pool") {
      o.pool = false;
    } else if (arg == "--no-streaming") {
      o.streaming = false;
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
    } else if (arg == "--no-extensions") {
      o.extensions = false;
    } else if (arg == "--no-telemetry") {
      o.telemetry = false;
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
    o.stream_runs = std::min<std::size_t>(o.stream_runs, 20);
  }
  if (warmup)
    o.warmup = *warmup;
  if (cold_runs)
    o.cold_runs = *cold_runs;
  std::sort(o.sizes.begin(), o.sizes.end());
  o.sizes.erase(std::unique(o.sizes.begin(), o.sizes.end()), o.sizes.end());
  std::sort(o.pool_sizes.begin(), o.pool_sizes.end());
  o.pool_sizes.erase(std::unique(o.pool_sizes.begin(), o.pool_sizes.end()), o.pool_sizes.end());
  const std::string dir = self_exe_dir();
  if (o.emulator.empty())
    o.emulator = dir + "/lambda-emu";
  if (o.runtime.empty())
    o.runtime = dir + "/test-runtime";
  if (o.extension.empty())
    o.extension = dir + "/test-extension";
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
  if (s <= 100)
    return 3000;
  if (s <= 1e5)
    return lerp(100, 3000, 1e5, 1000, s);
  if (s <= 1e6)
    return lerp(1e5, 1000, 1e6, 300, s);
  return std::max(30.0, 300 * 1e6 / s);
}

}  // namespace bench

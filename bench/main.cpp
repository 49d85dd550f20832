// lambda-emu-bench: warm invoke latency and cold start of lambda-emu, each against a floor
// measured in the same run; `calibrate` and `validate` for the wrapper_sim model (`lambda-emu
// calibrate|validate` run them). See README.md in this directory.
#include <utility>  // must precede Boost.Asio (Boost 1.74 + g++ 12)

#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "calibrate.hpp"
#include "child_process.hpp"
#include "cold_start.hpp"
#include "extension_invokes.hpp"
#include "floor_servers.hpp"
#include "http_client.hpp"
#include "options.hpp"
#include "pool_invokes.hpp"
#include "report.hpp"
#include "run_context.hpp"
#include "stream_invokes.hpp"
#include "telemetry_invokes.hpp"
#include "validate.hpp"
#include "warm_invokes.hpp"

namespace {

using namespace bench;
using nlohmann::json;

int run_bench(Options opt) {
  if (!opt.floor_only) {
    for (const auto* path : {&opt.emulator, &opt.runtime}) {
      if (!std::filesystem::exists(*path)) {
        std::fprintf(stderr,
                     "lambda-emu-bench: %s not found (build it, pass --emulator/--runtime, or "
                     "use --floor-only)\n",
                     path->c_str());
        return 1;
      }
    }
  }
  // The extension and telemetry parts need lambda-emu and test-extension.
  if (opt.floor_only) {
    opt.extensions = false;
    opt.telemetry = false;
  }
  if ((opt.extensions || opt.telemetry) && !std::filesystem::exists(opt.extension)) {
    std::fprintf(stderr,
                 "lambda-emu-bench: %s not found (build test-extension, pass --extension, or use "
                 "--no-extensions --no-telemetry)\n",
                 opt.extension.c_str());
    return 1;
  }
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
    if (!ctx.pinned)
      ctx.notes.push_back("--pin ignored: needs two usable CPUs");
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
  if (with_emulator)
    std::printf("  emulator  %s\n", ctx.opt.emulator.c_str());
  std::printf("  runtime   %s (handler echo)\n", ctx.opt.runtime.c_str());
  if (ctx.opt.extensions || ctx.opt.telemetry)
    std::printf("  extension %s\n", ctx.opt.extension.c_str());
  std::printf("  floor     client -> relay -> echo server (separate processes, Beast)\n");
  std::printf("  placement %s\n", placement_text(ctx).c_str());
  std::printf("  load      %s (from /proc/loadavg at the start)\n", load_at_start.c_str());
  std::fflush(stdout);

  bool fatal = false;
  WarmResult warm;
  ExtensionResult extensions;
  TelemetryResult telemetry;
  StreamResult streaming;
  PoolResult pool;
  ColdResult cold;
  if (!fatal && ctx.opt.warm) {
    std::printf("\nWarm invokes\n");
    warm = run_warm(ctx);
    fatal = !warm.ran;
  }
  if (!fatal && ctx.opt.extensions) {
    std::printf("\nExternal extensions\n");
    extensions = run_extensions(ctx);
  }
  if (!fatal && ctx.opt.telemetry) {
    std::printf("\nTelemetry\n");
    telemetry = run_telemetry(ctx);
  }
  if (!fatal && ctx.opt.streaming && !ctx.opt.floor_only) {
    std::printf("\nStreaming\n");
    streaming = run_streaming(ctx);
  }
  if (!fatal && ctx.opt.pool && !ctx.opt.floor_only) {
    std::printf("\nPool\n");
    pool = run_pool(ctx);
  }
  if (!fatal && ctx.opt.cold) {
    std::printf("\nCold start\n");
    cold = run_cold(ctx);
  }

  const json warm_json = report_warm(warm);
  const json extensions_json = report_extensions(extensions);
  const json telemetry_json = report_telemetry(telemetry);
  const json streaming_json = report_streaming(streaming);
  const json pool_json = report_pool(pool);
  const json cold_json = report_cold(cold);
  if (!ctx.notes.empty())
    std::printf("\nNotes\n");
  for (const auto& n : ctx.notes)
    std::printf("  - %s\n", n.c_str());
  if (!ctx.failures.empty())
    std::printf("\nFailures\n");
  for (const auto& f : ctx.failures)
    std::printf("  - %s\n", f.c_str());
  std::fflush(stdout);

  int rc = fatal || !ctx.failures.empty() ? 1 : 0;
  if (!ctx.opt.json_path.empty()) {
    json doc{{"tool", "lambda-emu-bench"},
             {"emulator", with_emulator ? json(ctx.opt.emulator) : json(nullptr)},
             {"runtime", ctx.opt.runtime},
             {"extension",
              ctx.opt.extensions || ctx.opt.telemetry ? json(ctx.opt.extension) : json(nullptr)},
             {"placement", {{"pinned", ctx.pinned}, {"description", placement_text(ctx)}}},
             {"sandboxes", ctx.sandboxes},
             {"load_average_at_start", load_at_start},
             {"options",
              {{"sizes", ctx.opt.sizes},
               {"iterations_at_smallest",
                ctx.opt.iterations ? json(*ctx.opt.iterations) : json(nullptr)},
               {"warmup_at_100B", ctx.opt.warmup},
               {"block", ctx.opt.block},
               {"cold_runs", ctx.opt.cold_runs},
               {"ext_iterations",
                ctx.opt.ext_iterations ? json(*ctx.opt.ext_iterations) : json(nullptr)},
               {"telemetry_iterations",
                ctx.opt.telemetry_iterations ? json(*ctx.opt.telemetry_iterations) : json(nullptr)},
               {"listener_delay_ms", ctx.opt.listener_delay_ms},
               {"stream_runs", ctx.opt.stream_runs},
               {"pool_sizes", ctx.opt.pool_sizes},
               {"pool_iterations",
                ctx.opt.pool_iterations ? json(*ctx.opt.pool_iterations) : json(nullptr)},
               {"pool_rounds", ctx.opt.pool_rounds},
               {"quick", ctx.opt.quick}}},
             {"warm", warm_json},
             {"extensions", extensions_json},
             {"telemetry", telemetry_json},
             {"streaming", streaming_json},
             {"pool", pool_json},
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
    prctl(PR_SET_PDEATHSIG, SIGTERM);  // a floor server never outlives the bench
    const HostPort listen = parse_host_port(positional[0]);
    if (want == 1)
      return run_echo_server(listen, ready_file);
    return run_relay_server(listen, parse_host_port(positional[1]), ready_file);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lambda-emu-bench %s: %s\n", mode.c_str(), e.what());
    return 2;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  if (argc >= 2 &&
      (std::string_view(argv[1]) == "--serve-echo" || std::string_view(argv[1]) == "--serve-relay"))
    return run_server_subcommand(argc, argv);
  const std::string_view command = argc >= 2 ? argv[1] : "";
  if (command == "calibrate" || command == "validate") {
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    install_cleanup_handlers();
    const std::vector<std::string> args(argv + 2, argv + argc);
    try {
      return command == "calibrate" ? run_calibrate(args) : run_validate(args);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "lambda-emu %s: %s\n", argv[1], e.what());
      return 1;
    }
  }
  Options opt;
  try {
    opt = parse_options(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lambda-emu-bench: %s\n", e.what());
    return 2;
  }
  // Runtimes that lambda-emu fails to stop are re-parented to us, so they can be noticed.
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  install_cleanup_handlers();
  try {
    return run_bench(std::move(opt));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lambda-emu-bench: %s\n", e.what());
    return 1;
  }
}

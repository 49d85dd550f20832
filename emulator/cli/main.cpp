// lambda-emu's entry point: parse the command line, wire the parts, run until a signal.
#include <malloc.h>
#include <unistd.h>

#include <csignal>
#include <iostream>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/bench_command.hpp"
#include "cli/options.hpp"
#include "cli/sim_command.hpp"
#include "driver/emulator.hpp"

using namespace lambda_emu;

int main(int argc, char* argv[]) {
  if (argc > 1 && std::string_view(argv[1]) == "sim") {
    return cli::run_sim({argv + 2, argv + argc});
  }
  if (argc > 1 &&
      (std::string_view(argv[1]) == "calibrate" || std::string_view(argv[1]) == "validate")) {
    return cli::run_bench_command(argv[1], {argv + 2, argv + argc});
  }
  cli::ParsedCommand cmd = cli::parse_command_line(argc, argv);
  if (cmd.exit_code) {
    (*cmd.exit_code == 0 ? std::cout : std::cerr) << cmd.message;
    return *cmd.exit_code;
  }

  // Diagnostics go to stderr; the function's log stream (platform lines and its own output)
  // goes to stdout, line by line, like a CloudWatch log stream.
  auto log = spdlog::stderr_logger_st("lambda-emu");
  log->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ lambda-emu: %v");
  log->set_level(spdlog::level::from_str(cmd.log_level));

  // Payloads of megabytes pass through every invoke: keep freed blocks instead of returning
  // them to the kernel and faulting them back on the next request (beast-performance-notes).
  mallopt(M_MMAP_THRESHOLD, 64 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
  std::signal(SIGPIPE, SIG_IGN);

  // The cgroups' parent directories go once every sandbox's are gone, with the io_context.
  process::CgroupSupport cgroups;
  struct RemoveCgroupParents {
    process::CgroupSupport& support;
    ~RemoveCgroupParents() { process::remove_cgroup_parents(support); }
  } remove_parents{cgroups};
  try {
    net::io_context ioc(1);
    driver::LogStream out(ioc, STDOUT_FILENO);
    driver::Emulator emu(ioc, std::move(cmd.config), *log, out, [&ioc] { ioc.stop(); });
    emu.start();
    cgroups = emu.cgroups();

    const tcp::endpoint ep = emu.invoke_endpoint();
    const std::string host = ep.address().to_string();
    log->info("listening on http://{}:{}", host, ep.port());
    for (const auto& fn : emu.functions()) {
      const std::string& name = fn->function().name;
      const auto rapi = fn->first_runtime_api_endpoint();
      log->info(
          "{}: up to {} sandbox(es){}; invoke with: curl -s -d '{{}}' "
          "http://{}:{}/2015-03-31/functions/{}/invocations",
          name, fn->spec().pool.max_concurrency,
          rapi ? fmt::format(", runtime API {}:{}{}", rapi->address().to_string(), rapi->port(),
                             emu.private_network() ? " in each sandbox's own network" : "")
               : "",
          host, ep.port(), fn.get() == &emu.first() ? "function" : name);
      if (emu.cpu_scaling()) {
        const int mb = fn->spec().function.memory_mb;
        const process::CpuQuota q = process::cpu_quota_for_memory(mb, process::host_cpu_count());
        log->info("{}: {} MB, so {:.3f} of a CPU per sandbox{}", name, mb, q.cpus,
                  q.capped ? " (capped: all of this host's CPUs)" : "");
      }
      if (const auto url = fn->url_endpoint()) {
        log->info("{}: function URL http://{}:{}/", name, url->address().to_string(), url->port());
      }
    }

    // Ctrl-C or SIGTERM: shut the sandbox down; a second one stops at once.
    net::signal_set signals(ioc, SIGINT, SIGTERM);
    bool stopping = false;
    std::function<void(const error_code&, int)> on_signal = [&](const error_code& ec, int) {
      if (ec) {
        return;
      }
      if (stopping) {
        ioc.stop();
        return;
      }
      stopping = true;
      log->info("stopping");
      emu.stop();
      signals.async_wait(on_signal);
    };
    signals.async_wait(on_signal);
    ioc.run();
  } catch (const std::exception& e) {
    log->critical("{}", e.what());
    return 1;
  }
  return 0;
}

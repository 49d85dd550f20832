#include "warm_invokes.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <exception>

#include "http_client.hpp"
#include "invoke_loop.hpp"

namespace bench {

WarmResult run_warm(Context& ctx) {
  WarmResult result;
  const auto& opt = ctx.opt;
  const std::vector<int> none;
  Child echo = start_floor_server(ctx, {"--serve-echo", "127.0.0.1:0"},
                                  ctx.pinned ? ctx.cpu_b : none, "echo-server");
  if (!echo)
    return result;
  Child relay = start_floor_server(ctx, {"--serve-relay", "127.0.0.1:0", echo.address},
                                   ctx.pinned ? ctx.cpu_a : none, "relay");
  Child emulator;
  if (relay && !opt.floor_only)
    emulator = start_emulator(ctx, ctx.pinned ? ctx.cpu_a : none);
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
    if (emulator)
      emu_client.connect(parse_host_port(emulator.address));

    // --iterations N sets the count at the smallest size; other sizes keep the default ratio.
    const double scale =
        opt.iterations ? static_cast<double>(*opt.iterations) / base_iterations(opt.sizes.front())
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
        if (emulator)
          invoke_n(emu_client, payload, n, &warm_emu, done == 0);
        invoke_n(floor_client, payload, n, &warm_floor, done == 0);
      }
      // The runtime exists once the first invoke went through.
      pin_emulator_children(ctx, emulator);
      if (warm_emu.errors)
        ctx.notes.push_back(format_size(size) +
                            " warm-up through lambda-emu: " + std::to_string(warm_emu.errors) +
                            " bad responses, first: " + warm_emu.first_error);
      if (warm_floor.errors)
        ctx.notes.push_back(format_size(size) +
                            " warm-up through the floor: " + std::to_string(warm_floor.errors) +
                            " bad responses, first: " + warm_floor.first_error);

      run.emulator.samples_us.reserve(run.iterations);
      run.floor.samples_us.reserve(run.iterations);
      // Alternating blocks, ABBA order, so drift and ordering effects hit both paths alike.
      std::size_t block_index = 0;
      for (std::size_t done = 0; done < run.iterations; done += run.block, ++block_index) {
        const auto n = std::min(run.block, run.iterations - done);
        const bool emulator_first = block_index % 2 == 0;
        if (emulator && emulator_first)
          invoke_n(emu_client, payload, n, &run.emulator, false);
        invoke_n(floor_client, payload, n, &run.floor, false);
        if (emulator && !emulator_first)
          invoke_n(emu_client, payload, n, &run.emulator, false);
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

}  // namespace bench

#include "stream_invokes.hpp"

#include <chrono>
#include <exception>
#include <string>

#include "child_process.hpp"
#include "http_client.hpp"

namespace bench {
namespace {

double us(std::chrono::nanoseconds d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

}  // namespace

StreamResult run_streaming(Context& ctx) {
  StreamResult result;
  result.runs = ctx.opt.stream_runs;
  // Placed as --pin does, whatever the other parts do (stream_invokes.hpp says why); the client
  // is this thread, its own placement put back at the end.
  std::vector<int> cpu_a = ctx.cpu_a;
  std::vector<int> cpu_b = ctx.cpu_b;
  const std::vector<int> own_cpus = allowed_cpus();
  if (!ctx.pinned && ctx.all_cpus.size() >= 2) {
    cpu_a = {ctx.all_cpus[0]};
    cpu_b = {ctx.all_cpus[1]};
    result.pinned = pin_this_thread(cpu_a);
  } else {
    result.pinned = ctx.pinned;
  }
  const std::vector<int> none;
  Child echo = start_floor_server(ctx, {"--serve-echo", "127.0.0.1:0"},
                                  result.pinned ? cpu_b : none, "echo-server");
  Child relay;
  Child emulator;
  if (echo)
    relay = start_floor_server(ctx, {"--serve-relay", "127.0.0.1:0", echo.address},
                               result.pinned ? cpu_a : none, "relay");
  if (relay)
    emulator = start_emulator(ctx, result.pinned ? cpu_a : none,
                              EmulatorLaunch{.opt_dir = {},
                                             .output_path = {},
                                             .options = {"--stream-throttle", "off"},
                                             .bootstrap = {}});
  auto put_back = [&] {
    if (result.pinned && !ctx.pinned)
      pin_this_thread(own_cpus);
  };
  if (!emulator) {
    stop_child(relay);
    stop_child(echo);
    put_back();
    return result;
  }

  const std::string event = R"({"do":"stream","bytes":)" + std::to_string(result.bytes) + "}";
  const std::string floor_target = "/stream/" + std::to_string(result.bytes);
  const std::string small = make_payload(100);
  HttpClient emu_client;
  HttpClient floor_client;
  HttpClient relay_client;
  auto check = [&](const HttpClient::StreamTiming& t, const char* path) {
    if (t.status == 200 && t.bytes == result.bytes && t.error_type.empty())
      return true;
    if (result.errors++ == 0)
      result.first_error = std::string(path) + ": status " + std::to_string(t.status) + ", " +
                           std::to_string(t.bytes) + " bytes" +
                           (t.error_type.empty() ? "" : ", error " + t.error_type);
    return false;
  };
  try {
    emu_client.connect(parse_host_port(emulator.address));
    floor_client.connect(parse_host_port(echo.address));
    relay_client.connect(parse_host_port(relay.address));
    std::printf("  10 MiB streamed in 64 KiB chunks: 3 warm-up, then %zu per path...\n",
                result.runs);
    std::fflush(stdout);
    for (int i = 0; i < 3; ++i) {
      check(emu_client.post_streamed(kInvokePath, event), "lambda-emu warm-up");
      check(floor_client.post_streamed(floor_target, "{}"), "floor warm-up");
      check(relay_client.post_streamed(floor_target, "{}"), "two-hop floor warm-up");
      relay_client.post("/", small);
    }
    if (result.pinned)
      pin_emulator_children(emulator, cpu_b);
    for (std::size_t i = 0; i < result.runs; ++i) {
      // Alternating order, so drift hits both paths alike.
      auto run_emulator = [&] {
        const auto t = emu_client.post_streamed(kInvokePath, event);
        if (check(t, "lambda-emu")) {
          result.emulator_first_byte_us.push_back(us(t.first_byte));
          result.emulator_total_us.push_back(us(t.total));
        }
      };
      if (i % 2 == 0)
        run_emulator();
      const auto f = floor_client.post_streamed(floor_target, "{}");
      if (check(f, "floor")) {
        result.floor_first_byte_us.push_back(us(f.first_byte));
        result.floor_total_us.push_back(us(f.total));
      }
      const auto r = relay_client.post_streamed(floor_target, "{}");
      if (check(r, "two-hop floor")) {
        result.relay_first_byte_us.push_back(us(r.first_byte));
        result.relay_total_us.push_back(us(r.total));
      }
      const auto start = Clock::now();
      if (relay_client.post("/", small) == 200)
        result.relay_round_trip_us.push_back(us(Clock::now() - start));
      if (i % 2 == 1)
        run_emulator();
    }
    result.ran = true;
  } catch (const std::exception& e) {
    ctx.failures.push_back(std::string("streaming aborted: ") + e.what());
  }
  emu_client.close();
  floor_client.close();
  relay_client.close();
  stop_child(emulator);
  stop_child(relay);
  stop_child(echo);
  put_back();
  if (const auto leaked = reap_leftovers())
    ctx.notes.push_back("after SIGTERM to lambda-emu (streaming), " + std::to_string(leaked) +
                        " process(es) it started were still running and were killed");
  if (result.errors)
    ctx.failures.push_back("streaming: " + std::to_string(result.errors) +
                           " bad responses, first: " + result.first_error);
  return result;
}

}  // namespace bench

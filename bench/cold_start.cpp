#include "cold_start.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <optional>

#include "fake_runtime_api.hpp"
#include "http_client.hpp"

namespace bench {

namespace {

// What lambda-emu gives a runtime, near enough for a cold start (the task root is the
// runtime's directory, as lambda-emu's default).
std::vector<std::string> runtime_environment(const std::string& api, const std::string& runtime) {
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
          "LAMBDA_TASK_ROOT=" + std::filesystem::path(runtime).parent_path().string(),
          "TZ=:UTC"};
}

std::optional<double> cold_runtime_once(Context& ctx, FakeRuntimeApi& api, int run,
                                        std::string* error) {
  const std::string event = make_payload(100);
  api.arm("bench-cold-" + std::to_string(run), event);
  SpawnOptions so;
  so.argv = {ctx.opt.runtime};
  so.extra_env = runtime_environment(api.address(), ctx.opt.runtime);
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
  if (!at)
    return std::nullopt;
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

}  // namespace

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
      if (with_emulator)
        through_emulator();
    } else {
      through_emulator();
      runtime_alone();
    }
    // Two failures in a row at the start: something is broken; do not wait out every timeout.
    if (i == 1 && r.runtime_ms.empty() && (!with_emulator || r.emulator_ms.empty()))
      break;
  }
  r.ran_runtime = true;
  r.ran_emulator = with_emulator;
  if (r.runtime_failures)
    ctx.failures.push_back("cold start, runtime alone: " + std::to_string(r.runtime_failures) +
                           " failed run(s), first: " + r.runtime_first_error);
  if (r.emulator_failures)
    ctx.failures.push_back("cold start through lambda-emu: " + std::to_string(r.emulator_failures) +
                           " failed run(s), first: " + r.emulator_first_error);
  if (r.leaked)
    ctx.notes.push_back("cold start: " + std::to_string(r.leaked) +
                        " process(es) were still running after their parent had been stopped "
                        "(e.g. a runtime lambda-emu did not stop on SIGTERM) and were killed");
  return r;
}

}  // namespace bench

// lambda-emu-wrapper: the wrapper runtime, a bootstrap that runs one variant of a wrapper
// scenario for real under lambda-emu (wrapper_runtime.hpp). Also, with --http-server, the
// http_server stage's server process it starts (http_server_process.hpp).
//
//   lambda-emu serve -e LAMBDA_EMU_SCENARIO=scenario.json -e LAMBDA_EMU_VARIANT=web-adapter
//     --opt-dir layer -- build/bin/lambda-emu-wrapper
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>

#include <spdlog/spdlog.h>

#include "bootstrap/http_server_process.hpp"
#include "bootstrap/log.hpp"
#include "bootstrap/proxy_protocol.hpp"
#include "bootstrap/runtime_api.hpp"
#include "bootstrap/wrapper_runtime.hpp"

namespace {

constexpr std::string_view usage =
    "usage: lambda-emu-wrapper   (a Lambda bootstrap; no arguments)\n"
    "Runs the variant LAMBDA_EMU_VARIANT (default bare) of the scenario file LAMBDA_EMU_SCENARIO\n"
    "against the Runtime API at AWS_LAMBDA_RUNTIME_API. LAMBDA_EMU_WRAPPER_SEED fixes the\n"
    "draws; LAMBDA_EMU_WRAPPER_LOG sets the log level (default info).\n";

}  // namespace

int main(int argc, char** argv) {
  const std::span<char*> args(argv, static_cast<std::size_t>(argc));
  if (args.size() > 1 && args[1] == lambda_emu::wrapper_sim::proxy::server_flag) {
    lambda_emu::wrapper_sim::init_logging("lambda-emu-wrapper-http-server");
    return lambda_emu::wrapper_sim::run_http_server(args.subspan(2));
  }
  if (args.size() > 1) {
    std::fputs(usage.data(), args[1] == std::string_view("--help") ? stdout : stderr);
    return args[1] == std::string_view("--help") ? 0 : 2;
  }
  lambda_emu::wrapper_sim::init_logging("lambda-emu-wrapper");
  const char* api = std::getenv("AWS_LAMBDA_RUNTIME_API");
  if (api == nullptr || *api == '\0') {
    spdlog::error("AWS_LAMBDA_RUNTIME_API is not set: run me as a Lambda bootstrap");
    return 2;
  }
  lambda_emu::wrapper_sim::RuntimeApi runtime_api(api);
  return lambda_emu::wrapper_sim::run_wrapper_runtime(runtime_api);
}

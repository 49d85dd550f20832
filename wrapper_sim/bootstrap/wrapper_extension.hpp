#pragma once
// WrapperExtension: an `extension` stage run for real, as an external extension process in the
// function's layer (<layer>/extensions/<name>; its file name is its name). It finds its stage by
// that name in the variant the function's environment names (chosen_variant.hpp), then:
//   1. listens for the runtime's "response out" notices and publishes the port (response_out.hpp);
//   2. registers for INVOKE and SHUTDOWN;
//   3. spends its init, and with telemetry subscribes to the Telemetry API;
//   4. per INVOKE: waits until the runtime says the response is out (at most until the invoke's
//      deadline), spends post_invoke, then asks for the next event, which is what lets the
//      environment take the next invoke;
//   5. on SHUTDOWN: spends its shutdown and exits 0.
// A scenario it cannot use is reported with POST /extension/init/error (Init fails). Its draws
// come from process_seed(scenario seed, "extension:<name>"): init, then post_invoke per invoke,
// then shutdown.
//
//   return run_wrapper_extension("telemetry-agent", std::getenv("AWS_LAMBDA_RUNTIME_API"));
#include <string>

namespace lambda_emu::wrapper_sim {

// The exit status: 0 after SHUTDOWN, 1 when Init failed or the API went away.
[[nodiscard]] int run_wrapper_extension(const std::string& name, const std::string& api_address);

}  // namespace lambda_emu::wrapper_sim

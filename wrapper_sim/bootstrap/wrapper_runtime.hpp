#pragma once
// WrapperRuntime: a scenario variant's stages run for real, as the bootstrap of a function under
// lambda-emu, speaking the Runtime API like any runtime so it is measured exactly like one.
//
// Init, in this order: runtime.init (the language runtime itself); each stage's init in stage
// order (js_shim: its init; http_server: the server process started, spending its startup, and
// polled until seen ready); handler.init; then the first GET /next.
// Per invoke: each js_shim's per_invoke (pre-handler code); with an http_server, the event is
// proxied through it (the server spends its per_invoke and, behind it, the handler's work),
// else the handler's work here; then the response of handler.response_bytes bytes, buffered, or
// streamed when the variant streams (streaming_bridge: first_byte before the first chunk, then
// chunks of chunk_bytes, each after a per_chunk; http_integration writes its prelude first);
// then each extension is told the response is out (response_out.hpp); then GET /next.
// `sandbox` stages are not spent here: placement happens before Init, outside any process of the
// sandbox, and Init Duration does not include it.
//
// Every cost is drawn from one Random, seeded by process_seed(scenario seed, "runtime"), in the
// order above: runtime.init, stage inits in stage order, handler.init; per invoke js_shim
// per_invokes, the http_server's per_invoke, handler.work, first_byte, per_chunk for each chunk.
//
//   RuntimeApi api(std::getenv("AWS_LAMBDA_RUNTIME_API"));
//   return run_wrapper_runtime(api);
#include "bootstrap/runtime_api.hpp"

namespace lambda_emu::wrapper_sim {

// Runs Init, then invokes until the Runtime API goes away. The exit status: 1 after an Init
// error (reported with POST /init/error) or a lost Runtime API.
[[nodiscard]] int run_wrapper_runtime(RuntimeApi& api);

}  // namespace lambda_emu::wrapper_sim

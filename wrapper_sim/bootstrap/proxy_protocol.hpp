#pragma once
// What the wrapper runtime and its HTTP server process say to each other over the loopback hop.
// The runtime draws every cost (one seeded sequence per sandbox, in one documented order) and
// tells the server what to spend; the server spends it and answers with the handler's response.
//
//   GET  /ready                       200 once the server listens (the readiness poll)
//   POST /invoke                      the event (base64 with --base64), headers:
//     Lambda-Runtime-Aws-Request-Id   for the server's log line
//     Lambda-Emu-Wrapper-Spend        spends in order, comma-separated:
//     "sleep:1500000,cpu:20000000"
//                                     (the proxy's per_invoke, then the handler's work)
//     Lambda-Emu-Wrapper-Response-Bytes  the handler's response size
//   the answer: 200 with the response (base64 with --base64)
//
// The server process is the wrapper runtime's own binary:
//   lambda-emu-wrapper --http-server --listen-fd N --startup sleep:NS [--ready-fd M] [--base64]
#include <string_view>

namespace lambda_emu::wrapper_sim::proxy {

inline constexpr std::string_view ready_target = "/ready";
inline constexpr std::string_view invoke_target = "/invoke";
inline constexpr std::string_view request_id_header = "Lambda-Runtime-Aws-Request-Id";
inline constexpr std::string_view spend_header = "Lambda-Emu-Wrapper-Spend";
inline constexpr std::string_view response_bytes_header = "Lambda-Emu-Wrapper-Response-Bytes";

inline constexpr std::string_view server_flag = "--http-server";

}  // namespace lambda_emu::wrapper_sim::proxy

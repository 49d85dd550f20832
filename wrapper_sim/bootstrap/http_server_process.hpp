#pragma once
// The http_server stage's server: a process of its own, started by the wrapper runtime, as
// launchers and web adapters start the user's web server. It spends its startup, then listens on
// the socket the runtime reserved for it (connections are refused until then, which is what the
// runtime's readiness polls see) and serves the proxied invokes: it decodes the event when the
// bridge base64-encodes, spends the proxy's per_invoke and the handler's work the runtime drew,
// and answers with the handler's response. See proxy_protocol.hpp.
//
//   lambda-emu-wrapper --http-server --listen-fd 3 --startup sleep:80000000 --ready-fd 4
#include <span>

namespace lambda_emu::wrapper_sim {

// The server process's main: `args` are its arguments after --http-server. Never returns once
// serving; returns 2 when the arguments are wrong and 1 when it cannot listen.
int run_http_server(std::span<char*> args);

}  // namespace lambda_emu::wrapper_sim

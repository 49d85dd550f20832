#pragma once
// One HTTP/1.1 connection as a coroutine: read a request, route it, answer (possibly after a
// long park), repeat while keep-alive. One request at a time per connection.
#include <span>

#include "api/router.hpp"
#include "http/net.hpp"

namespace lambda_emu {

// Serves `socket` with `routes` until the peer closes or an error ends the connection. `scope`
// is what the routes' handlers serve (instantiated for the three in router.hpp).
template <class Scope>
net::awaitable<void> serve_session(tcp::socket socket, std::span<const BasicRoute<Scope>> routes,
                                   std::string_view api, Scope& scope);

}  // namespace lambda_emu

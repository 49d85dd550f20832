#include "http/listener.hpp"

#include "driver/emulator.hpp"
#include "driver/function_host.hpp"
#include "driver/sandbox_host.hpp"
#include "http/session.hpp"

namespace lambda_emu {

std::string endpoint_text(const tcp::endpoint& ep) {
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

tcp::acceptor listening_acceptor(net::io_context& ioc, const tcp::endpoint& ep, int socket) {
  tcp::acceptor acceptor(ioc);
  if (socket >= 0) {
    acceptor.assign(ep.protocol(), socket);
  } else {
    acceptor.open(ep.protocol());
  }
  acceptor.set_option(net::socket_base::reuse_address(true));
  acceptor.bind(ep);
  acceptor.listen(net::socket_base::max_listen_connections);
  return acceptor;
}

template <class Scope>
Listener<Scope>::Listener(net::io_context& ioc, const std::string& host, std::uint16_t port,
                          std::span<const BasicRoute<Scope>> routes, std::string_view api,
                          Scope& scope)
    : Listener(listening_acceptor(ioc, tcp::endpoint(net::ip::make_address(host), port)), routes,
               api, scope) {}

template <class Scope>
Listener<Scope>::Listener(tcp::acceptor listening, std::span<const BasicRoute<Scope>> routes,
                          std::string_view api, Scope& scope)
    : acceptor_(std::move(listening)), routes_(routes), api_(api), scope_(scope) {}

template <class Scope>
void Listener<Scope>::start(std::weak_ptr<void> owner) {
  owner_ = std::move(owner);
  net::co_spawn(acceptor_.get_executor(), accept_loop(),
                [this, keep = owner_.lock()](std::exception_ptr e) {
                  if (e) {
                    scope_.log().error("[{}] accept loop ended by an exception", api_);
                  }
                });
}

template <class Scope>
void Listener<Scope>::close() {
  error_code ec;
  acceptor_.close(ec);
}

template <class Scope>
net::awaitable<void> Listener<Scope>::accept_loop() {
  for (;;) {
    error_code ec;
    tcp::socket socket =
        co_await acceptor_.async_accept(net::redirect_error(net::use_awaitable, ec));
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) {
      co_return;
    }
    if (ec) {
      scope_.log().warn("[{}] accept: {}", api_, ec.message());
      continue;
    }
    // Each connection is its own coroutine; an exception escaping one is logged, never fatal.
    net::co_spawn(acceptor_.get_executor(), serve_session(std::move(socket), routes_, api_, scope_),
                  [this, keep = owner_.lock()](std::exception_ptr e) {
                    if (e) {
                      try {
                        std::rethrow_exception(e);
                      } catch (const std::exception& ex) {
                        scope_.log().error("[{}] session failed: {}", api_, ex.what());
                      }
                    }
                  });
  }
}

template class Listener<driver::SandboxHost>;
template class Listener<driver::Emulator>;
template class Listener<driver::FunctionHost>;

}  // namespace lambda_emu

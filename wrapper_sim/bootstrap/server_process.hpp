#pragma once
// ServerProcess: the wrapper runtime's side of an http_server stage. At Init it starts the server
// process (http_server_process.hpp) on a port it has reserved and waits until it sees the server
// ready: by polling it every poll_interval with a real HTTP request (polls at 0, interval,
// 2 interval, ... from the start, so readiness is noticed at the first poll at or after the
// server's startup, as HttpServer::ready_after models), or, with poll_interval 0, by waiting for
// the server's own ready signal. Per invoke it proxies the event through the server.
//
//   auto started = ServerProcess::start(stage, draw(stage.startup, random, memory_mb));
//   if (auto* failed = std::get_if<std::string>(&started)) { report_init_error(*failed); }
//   auto reply = server->invoke(request_id, event, {per_invoke, work}, response_bytes);
//
// Why a process and not a thread of the bootstrap: the stage stands for a web server that
// launchers and adapters (Lambda Web Adapter, Vercel's launcher for non-Node runtimes) start as
// a process of its own; its startup is "process start to listening", readiness can only be seen
// from outside (connections refused until it listens), and each invoke crosses a process
// boundary on loopback. Both processes share the sandbox's CPU share and are frozen together.
// The real mode pays a fork and exec (about a millisecond) on top of the drawn startup, as a real
// launcher does.
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "bootstrap/http_connection.hpp"
#include "bootstrap/spend.hpp"
#include "stages/http_server.hpp"

namespace lambda_emu::wrapper_sim {

class ServerProcess {
  struct Key {
    explicit Key() = default;
  };

 public:
  // Starts the server, which listens after spending `startup`, and returns once it is seen
  // ready; the error says why it never was (it could not start, or it exited).
  [[nodiscard]] static std::variant<std::unique_ptr<ServerProcess>, std::string> start(
      const HttpServer& stage, const Spend& startup);

  // POSTs the event through the server, which spends `spends` in order and answers with
  // `response_bytes` bytes; returns that response (decoded when the stage uses base64).
  [[nodiscard]] std::variant<std::string, HttpFailure> invoke(const std::string& request_id,
                                                              const std::string& event,
                                                              const std::vector<Spend>& spends,
                                                              std::uint64_t response_bytes);

  [[nodiscard]] std::uint16_t port() const { return port_; }

  ServerProcess(const HttpServer& stage, pid_t pid, std::uint16_t port, Key);

 private:
  [[nodiscard]] std::optional<std::string> wait_ready(int ready_fd) const;
  [[nodiscard]] bool exited() const;

  HttpServer stage_;
  pid_t pid_;
  std::uint16_t port_;
  HttpConnection connection_;
};

}  // namespace lambda_emu::wrapper_sim

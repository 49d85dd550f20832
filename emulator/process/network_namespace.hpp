#pragma once
// NetworkNamespace: a sandbox's own network, as each Lambda execution environment has: a
// loopback interface and nothing else, so ports are per sandbox (two sandboxes' telemetry
// listeners both take 4243) and the Runtime API is 127.0.0.1:9001 in every one of them. Nothing
// outside is reachable from inside, as for a Lambda function in a VPC without a NAT gateway.
//
// The emulator never moves into the namespace: it creates the sockets it needs there (its Runtime
// API listener, its connections to telemetry listeners) on a short-lived thread that joins the
// namespace, since a socket belongs to the namespace it was created in. Children join it between
// fork and execve (SandboxSetup, setns with fd()).
//
//   std::string error;
//   auto ns = process::NetworkNamespace::create(error);   // needs CAP_SYS_ADMIN
//   if (!ns) log.warn("private network unavailable: {}", error);
//   tcp::acceptor a(ioc);
//   a.assign(tcp::v4(), ns->socket(AF_INET, SOCK_STREAM, ec));   // then bind 127.0.0.1:9001
//   launch.joins.network_namespace = ns->fd();
#include <optional>
#include <string>
#include <system_error>

namespace lambda_emu::process {

class NetworkNamespace {
 public:
  // A new namespace with its loopback up; nullopt and `error` when the kernel refuses.
  [[nodiscard]] static std::optional<NetworkNamespace> create(std::string& error);

  NetworkNamespace(NetworkNamespace&& other) noexcept;
  NetworkNamespace& operator=(NetworkNamespace&& other) noexcept;
  NetworkNamespace(const NetworkNamespace&) = delete;
  NetworkNamespace& operator=(const NetworkNamespace&) = delete;
  // The namespace lives on while its processes or sockets do.
  ~NetworkNamespace();

  // A non-blocking, close-on-exec socket inside; -1 and `ec` when that fails.
  [[nodiscard]] int socket(int domain, int type, std::error_code& ec) const;
  // For setns(2) in a child.
  [[nodiscard]] int fd() const { return fd_; }

 private:
  explicit NetworkNamespace(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace lambda_emu::process

#include "process/network_namespace.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

using lambda_emu::process::NetworkNamespace;

namespace {

// A listening socket on 127.0.0.1:port of namespace `ns` (the host's when null); -1 and errno
// when it fails.
int listen_on(const NetworkNamespace* ns, std::uint16_t port) {
  std::error_code ec;
  const int s = ns ? ns->socket(AF_INET, SOCK_STREAM, ec) : ::socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) {
    return -1;
  }
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(s, 4) != 0) {
    ::close(s);
    return -1;
  }
  return s;
}

std::uint16_t port_of(int s) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

// Connects a blocking socket made in `ns` to 127.0.0.1:port; 0 or the errno.
int connect_from(const NetworkNamespace& ns, std::uint16_t port) {
  std::error_code ec;
  const int s = ns.socket(AF_INET, SOCK_STREAM, ec);
  REQUIRE(s >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int rc = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  int err = rc == 0 ? 0 : errno;
  if (err == EINPROGRESS) {  // the namespace's sockets are non-blocking: wait for the answer
    fd_set w;
    FD_ZERO(&w);
    FD_SET(s, &w);
    timeval tv{5, 0};
    ::select(s + 1, nullptr, &w, nullptr, &tv);
    socklen_t len = sizeof err;
    ::getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
  }
  ::close(s);
  return err;
}

}  // namespace

TEST_CASE("network namespace: each has its own ports and reaches only itself",
          "[process][network]") {
  std::string error;
  auto a = NetworkNamespace::create(error);
  if (!a) {
    WARN("network namespaces unavailable here: " << error);
    return;
  }
  auto b = NetworkNamespace::create(error);
  REQUIRE(b);

  // The same fixed port in two namespaces and on the host.
  const int host = listen_on(nullptr, 0);
  REQUIRE(host >= 0);
  const std::uint16_t port = port_of(host);
  const int in_a = listen_on(&*a, port);
  const int in_b = listen_on(&*b, port);
  CHECK(in_a >= 0);
  CHECK(in_b >= 0);
  // Loopback is up inside: a connection from a's socket reaches a's listener.
  CHECK(connect_from(*a, port) == 0);
  ::close(in_a);
  ::close(in_b);
  // With a's listener gone, the host's on the same port is not reachable from a.
  CHECK(connect_from(*a, port) == ECONNREFUSED);
  ::close(host);
}

TEST_CASE("network namespace: moving it keeps one owner of its descriptor", "[process][network]") {
  std::string error;
  auto a = NetworkNamespace::create(error);
  if (!a) {
    WARN("network namespaces unavailable here: " << error);
    return;
  }
  const int fd = a->fd();
  NetworkNamespace moved = std::move(*a);
  CHECK(moved.fd() == fd);
  CHECK(a->fd() == -1);
  std::error_code ec;
  const int s = a->socket(AF_INET, SOCK_STREAM, ec);
  CHECK(s == -1);
  CHECK(ec);
}

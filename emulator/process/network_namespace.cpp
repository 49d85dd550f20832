#include "process/network_namespace.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <thread>
#include <utility>

namespace lambda_emu::process {
namespace {

// Runs `fn` on a thread of its own: a thread's network namespace is its own, so the emulator's
// threads stay where they are whatever `fn` joins.
template <class Fn>
auto on_own_thread(Fn fn) {
  decltype(fn()) result{};
  std::thread([&] { result = fn(); }).join();
  return result;
}

// A new namespace's loopback starts down.
int bring_loopback_up() {
  const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) {
    return errno;
  }
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  int err = 0;
  if (::ioctl(s, SIOCGIFFLAGS, &ifr) != 0) {
    err = errno;
  } else {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
    if (::ioctl(s, SIOCSIFFLAGS, &ifr) != 0) {
      err = errno;
    }
  }
  ::close(s);
  return err;
}

}  // namespace

std::optional<NetworkNamespace> NetworkNamespace::create(std::string& error) {
  struct Made {
    int fd = -1;
    std::string error;
  };
  Made made = on_own_thread([] {
    Made m;
    if (::unshare(CLONE_NEWNET) != 0) {
      m.error = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
      return m;
    }
    if (const int err = bring_loopback_up(); err != 0) {
      m.error = std::string("bringing up lo: ") + std::strerror(err);
      return m;
    }
    m.fd = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (m.fd < 0) {
      m.error = std::string("open /proc/thread-self/ns/net: ") + std::strerror(errno);
    }
    return m;
  });
  if (made.fd < 0) {
    error = std::move(made.error);
    return std::nullopt;
  }
  return NetworkNamespace(made.fd);
}

NetworkNamespace::NetworkNamespace(NetworkNamespace&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)) {}

NetworkNamespace& NetworkNamespace::operator=(NetworkNamespace&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

NetworkNamespace::~NetworkNamespace() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

int NetworkNamespace::socket(int domain, int type, std::error_code& ec) const {
  const int ns = fd_;
  const std::pair<int, int> made = on_own_thread([ns, domain, type] {
    if (::setns(ns, CLONE_NEWNET) != 0) {
      return std::pair(-1, errno);
    }
    const int s = ::socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    return std::pair(s, s < 0 ? errno : 0);
  });
  ec = made.first < 0 ? std::error_code(made.second, std::system_category()) : std::error_code();
  return made.first;
}

}  // namespace lambda_emu::process

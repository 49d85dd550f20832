#include "bootstrap/server_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <thread>

#include <spdlog/spdlog.h>

#include "api/base64.hpp"
#include "bootstrap/proxy_protocol.hpp"

namespace lambda_emu::wrapper_sim {
namespace {

using steady = std::chrono::steady_clock;

std::string system_error(std::string_view what) {
  return std::string(what) + ": " + std::strerror(errno);
}

// A TCP socket bound to 127.0.0.1 on a free port but not listening: the port is the server's
// from now on, and connecting to it is refused until the server calls listen(). Inherited by
// the server process (no close-on-exec).
std::variant<std::pair<int, std::uint16_t>, std::string> reserve_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    return system_error("socket");
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const std::string error = system_error("bind 127.0.0.1");
    ::close(fd);
    return error;
  }
  return std::pair{fd, ntohs(addr.sin_port)};
}

// fork and exec the wrapper runtime's own binary as the server. The child dies with the runtime
// (PR_SET_PDEATHSIG), as the runtime's process group would at shutdown anyway.
std::variant<pid_t, std::string> spawn(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (std::string& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    return system_error("fork");
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) {
      ::_exit(1);  // the runtime died before prctl took effect
    }
    ::execv("/proc/self/exe", argv.data());
    ::_exit(127);
  }
  return pid;
}

}  // namespace

ServerProcess::ServerProcess(const HttpServer& stage, pid_t pid, std::uint16_t port, Key)
    : stage_(stage), pid_(pid), port_(port), connection_("127.0.0.1:" + std::to_string(port)) {}

std::variant<std::unique_ptr<ServerProcess>, std::string> ServerProcess::start(
    const HttpServer& stage, const Spend& startup) {
  auto reserved = reserve_port();
  if (auto* error = std::get_if<std::string>(&reserved)) {
    return "http_server: " + *error;
  }
  const auto [listen_fd, port] = std::get<std::pair<int, std::uint16_t>>(reserved);
  std::vector<std::string> args = {"lambda-emu-wrapper", std::string(proxy::server_flag),
                                   "--listen-fd",        std::to_string(listen_fd),
                                   "--startup",          to_text(startup)};
  if (stage.base64) {
    args.emplace_back("--base64");
  }
  int ready[2] = {-1, -1};
  if (stage.poll_interval <= Duration::zero()) {
    if (::pipe(ready) != 0) {
      ::close(listen_fd);
      return "http_server: " + system_error("pipe");
    }
    ::fcntl(ready[0], F_SETFD, FD_CLOEXEC);  // the read end stays here
    args.insert(args.end(), {"--ready-fd", std::to_string(ready[1])});
  }
  auto spawned = spawn(std::move(args));
  ::close(listen_fd);  // the server's now
  if (ready[1] >= 0) {
    ::close(ready[1]);  // so that the read end sees EOF if the server dies
  }
  if (auto* error = std::get_if<std::string>(&spawned)) {
    if (ready[0] >= 0) {
      ::close(ready[0]);
    }
    return "http_server: " + *error;
  }
  auto server = std::make_unique<ServerProcess>(stage, std::get<pid_t>(spawned), port, Key{});
  if (auto never = server->wait_ready(ready[0])) {
    ::kill(server->pid_, SIGKILL);
    ::waitpid(server->pid_, nullptr, 0);
    return "http_server: " + *never;
  }
  spdlog::debug("http_server ready on 127.0.0.1:{}", port);
  return server;
}

std::optional<std::string> ServerProcess::wait_ready(int ready_fd) const {
  if (ready_fd >= 0) {
    char signal = 0;
    ssize_t n = 0;
    while ((n = ::read(ready_fd, &signal, 1)) < 0 && errno == EINTR) {
    }
    ::close(ready_fd);
    return n == 1 ? std::nullopt
                  : std::optional<std::string>("the server process exited before it was ready");
  }
  const auto start = steady::now();
  const Duration interval = stage_.poll_interval;
  for (std::int64_t poll = 0;; ++poll) {
    std::this_thread::sleep_until(start + poll * interval);
    if (exited()) {
      return "the server process exited before it was ready";
    }
    HttpConnection probe("127.0.0.1:" + std::to_string(port_));
    Request req = make_request(http::verb::get, proxy::ready_target);
    req.keep_alive(false);
    const HttpResult r = probe.exchange(std::move(req));
    if (const auto* res = std::get_if<Response>(&r); res && res->result() == http::status::ok) {
      spdlog::debug("http_server seen ready at poll {}", poll);
      return std::nullopt;
    }
    // A poll that took longer than the interval skips the polls it overran.
    poll = std::max(poll, static_cast<std::int64_t>((steady::now() - start) / interval));
  }
}

bool ServerProcess::exited() const {
  int status = 0;
  return ::waitpid(pid_, &status, WNOHANG) == pid_;
}

std::variant<std::string, HttpFailure> ServerProcess::invoke(const std::string& request_id,
                                                             const std::string& event,
                                                             const std::vector<Spend>& spends,
                                                             std::uint64_t response_bytes) {
  Request req = make_request(http::verb::post, proxy::invoke_target,
                             stage_.base64 ? api::base64_encode(event) : event,
                             stage_.base64 ? "text/plain" : "application/json");
  std::string spend_list;
  for (const Spend& s : spends) {
    spend_list += (spend_list.empty() ? "" : ",") + to_text(s);
  }
  req.set(proxy::request_id_header, request_id);
  req.set(proxy::spend_header, spend_list);
  req.set(proxy::response_bytes_header, std::to_string(response_bytes));
  HttpResult r = connection_.exchange(std::move(req));
  if (auto* failed = std::get_if<HttpFailure>(&r)) {
    return *failed;
  }
  Response& res = std::get<Response>(r);
  if (res.result() != http::status::ok) {
    return HttpFailure{"the http_server answered " + std::to_string(res.result_int()) + " " +
                       res.body()};
  }
  if (!stage_.base64) {
    return std::move(res.body());
  }
  auto decoded = api::base64_decode(res.body());
  if (!decoded) {
    return HttpFailure{"the http_server's response is not base64"};
  }
  return std::move(*decoded);
}

}  // namespace lambda_emu::wrapper_sim

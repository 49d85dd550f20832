#include "bootstrap/response_out.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <fstream>

#include <spdlog/spdlog.h>

#include "bootstrap/loopback_server.hpp"
#include "bootstrap/proxy_protocol.hpp"

namespace lambda_emu::wrapper_sim {
namespace {

namespace fs = std::filesystem;

// The inode of this network namespace: "net:[4026531840]", /proc/self/ns/net's link, gives
// "4026531840".
std::string network_namespace() {
  std::array<char, 64> link{};
  const ssize_t n = ::readlink("/proc/self/ns/net", link.data(), link.size() - 1);
  std::string digits;
  for (ssize_t i = 0; i < n; ++i) {
    if (std::isdigit(static_cast<unsigned char>(link[i]))) {
      digits += link[i];
    }
  }
  return digits.empty() ? "unknown" : digits;
}

std::string runtime_api_key() {
  const char* api = std::getenv("AWS_LAMBDA_RUNTIME_API");
  std::string key = api != nullptr ? api : "none";
  std::replace_if(
      key.begin(), key.end(), [](char c) { return c == ':' || c == '/'; }, '_');
  return key;
}

std::optional<std::uint16_t> read_port(const fs::path& file) {
  std::ifstream in(file);
  unsigned port = 0;
  if (!(in >> port) || port == 0 || port > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(port);
}

// Written beside and renamed over, so a reader never sees half a number.
bool write_port(const fs::path& file, std::uint16_t port) {
  const fs::path partial = file.string() + "." + std::to_string(::getpid());
  {
    std::ofstream out(partial, std::ios::trunc);
    if (!(out << port << '\n')) {
      return false;
    }
  }
  std::error_code ec;
  fs::rename(partial, file, ec);
  return !ec;
}

}  // namespace

fs::path response_out_port_file(std::string_view name) {
  std::error_code ec;
  fs::path dir = fs::temp_directory_path(ec);
  if (ec) {
    dir = "/tmp";
  }
  return dir / ("lambda-emu-wrapper." + network_namespace() + "." + runtime_api_key() + "." +
                std::string(name) + ".port");
}

std::variant<std::shared_ptr<ResponseOutListener>, std::string> ResponseOutListener::start(
    const std::string& name) {
  auto listener = std::make_shared<ResponseOutListener>();
  auto made = LoopbackServer::listen([listener](const Request& req) {
    listener->announce(std::string(req[proxy::request_id_header]));
    return ok_response(req);
  });
  if (auto* failed = std::get_if<HttpFailure>(&made)) {
    return failed->message;
  }
  auto& server = std::get<std::shared_ptr<LoopbackServer>>(made);
  server->start();
  listener->file_ = response_out_port_file(name);
  if (!write_port(listener->file_, server->port())) {
    return "cannot write " + listener->file_.string();
  }
  spdlog::debug("response-out listener on 127.0.0.1:{} ({})", server->port(),
                listener->file_.string());
  return listener;
}

void ResponseOutListener::announce(std::string request_id) {
  {
    std::lock_guard lock(mutex_);
    out_.insert(std::move(request_id));
  }
  changed_.notify_all();
}

bool ResponseOutListener::wait_for(const std::string& request_id,
                                   std::chrono::system_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  const bool out = changed_.wait_until(lock, deadline, [&] { return out_.contains(request_id); });
  out_.erase(request_id);
  return out;
}

void ResponseOutListener::unpublish() const {
  std::error_code ignored;
  fs::remove(file_, ignored);
}

ResponseOutNotifier::ResponseOutNotifier(std::vector<std::string> extension_names) {
  for (std::string& name : extension_names) {
    extensions_.push_back({std::move(name), nullptr});
  }
}

void ResponseOutNotifier::notify(const std::string& request_id) {
  for (Extension& x : extensions_) {
    if (auto failed = notify(x, request_id)) {
      spdlog::warn("could not tell extension {} that {} is out: {}", x.name, request_id,
                   failed->message);
    }
  }
}

std::optional<HttpFailure> ResponseOutNotifier::notify(Extension& x,
                                                       const std::string& request_id) {
  // Once on the known port, and once more on the port file's current one: a connection that
  // fails may belong to a port the file no longer names.
  HttpFailure last;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!x.connection) {
      const fs::path file = response_out_port_file(x.name);
      const auto port = read_port(file);
      if (!port) {
        return HttpFailure{"no port in " + file.string()};
      }
      x.connection = std::make_unique<HttpConnection>("127.0.0.1:" + std::to_string(*port));
    }
    Request req = make_request(http::verb::post, response_out_target);
    req.set(proxy::request_id_header, request_id);
    HttpResult r = x.connection->exchange(std::move(req));
    if (const auto* res = std::get_if<Response>(&r)) {
      if (res->result() == http::status::ok) {
        return std::nullopt;
      }
      last = HttpFailure{"status " + std::to_string(res->result_int())};
    } else {
      last = std::get<HttpFailure>(r);
    }
    x.connection.reset();
  }
  return last;
}

}  // namespace lambda_emu::wrapper_sim

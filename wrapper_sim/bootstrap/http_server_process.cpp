#include "bootstrap/http_server_process.hpp"

#include <unistd.h>

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

#include "api/base64.hpp"
#include "bootstrap/loopback_server.hpp"
#include "bootstrap/proxy_protocol.hpp"
#include "bootstrap/spend.hpp"

namespace lambda_emu::wrapper_sim {
namespace {

struct Options {
  int listen_fd = -1;
  int ready_fd = -1;  // -1: the runtime polls instead of waiting for a signal
  Spend startup;
  bool base64 = false;
};

std::optional<int> whole_number(std::string_view text) {
  int value = 0;
  const auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (err != std::errc{} || end != text.data() + text.size() || value < 0) {
    return std::nullopt;
  }
  return value;
}

std::optional<Options> parse(std::span<char*> args) {
  Options o;
  bool has_startup = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    const std::string_view value = i + 1 < args.size() ? args[i + 1] : "";
    if (arg == "--base64") {
      o.base64 = true;
      continue;
    }
    ++i;
    if (arg == "--listen-fd") {
      o.listen_fd = whole_number(value).value_or(-1);
    } else if (arg == "--ready-fd") {
      o.ready_fd = whole_number(value).value_or(-1);
    } else if (arg == "--startup") {
      auto s = parse_spend(value);
      has_startup = s.has_value();
      o.startup = s.value_or(Spend{});
    } else {
      spdlog::error("unknown argument {}", arg);
      return std::nullopt;
    }
  }
  if (o.listen_fd < 0 || !has_startup) {
    spdlog::error("needs --listen-fd N and --startup sleep:NS|cpu:NS");
    return std::nullopt;
  }
  return o;
}

Response plain(const Request& req, http::status status, std::string body) {
  Response res{status, req.version()};
  res.set(http::field::content_type, "text/plain");
  res.body() = std::move(body);
  return res;
}

// One proxied invoke: the handler behind the proxy.
Response handle_invoke(const Request& req, bool base64) {
  std::size_t event_bytes = req.body().size();
  if (base64) {
    const auto event = api::base64_decode(req.body());
    if (!event) {
      return plain(req, http::status::bad_request, "the event is not base64");
    }
    event_bytes = event->size();
  }
  std::string_view spends = req[proxy::spend_header];
  while (!spends.empty()) {
    const std::size_t comma = spends.find(',');
    const auto s = parse_spend(spends.substr(0, comma));
    if (!s) {
      return plain(req, http::status::bad_request, "bad " + std::string(proxy::spend_header));
    }
    spend(*s);
    spends = comma == std::string_view::npos ? std::string_view{} : spends.substr(comma + 1);
  }
  std::uint64_t bytes = 0;
  const std::string_view size = req[proxy::response_bytes_header];
  std::from_chars(size.data(), size.data() + size.size(), bytes);
  std::string body(bytes, 'x');
  if (base64) {
    body = api::base64_encode(body);
  }
  spdlog::debug("proxied request {}: {} bytes in, {} bytes out{}",
                std::string_view(req[proxy::request_id_header]), event_bytes, bytes,
                base64 ? " (base64 both ways)" : "");
  return ok_response(req, std::move(body), "application/octet-stream");
}

}  // namespace

int run_http_server(std::span<char*> args) {
  const std::optional<Options> options = parse(args);
  if (!options) {
    return 2;
  }
  const Options& o = *options;
  spend(o.startup);
  auto made = LoopbackServer::listen_on(o.listen_fd, [base64 = o.base64](const Request& req) {
    if (req.target() == proxy::ready_target) {
      return ok_response(req, "ready");
    }
    if (req.target() == proxy::invoke_target && req.method() == http::verb::post) {
      return handle_invoke(req, base64);
    }
    return plain(req, http::status::not_found, "not found");
  });
  if (auto* failed = std::get_if<HttpFailure>(&made)) {
    spdlog::error("{}", failed->message);
    return 1;
  }
  if (o.ready_fd >= 0) {
    // The server's own ready signal (poll_interval 0): one byte once connections are taken.
    const char ready = 'r';
    if (::write(o.ready_fd, &ready, 1) != 1) {
      spdlog::warn("could not signal readiness");
    }
    ::close(o.ready_fd);
  }
  spdlog::debug("listening on 127.0.0.1:{}",
                std::get<std::shared_ptr<LoopbackServer>>(made)->port());
  std::get<std::shared_ptr<LoopbackServer>>(made)->serve_forever();
}

}  // namespace lambda_emu::wrapper_sim

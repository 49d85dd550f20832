#pragma once
// The endpoint tables: every HTTP endpoint lambda-emu serves, one row each (router.cpp).
//
// A session reads a request's header, finds its Route (which sets the body limit), reads the
// body and calls the route's handler, which answers now or parks the reply.
//
//   Match m = match(runtime_routes(), req.method(), req.target());
//   Reply reply = m.route->handler(call, sandbox);
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "http/body_reader.hpp"
#include "http/parked_reply.hpp"
#include "http/payload_body.hpp"

namespace lambda_emu {

namespace driver {
class Emulator;
class FunctionHost;
class SandboxHost;
}  // namespace driver

// One request as a handler sees it.
struct Call {
  Request request;
  std::string param;             // the {id} or {name} path segment, when the route has one
  std::uint64_t body_size = 0;   // bytes the client sent in the body
  bool over_limit = false;       // the body was larger than the route allows (not kept)
  bool reply_last = false;       // let the replies this call made ready go out first
  std::string peer_address;      // the caller's IP address
  std::uint16_t local_port = 0;  // the port the caller reached
};

using Reply = std::variant<Response, std::shared_ptr<ParkedReply>>;
// The largest body a route reads, decided from the request's header.
using BodyLimit = std::uint64_t (*)(const Request&);
// A route that forwards the body as it arrives instead of reading it whole: applies() decides
// from the header, handler() then reads `body` itself (call.request has the header only).
template <class Scope>
struct BasicStreamedBody {
  bool (*applies)(const Request&);
  net::awaitable<Response> (*handler)(Call&, BodyReader& body, Scope&);
};

// A table row. `Scope` is what its listener serves: one sandbox (Runtime API), the emulator
// (the invoke endpoint) or one function (its URL).
template <class Scope>
struct BasicRoute {
  http::verb verb;
  // "/2018-06-01/runtime/invocation/{}/response": {} is one segment; "*" is any path
  std::string_view pattern;
  Reply (*handler)(Call&, Scope&);
  BodyLimit body_limit;
  const BasicStreamedBody<Scope>* streamed = nullptr;
};

using RuntimeRoute = BasicRoute<driver::SandboxHost>;
using InvokeRoute = BasicRoute<driver::Emulator>;
using FunctionUrlRoute = BasicRoute<driver::FunctionHost>;
using StreamedBody = BasicStreamedBody<driver::SandboxHost>;

[[nodiscard]] std::span<const RuntimeRoute> runtime_routes();
[[nodiscard]] std::span<const InvokeRoute> invoke_routes();
[[nodiscard]] std::span<const FunctionUrlRoute> function_url_routes();

// How a target matched a table.
template <class Scope>
struct Match {
  const BasicRoute<Scope>* route = nullptr;  // set: method and path matched
  bool path_known = false;                   // the path exists with another method (405, not 404)
  std::string param;
};

// Path template matching, segment by segment; "{}" takes one non-empty segment.
[[nodiscard]] bool match_path(std::string_view pattern, std::string_view path, std::string& param);

template <class Scope>
[[nodiscard]] Match<Scope> match(std::span<const BasicRoute<Scope>> routes, http::verb verb,
                                 std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  Match<Scope> m;
  for (const BasicRoute<Scope>& r : routes) {
    std::string param;
    if (match_path(r.pattern, path, param)) {
      if (r.verb == verb) {
        m.route = &r;
        m.param = std::move(param);
        return m;
      }
      m.path_known = true;
    }
  }
  return m;
}

}  // namespace lambda_emu

#pragma once
// The endpoint tables: every HTTP endpoint lambda-emu serves, one row each (router.cpp).
//
// A session reads a request's header, finds its Route (which sets the body limit), reads the
// body and calls the route's handler, which answers now or parks the reply.
//
//   const Route* r = match(runtime_routes(), req.method(), req.target(), params);
//   Reply reply = r->handler(call, emulator);
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
}

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
using Handler = Reply (*)(Call&, driver::Emulator&);
// The largest body a route reads, decided from the request's header.
using BodyLimit = std::uint64_t (*)(const Request&);
// A route that forwards the body as it arrives instead of reading it whole: applies() decides
// from the header, handler() then reads `body` itself (call.request has the header only).
struct StreamedBody {
  bool (*applies)(const Request&);
  net::awaitable<Response> (*handler)(Call&, BodyReader& body, driver::Emulator&);
};

struct Route {
  http::verb verb;
  // "/2018-06-01/runtime/invocation/{}/response": {} is one segment; "*" is any path
  std::string_view pattern;
  Handler handler;
  BodyLimit body_limit;
  const StreamedBody* streamed = nullptr;
};

[[nodiscard]] std::span<const Route> runtime_routes();
[[nodiscard]] std::span<const Route> invoke_routes();
[[nodiscard]] std::span<const Route> function_url_routes();

// How a target matched a table.
struct Match {
  const Route* route = nullptr;  // set: method and path matched
  bool path_known = false;       // the path exists with another method (405, not 404)
  std::string param;
};
[[nodiscard]] Match match(std::span<const Route> routes, http::verb verb, std::string_view target);

}  // namespace lambda_emu

#pragma once
// RuntimeApi: the wrapper runtime's side of the Runtime API (2018-06-01), on one keep-alive
// connection, as any runtime speaks it: the next event, a buffered response, an invoke error, an
// Init error. Streamed responses are written with StreamedResponse on the same connection.
//
//   RuntimeApi api(std::getenv("AWS_LAMBDA_RUNTIME_API"));
//   auto next = api.next();
//   if (auto* inv = std::get_if<Invocation>(&next)) { api.respond(inv->request_id, "ok"); }
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "bootstrap/http_connection.hpp"

namespace lambda_emu::wrapper_sim {

struct Invocation {
  std::string request_id;
  std::string event;
};

class RuntimeApi {
 public:
  explicit RuntimeApi(std::string address);

  // GET /next: blocks until the environment has an event.
  [[nodiscard]] std::variant<Invocation, HttpFailure> next();
  // POST /invocation/<id>/response with the whole body.
  [[nodiscard]] std::optional<HttpFailure> respond(const std::string& request_id, std::string body,
                                                   std::string_view content_type);
  // POST /invocation/<id>/error.
  [[nodiscard]] std::optional<HttpFailure> invoke_error(const std::string& request_id,
                                                        std::string_view type,
                                                        std::string_view message);
  // POST /init/error: Init failed; the environment fails the invoke with this error.
  [[nodiscard]] std::optional<HttpFailure> init_error(std::string_view type,
                                                      std::string_view message);

  // The connection, for a streamed response.
  [[nodiscard]] HttpConnection& connection() { return connection_; }

 private:
  [[nodiscard]] std::optional<HttpFailure> post(std::string target, std::string body,
                                                std::string_view content_type,
                                                std::string_view error_type = {});

  HttpConnection connection_;
};

// "/2018-06-01/runtime/invocation/<id>/<what>".
[[nodiscard]] std::string invocation_target(std::string_view request_id, std::string_view what);

}  // namespace lambda_emu::wrapper_sim

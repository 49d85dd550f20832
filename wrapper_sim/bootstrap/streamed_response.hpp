#pragma once
// StreamedResponse: a Runtime API response sent as it is produced (Lambda-Runtime-Function-
// Response-Mode: streaming, chunked transfer encoding), as Node's streamifyResponse and
// streaming bridges send theirs: each write() is one chunk on the wire, and the caller of the
// invoke sees it before the next is written.
//
//   auto begun = StreamedResponse::begin(api.connection(), request_id, "text/plain");
//   auto& stream = std::get<StreamedResponse>(begun);
//   stream.write("first");  stream.write("second");
//   if (auto failed = stream.finish()) { ... }   // the last chunk, then the API's 202
#include <optional>
#include <string_view>
#include <variant>

#include "bootstrap/http_connection.hpp"

namespace lambda_emu::wrapper_sim {

class StreamedResponse {
 public:
  // Writes the request head of POST /invocation/<id>/response.
  [[nodiscard]] static std::variant<StreamedResponse, HttpFailure> begin(
      HttpConnection& connection, std::string_view request_id, std::string_view content_type);

  // One chunk; an empty one writes nothing (an empty chunk would end the body).
  [[nodiscard]] std::optional<HttpFailure> write(std::string_view bytes);
  // The last chunk, then the Runtime API's answer (202).
  [[nodiscard]] std::optional<HttpFailure> finish();

 private:
  StreamedResponse(HttpConnection& connection, boost::asio::ip::tcp::socket& socket)
      : connection_(&connection), socket_(&socket) {}
  [[nodiscard]] std::optional<HttpFailure> failed(std::string_view what,
                                                  const boost::beast::error_code& ec);

  HttpConnection* connection_;
  boost::asio::ip::tcp::socket* socket_;  // once a write failed, closed: later writes fail too
};

}  // namespace lambda_emu::wrapper_sim

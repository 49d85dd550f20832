#include "bootstrap/streamed_response.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>

#include "bootstrap/runtime_api.hpp"

namespace lambda_emu::wrapper_sim {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

std::variant<StreamedResponse, HttpFailure> StreamedResponse::begin(HttpConnection& connection,
                                                                    std::string_view request_id,
                                                                    std::string_view content_type) {
  auto opened = connection.open_socket();
  if (auto* failure = std::get_if<HttpFailure>(&opened)) {
    return *failure;
  }
  http::request<http::empty_body> req{http::verb::post, invocation_target(request_id, "response"),
                                      11};
  req.set(http::field::host, connection.address());
  req.set(http::field::content_type, content_type);
  req.set("Lambda-Runtime-Function-Response-Mode", "streaming");
  req.chunked(true);
  http::request_serializer<http::empty_body> head{req};
  boost::beast::error_code ec;
  StreamedResponse stream(connection, *std::get<tcp::socket*>(opened));
  http::write_header(*stream.socket_, head, ec);
  if (ec) {
    return *stream.failed("writing the streamed response's head", ec);
  }
  return stream;
}

std::optional<HttpFailure> StreamedResponse::write(std::string_view bytes) {
  if (bytes.empty()) {
    return std::nullopt;
  }
  boost::beast::error_code ec;
  asio::write(*socket_, http::make_chunk(asio::buffer(bytes)), ec);
  return ec ? failed("writing a chunk", ec) : std::nullopt;
}

std::optional<HttpFailure> StreamedResponse::finish() {
  boost::beast::error_code ec;
  asio::write(*socket_, http::make_chunk_last(), ec);
  if (ec) {
    return failed("ending the stream", ec);
  }
  HttpResult reply = connection_->read_reply();
  if (auto* failure = std::get_if<HttpFailure>(&reply)) {
    return *failure;
  }
  return unexpected_status("streamed response", std::get<Response>(reply), http::status::accepted);
}

std::optional<HttpFailure> StreamedResponse::failed(std::string_view what,
                                                    const boost::beast::error_code& ec) {
  connection_->close();
  return HttpFailure{std::string(what) + ": " + ec.message()};
}

}  // namespace lambda_emu::wrapper_sim

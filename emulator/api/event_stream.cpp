#include "api/event_stream.hpp"

#include <cstdint>

#include <boost/crc.hpp>
#include <nlohmann/json.hpp>

namespace lambda_emu::api {
namespace {

void put_u32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

std::uint32_t crc32(std::string_view bytes) {
  boost::crc_32_type crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

}  // namespace

std::string event_stream_message(const EventStreamHeaders& headers, std::string_view payload) {
  constexpr char string_type = 7;
  std::string encoded_headers;
  for (const auto& [name, value] : headers) {
    encoded_headers.push_back(static_cast<char>(name.size()));
    encoded_headers.append(name);
    encoded_headers.push_back(string_type);
    encoded_headers.push_back(static_cast<char>((value.size() >> 8) & 0xff));
    encoded_headers.push_back(static_cast<char>(value.size() & 0xff));
    encoded_headers.append(value);
  }
  const std::size_t total = 12 + encoded_headers.size() + payload.size() + 4;
  std::string out;
  out.reserve(total);
  put_u32(out, static_cast<std::uint32_t>(total));
  put_u32(out, static_cast<std::uint32_t>(encoded_headers.size()));
  put_u32(out, crc32(out));
  out.append(encoded_headers);
  out.append(payload);
  put_u32(out, crc32(out));
  return out;
}

std::string payload_chunk_event(std::string_view bytes) {
  return event_stream_message({{":event-type", "PayloadChunk"},
                               {":content-type", "application/octet-stream"},
                               {":message-type", "event"}},
                              bytes);
}

std::string invoke_complete_event(std::string_view error_code, std::string_view error_details,
                                  std::string_view log_result) {
  nlohmann::json body = nlohmann::json::object();
  if (!error_code.empty()) {
    body["ErrorCode"] = error_code;
    body["ErrorDetails"] = error_details;
  }
  if (!log_result.empty()) {
    body["LogResult"] = log_result;
  }
  return event_stream_message({{":event-type", "InvokeComplete"},
                               {":content-type", "application/json"},
                               {":message-type", "event"}},
                              body.dump());
}

}  // namespace lambda_emu::api

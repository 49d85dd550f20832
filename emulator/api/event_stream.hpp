#pragma once
// The AWS event-stream binary encoding (application/vnd.amazon.eventstream) that
// InvokeWithResponseStream answers in (section 3.4): each message is
//   total length (u32) | headers length (u32) | CRC32 of those 8 bytes |
//   headers (name length u8, name, type 7 = string, value length u16, value)... |
//   payload | CRC32 of everything before,
// all integers big-endian.
//
//   std::string m = event_stream_message({{":event-type", "PayloadChunk"},
//                                         {":content-type", "application/octet-stream"},
//                                         {":message-type", "event"}}, bytes);
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lambda_emu::api {

using EventStreamHeaders = std::vector<std::pair<std::string_view, std::string_view>>;

[[nodiscard]] std::string event_stream_message(const EventStreamHeaders& headers,
                                               std::string_view payload);

// InvokeWithResponseStream's two events.
[[nodiscard]] std::string payload_chunk_event(std::string_view bytes);
// ErrorCode and ErrorDetails are left out when error_code is empty; LogResult when log_result is.
[[nodiscard]] std::string invoke_complete_event(std::string_view error_code,
                                                std::string_view error_details,
                                                std::string_view log_result);

}  // namespace lambda_emu::api

// The Lambda Invoke API by function name (issue 4 item 2): POST
// /2015-03-31/functions/{name}/invocations with the invocation types, headers and error
// responses of the real API, beside RIE's path.
#include <cstdint>
#include <map>
#include <regex>
#include <set>

#include <boost/crc.hpp>
#include <catch2/catch.hpp>

#include "integration.hpp"

using namespace lambda_emu::testing;

namespace {

// "name" or "name?query" -> the Invoke API's target.
std::string invoke_path(std::string_view name) {
  const std::size_t q = name.find('?');
  const std::string_view query = q == std::string_view::npos ? "" : name.substr(q);
  return "/2015-03-31/functions/" + std::string(name.substr(0, q)) + "/invocations" +
         std::string(query);
}

HttpResult invoke_api(const EmulatorProcess& emu, std::string_view name, std::string body,
                      const Headers& headers = {}) {
  return request(emu.invoke_port(), "POST", invoke_path(name), std::move(body), headers);
}

EmulatorSpec named_runtime(std::vector<std::string> args = {}) {
  args.insert(args.begin(), {"--function-name", "hello"});
  return test_runtime("script", std::move(args));
}

}  // namespace

TEST_CASE("invoke api: the function by name, partial ARN or full ARN, with its version",
          "[integration][invoke-api]") {
  EmulatorProcess emu(named_runtime());
  const std::string event = R"({"do":"echo","n":1})";
  // Lambda's request ids are random (version 4) UUIDs, a new one for every invoke.
  const std::regex uuid_v4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> ids;
  for (const std::string name : {"hello", "hello:$LATEST", "012345678912:function:hello",
                                 "arn%3Aaws%3Alambda%3Aus-east-1%3A012345678912%3Afunction%3Ahello",
                                 "hello?Qualifier=%24LATEST"}) {
    INFO(name);
    const HttpResult r = invoke_api(emu, name, event);
    REQUIRE(r.status == 200);
    CHECK(r.body == event);
    CHECK(r.header("X-Amz-Executed-Version") == "$LATEST");
    CHECK_FALSE(r.has_header("X-Amz-Function-Error"));
    const std::string id = r.header("x-amzn-RequestId").value_or("?");
    CHECK(std::regex_match(id, uuid_v4));
    ids.insert(id);
    CHECK(emu.stdout_text().find("START RequestId: " + id) != std::string::npos);
  }
  CHECK(ids.size() == 5);
  // RIE's path keeps working beside it.
  CHECK(invoke(emu, event).body == event);
}

TEST_CASE("invoke api: unknown functions, versions and malformed requests get the API's errors",
          "[integration][invoke-api][bad-input]") {
  EmulatorProcess emu(named_runtime());
  auto check_error = [&](const HttpResult& r, int status, std::string_view type) {
    CHECK(r.status == status);
    CHECK(r.header("x-amzn-ErrorType") == std::string(type));
    CHECK(parse_json(r.body).contains("message"));
  };
  check_error(invoke_api(emu, "nope", "{}"), 404, "ResourceNotFoundException");
  CHECK(parse_json(invoke_api(emu, "nope", "{}").body)["message"] ==
        "Function not found: arn:aws:lambda:us-east-1:012345678912:function:nope");
  check_error(invoke_api(emu, "hello:prod", "{}"), 404, "ResourceNotFoundException");
  check_error(invoke_api(emu, "999999999999:function:hello", "{}"), 404,
              "ResourceNotFoundException");
  check_error(invoke_api(emu, "bad%20name", "{}"), 400, "ValidationException");
  check_error(invoke_api(emu, "hello:$LATEST?Qualifier=prod", "{}"), 400,
              "InvalidParameterValueException");
  check_error(invoke_api(emu, "hello", "{}", {{"X-Amz-Invocation-Type", "Later"}}), 400,
              "ValidationException");
  check_error(invoke_api(emu, "hello", "not json"), 400, "InvalidRequestContentException");
  check_error(invoke_api(emu, "hello", "\"" + std::string(6'291'456, 'x') + "\""), 413,
              "RequestTooLargeException");
  check_error(invoke_api(emu, "hello", "\"" + std::string(1'048'576, 'x') + "\"",
                         {{"X-Amz-Invocation-Type", "Event"}}),
              413, "RequestTooLargeException");
  // None of these reached the function; it still serves.
  CHECK(emu.stdout_text().find("START RequestId") == std::string::npos);
  CHECK(invoke_api(emu, "hello", R"({"do":"echo"})").status == 200);
}

TEST_CASE("invoke api: failures are 200 with X-Amz-Function-Error, crashes included",
          "[integration][invoke-api]") {
  EmulatorProcess emu(named_runtime({"--timeout", "1"}));
  const HttpResult error = invoke_api(emu, "hello", R"({"do":"error"})");
  CHECK(error.status == 200);
  CHECK(error.header("X-Amz-Function-Error") == "Unhandled");
  CHECK(parse_json(error.body)["errorType"] == "Function.TestError");

  // Where RIE answers 502, the Invoke API answers 200 with the error.
  const HttpResult crash = invoke_api(emu, "hello", R"({"do":"crash"})");
  CHECK(crash.status == 200);
  CHECK(crash.header("X-Amz-Function-Error") == "Unhandled");
  CHECK(parse_json(crash.body)["errorType"] == "Runtime.ExitError");

  const HttpResult timeout = invoke_api(emu, "hello", R"({"do":"hang"})");
  CHECK(timeout.status == 200);
  CHECK(timeout.header("X-Amz-Function-Error") == "Unhandled");
  CHECK(parse_json(timeout.body)["errorType"] == "Sandbox.Timedout");

  CHECK(invoke_api(emu, "hello", R"({"do":"echo"})").status == 200);
}

TEST_CASE("invoke api: DryRun checks the request and runs nothing", "[integration][invoke-api]") {
  EmulatorProcess emu(named_runtime());
  const HttpResult r = invoke_api(emu, "hello", "{}", {{"X-Amz-Invocation-Type", "DryRun"}});
  CHECK(r.status == 204);
  CHECK(r.body.empty());
  CHECK(invoke_api(emu, "nope", "{}", {{"X-Amz-Invocation-Type", "DryRun"}}).status == 404);
  CHECK(invoke(emu, R"({"do":"echo"})").status == 200);
  // The only invoke that ran is the last one.
  CHECK(lines_starting_with(emu.stdout_text(), "START RequestId: ").size() == 1);
}

TEST_CASE("invoke api: Event answers 202 at once and runs the invoke after",
          "[integration][invoke-api]") {
  EmulatorProcess emu(named_runtime());
  Marker marker;
  // The function waits for the marker, so the 202 cannot have waited for it.
  const HttpResult r = invoke_api(
      emu, "hello",
      json{{"do", "stream"}, {"chunks", {"x", "y"}}, {"wait_for", marker.path.string()}}.dump(),
      {{"X-Amz-Invocation-Type", "Event"}});
  REQUIRE(r.status == 202);
  CHECK(r.body.empty());
  const std::string id = r.header("x-amzn-RequestId").value_or("?");
  REQUIRE(emu.wait_for_stdout("START RequestId: " + id, kWait));
  marker.create();
  REQUIRE(emu.wait_for_stdout("REPORT RequestId: " + id, kWait));
  CHECK(report_line(emu, 1).find("Status: error") == std::string::npos);
}

TEST_CASE("invoke api: a failed Event invoke is retried with the same request id",
          "[integration][invoke-api]") {
  const int retries = GENERATE(0, 2);
  EmulatorProcess emu(
      named_runtime({"--event-retries", std::to_string(retries), "--event-retry-delay", "0.05"}));
  const HttpResult r =
      invoke_api(emu, "hello", R"({"do":"error"})", {{"X-Amz-Invocation-Type", "Event"}});
  REQUIRE(r.status == 202);
  const std::string id = r.header("x-amzn-RequestId").value_or("?");
  REQUIRE(emu.wait_for_stdout("REPORT RequestId: " + id, kWait, retries + 1));
  REQUIRE(emu.wait_for_stderr("dropped", kWait));
  // A success after that is not retried.
  const HttpResult ok =
      invoke_api(emu, "hello", R"({"do":"echo"})", {{"X-Amz-Invocation-Type", "Event"}});
  REQUIRE(emu.wait_for_stdout("REPORT RequestId: " + ok.header("x-amzn-RequestId").value_or("?"),
                              kWait));
  CHECK(lines_starting_with(emu.stdout_text(), "START RequestId: " + id).size() ==
        static_cast<std::size_t>(retries + 1));
  CHECK(lines_starting_with(emu.stdout_text(), "START RequestId: ").size() ==
        static_cast<std::size_t>(retries + 2));
}

TEST_CASE("invoke api: a streamed response arrives whole", "[integration][invoke-api][streaming]") {
  EmulatorProcess emu(named_runtime());
  const HttpResult r = invoke_api(emu, "hello", R"({"do":"stream","chunks":["a","b","c"]})");
  REQUIRE(r.status == 200);
  CHECK(r.body == "abc");
  CHECK(r.header("Content-Length") == "3");
  CHECK(r.header("x-amzn-RequestId").has_value());
  const HttpResult failed =
      invoke_api(emu, "hello",
                 json{{"do", "stream"},
                      {"chunks", {"a"}},
                      {"error_type", "Runtime.StreamError"},
                      {"error_body_b64", base64_encode(R"({"errorType":"Runtime.StreamError"})")}}
                     .dump());
  CHECK(failed.status == 200);
  CHECK(failed.header("X-Amz-Function-Error") == "Unhandled");
  CHECK(failed.body == R"({"errorType":"Runtime.StreamError"})");
}

TEST_CASE("invoke api: X-Amz-Log-Type Tail returns the invoke's log, REPORT included",
          "[integration][invoke-api]") {
  EmulatorProcess emu(named_runtime());
  const HttpResult r = invoke_api(emu, "hello", R"({"do":"print","lines":["hello from the log"]})",
                                  {{"X-Amz-Log-Type", "Tail"}});
  REQUIRE(r.status == 200);
  const std::string id = r.header("x-amzn-RequestId").value_or("?");
  const std::string log = base64_decode(r.header("X-Amz-Log-Result").value_or("")).value_or("");
  INFO(log);
  CHECK(log.starts_with("START RequestId: " + id));
  CHECK(log.find("\nhello from the log\n") != std::string::npos);
  CHECK(log.find("\nEND RequestId: " + id) != std::string::npos);
  CHECK(log.find("\nREPORT RequestId: " + id) != std::string::npos);
  CHECK(log.ends_with("\n"));

  // Only the last 4 KB, and only this invoke's lines.
  const HttpResult big = invoke_api(
      emu, "hello",
      json{{"do", "print"}, {"lines", std::vector<std::string>(100, std::string(99, 'y'))}}.dump(),
      {{"X-Amz-Log-Type", "Tail"}});
  const std::string tail = base64_decode(big.header("X-Amz-Log-Result").value_or("")).value_or("");
  CHECK(tail.size() == 4096);
  CHECK(tail.find("hello from the log") == std::string::npos);
  CHECK(tail.find("REPORT RequestId: " + big.header("x-amzn-RequestId").value_or("?")) !=
        std::string::npos);
  // Without Tail, no log.
  CHECK_FALSE(invoke_api(emu, "hello", R"({"do":"echo"})").has_header("X-Amz-Log-Result"));
  CHECK(invoke_api(emu, "hello", "{}", {{"X-Amz-Log-Type", "All"}}).status == 400);
}

namespace {

// One decoded event-stream message (application/vnd.amazon.eventstream), CRCs checked.
struct EventMessage {
  std::map<std::string, std::string> headers;
  std::string payload;
};

std::uint32_t be32(std::string_view s, std::size_t at) {
  return (std::uint32_t(std::uint8_t(s[at])) << 24) |
         (std::uint32_t(std::uint8_t(s[at + 1])) << 16) |
         (std::uint32_t(std::uint8_t(s[at + 2])) << 8) | std::uint32_t(std::uint8_t(s[at + 3]));
}

std::uint32_t crc32(std::string_view s) {
  boost::crc_32_type crc;
  crc.process_bytes(s.data(), s.size());
  return crc.checksum();
}

// Decodes a whole body; a message that does not check out fails the test.
std::vector<EventMessage> decode_event_stream(std::string_view body) {
  std::vector<EventMessage> out;
  while (!body.empty()) {
    REQUIRE(body.size() >= 16);
    const std::uint32_t total = be32(body, 0);
    const std::uint32_t headers_len = be32(body, 4);
    REQUIRE(total <= body.size());
    REQUIRE(be32(body, 8) == crc32(body.substr(0, 8)));
    REQUIRE(be32(body, total - 4) == crc32(body.substr(0, total - 4)));
    EventMessage m;
    std::string_view h = body.substr(12, headers_len);
    while (!h.empty()) {
      const std::size_t name_len = std::uint8_t(h[0]);
      const std::string name(h.substr(1, name_len));
      REQUIRE(h[1 + name_len] == 7);  // string
      const std::size_t value_len =
          (std::size_t(std::uint8_t(h[2 + name_len])) << 8) | std::uint8_t(h[3 + name_len]);
      m.headers[name] = std::string(h.substr(4 + name_len, value_len));
      h.remove_prefix(4 + name_len + value_len);
    }
    m.payload = std::string(body.substr(12 + headers_len, total - 16 - headers_len));
    out.push_back(std::move(m));
    body.remove_prefix(total);
  }
  return out;
}

const std::string kStreamPath = "/2021-11-15/functions/hello/response-streaming-invocations";

}  // namespace

TEST_CASE(
    "invoke with response stream: PayloadChunk events as the runtime writes, then "
    "InvokeComplete",
    "[integration][invoke-api][streaming][C29]") {
  EmulatorProcess emu(named_runtime());
  Marker marker;
  // As for RIE's path: the runtime's second chunk waits until the first event arrived here.
  const HttpResult r = request_streaming(
      emu.invoke_port(), "POST", kStreamPath,
      json{{"do", "stream"}, {"chunks", {"first", "second"}}, {"wait_for", marker.path.string()}}
          .dump(),
      {}, marker.create_when_received("first"));
  REQUIRE(r.status == 200);
  CHECK(r.header("Content-Type") == "text/plain");  // the function's, as ResponseStreamContentType
  CHECK(r.header("X-Amz-Executed-Version") == "$LATEST");
  const auto events = decode_event_stream(r.body);
  REQUIRE(events.size() == 3);
  CHECK(events[0].headers.at(":event-type") == "PayloadChunk");
  CHECK(events[0].headers.at(":message-type") == "event");
  CHECK(events[0].payload == "first");
  CHECK(events[1].payload == "second");
  CHECK(events[2].headers.at(":event-type") == "InvokeComplete");
  CHECK(parse_json(events[2].payload) == json::object());  // no ErrorCode: success
}

TEST_CASE("invoke with response stream: errors end in InvokeComplete's ErrorCode, HTTP 200",
          "[integration][invoke-api][streaming][C25]") {
  EmulatorProcess emu(named_runtime());
  const std::string error = R"({"errorType":"Runtime.StreamError","errorMessage":"boom"})";
  const HttpResult streamed = request(emu.invoke_port(), "POST", kStreamPath,
                                      json{{"do", "stream"},
                                           {"chunks", {"partial"}},
                                           {"error_type", "Runtime.StreamError"},
                                           {"error_body_b64", base64_encode(error)}}
                                          .dump());
  REQUIRE(streamed.status == 200);
  auto events = decode_event_stream(streamed.body);
  REQUIRE(events.size() == 2);
  CHECK(events[0].payload == "partial");
  const json complete = parse_json(events[1].payload);
  CHECK(complete["ErrorCode"] == "Runtime.StreamError");
  CHECK(complete["ErrorDetails"] == error);

  // A runtime that does not stream answers in events too.
  const HttpResult buffered =
      request(emu.invoke_port(), "POST", kStreamPath, R"({"do":"echo","x":1})");
  events = decode_event_stream(buffered.body);
  REQUIRE(events.size() == 2);
  CHECK(events[0].payload == R"({"do":"echo","x":1})");
  CHECK(parse_json(events[1].payload) == json::object());
  const HttpResult failed = request(emu.invoke_port(), "POST", kStreamPath, R"({"do":"error"})");
  events = decode_event_stream(failed.body);
  REQUIRE(events.size() == 1);
  CHECK(parse_json(events[0].payload)["ErrorCode"] == "Function.TestError");

  // Event is not an invocation type of this operation; DryRun is.
  CHECK(request(emu.invoke_port(), "POST", kStreamPath, "{}", {{"X-Amz-Invocation-Type", "Event"}})
            .status == 400);
  CHECK(request(emu.invoke_port(), "POST", kStreamPath, "{}", {{"X-Amz-Invocation-Type", "DryRun"}})
            .status == 204);
  CHECK(request(emu.invoke_port(), "POST",
                "/2021-11-15/functions/nope/response-streaming-invocations", "{}")
            .status == 404);
}

TEST_CASE("invoke with response stream: Tail puts the invoke's log in InvokeComplete's LogResult",
          "[integration][invoke-api][streaming]") {
  EmulatorProcess emu(named_runtime());
  const auto log_result = [&](const json& event) {
    const HttpResult r =
        request(emu.invoke_port(), "POST", kStreamPath, event.dump(), {{"X-Amz-Log-Type", "Tail"}});
    REQUIRE(r.status == 200);
    CHECK_FALSE(r.has_header("X-Amz-Log-Result"));  // in the event, not in a header
    const auto events = decode_event_stream(r.body);
    REQUIRE(!events.empty());
    const json complete = parse_json(events.back().payload);
    const std::string id = r.header("x-amzn-RequestId").value_or("?");
    const std::string log = base64_decode(complete.value("LogResult", "")).value_or("");
    INFO(log);
    CHECK(log.starts_with("START RequestId: " + id));
    CHECK(log.find("\nREPORT RequestId: " + id) != std::string::npos);
    return log;
  };
  // Streamed: the runtime's output before its stream ended, then END and REPORT.
  CHECK(log_result({{"do", "stream"}, {"chunks", {"a", "b"}}}).find("\nEND RequestId: ") !=
        std::string::npos);
  // Buffered: the lines the function printed are in it.
  CHECK(log_result({{"do", "print"}, {"lines", {"printed for the tail"}}})
            .find("\nprinted for the tail\n") != std::string::npos);
}

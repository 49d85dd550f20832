// Streamed responses (section 3, C24-C28) through the RIE path, written by the C++ test runtime
// by hand: bytes reach the caller as they come, error trailers, a broken stream, the size and
// bandwidth limits, a timeout mid-stream and a caller that hangs up.
#include <catch2/catch.hpp>

#include "integration.hpp"

using namespace lambda_emu::testing;

TEST_CASE("streaming: the caller gets each chunk before the runtime sends the next",
          "[integration][streaming][C24]") {
  EmulatorProcess emu(test_runtime("script"));
  Marker marker;
  std::vector<std::string> pieces;
  // The runtime sends "second" only after the marker exists, and the marker is made when
  // "first" arrives: a buffering emulator would never finish this invoke.
  const HttpResult r = invoke_streaming(emu,
                                        {{"do", "stream"},
                                         {"chunks", {"first\n", "second\n"}},
                                         {"wait_for", marker.path.string()},
                                         {"content_type", "text/x-test"}},
                                        [&](std::string_view piece) {
                                          pieces.emplace_back(piece);
                                          if (piece.find("first") != std::string_view::npos) {
                                            marker.create();
                                          }
                                          return true;
                                        });
  INFO(r.error << emu.stderr_text());
  REQUIRE(r.status == 200);
  CHECK(r.body == "first\nsecond\n");
  CHECK(pieces.front() == "first\n");
  CHECK(r.header("Content-Type") == "text/x-test");
  CHECK(r.header("Transfer-Encoding") == "chunked");
  CHECK_FALSE(r.has_header("Lambda-Runtime-Function-Error-Type"));
  // The runtime's 202 comes after the last chunk (C24), and the invoke reports success.
  REQUIRE(emu.wait_for_stdout("test-runtime: stream status 202", kWait));
  CHECK(report_line(emu, 1).find("Status: error") == std::string::npos);
  CHECK(invoke(emu, R"({"do":"echo"})").body == R"({"do":"echo"})");
}

TEST_CASE("streaming: error trailers end the stream with the function's error",
          "[integration][streaming][C25]") {
  EmulatorProcess emu(test_runtime("script"));
  const std::string body = R"({"errorType":"Runtime.StreamError","errorMessage":"oops"})";
  const HttpResult r = invoke_streaming(emu,
                                        {{"do", "stream"},
                                         {"chunks", {"partial"}},
                                         {"error_type", "Runtime.StreamError"},
                                         {"error_body_b64", base64_encode(body)}},
                                        [](std::string_view) { return true; });
  REQUIRE(r.status == 200);
  CHECK(r.body == "partial");
  CHECK(r.header("Lambda-Runtime-Function-Error-Type") == "Runtime.StreamError");
  CHECK(r.header("Lambda-Runtime-Function-Error-Body") == base64_encode(body));
  CHECK(report_line(emu, 1).find("Status: error\tError Type: Runtime.StreamError") !=
        std::string::npos);
  CHECK(invoke(emu, R"({"do":"echo"})").status == 200);
}

TEST_CASE("streaming: a stream that breaks off is Runtime.TruncatedResponse",
          "[integration][streaming][C26]") {
  EmulatorProcess emu(test_runtime("script"));
  const HttpResult r =
      invoke_streaming(emu, {{"do", "stream"}, {"chunks", {"a", "b"}}, {"truncate", true}},
                       [](std::string_view) { return true; });
  REQUIRE(r.status == 200);
  CHECK(r.body == "ab");
  CHECK(r.header("Lambda-Runtime-Function-Error-Type") == "Runtime.TruncatedResponse");
  CHECK(report_line(emu, 1).find("Error Type: Runtime.TruncatedResponse") != std::string::npos);
  // The runtime lives on and serves the next invoke; the broken stream is never re-delivered.
  CHECK(invoke(emu, R"({"do":"echo"})").body == R"({"do":"echo"})");
  CHECK(lines_starting_with(emu.stdout_text(), "START RequestId: ").size() == 2);
}

TEST_CASE("streaming: more than 200 MiB is Function.ResponseSizeTooLarge",
          "[integration][streaming][C28]") {
  EmulatorProcess emu(test_runtime("script", {"--stream-throttle", "off"}));
  std::uint64_t received = 0;
  // 200 MiB through two loopback hops takes a while under the sanitizers on a slow machine.
  const HttpResult r = invoke_streaming(
      emu, {{"do", "stream"}, {"bytes", 200 * 1024 * 1024 + 1}},
      [&](std::string_view piece) {
        received += piece.size();
        return true;
      },
      std::chrono::minutes(3));
  REQUIRE(r.status == 200);
  CHECK(r.error.empty());
  CHECK(received <= 200ull * 1024 * 1024);
  CHECK(r.header("Lambda-Runtime-Function-Error-Type") == "Function.ResponseSizeTooLarge");
  CHECK(report_line(emu, 1).find("Error Type: Function.ResponseSizeTooLarge") != std::string::npos);
  // The runtime was told 413 and carries on.
  CHECK(invoke(emu, R"({"do":"echo"})").status == 200);
}

TEST_CASE("streaming: past the first 6 MiB the stream flows at 2 MiB/s",
          "[integration][streaming][C28]") {
  EmulatorProcess emu(test_runtime("script"));
  // 8 MiB: 6 at once, then 2 MiB at 2 MiB/s, so at least a second whatever the machine.
  const HttpResult r = invoke_streaming(emu, {{"do", "stream"}, {"bytes", 8 * 1024 * 1024}},
                                        [](std::string_view) { return true; });
  REQUIRE(r.status == 200);
  CHECK(r.body.size() == 8u * 1024 * 1024);
  CHECK(r.elapsed >= 950ms);
}

TEST_CASE("streaming: a timeout cuts the stream and resets the environment",
          "[integration][streaming]") {
  EmulatorProcess emu(test_runtime("script", {"--timeout", "1"}));
  Marker never;
  const HttpResult r = invoke_streaming(
      emu, {{"do", "stream"}, {"chunks", {"first", "never"}}, {"wait_for", never.path.string()}},
      [](std::string_view) { return true; });
  REQUIRE(r.status == 200);
  CHECK(r.body == "first");
  CHECK(r.header("Lambda-Runtime-Function-Error-Type") == "Sandbox.Timedout");
  CHECK(report_line(emu, 1).find("Status: timeout") != std::string::npos);
  CHECK(invoke(emu, R"({"do":"echo"})").body == R"({"do":"echo"})");
}

TEST_CASE("streaming: a caller that hangs up mid-stream loses nothing else",
          "[integration][streaming]") {
  EmulatorProcess emu(test_runtime("script", {"--stream-throttle", "off"}));
  const HttpResult r = invoke_streaming(emu, {{"do", "stream"}, {"bytes", 32 * 1024 * 1024}},
                                        [](std::string_view) { return false; });
  CHECK_FALSE(r.error.empty());
  // The runtime streams on into nothing, gets its 202, and the environment is reused.
  REQUIRE(emu.wait_for_stdout("test-runtime: stream status 202", kWait));
  CHECK(report_line(emu, 1).find("Status: error") == std::string::npos);
  CHECK(invoke(emu, R"({"do":"echo"})").body == R"({"do":"echo"})");
  CHECK(lines_starting_with(emu.stdout_text(), "INIT_START").size() == 1);
}

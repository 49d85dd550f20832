// Bad input on both listeners: unknown paths, wrong methods, malformed or abandoned HTTP,
// oversized bodies, undecodable client context. The emulator answers each one and keeps
// serving the function.
#include <catch2/catch.hpp>

#include "integration.hpp"

namespace lambda_emu::testing {
namespace {

// After any abuse, the function still works end to end.
void check_still_serving(const EmulatorProcess& emu, const std::string& marker) {
  const std::string payload = R"({"still":"serving","after":")" + marker + "\"}";
  const HttpResult r = invoke(emu, payload);
  INFO("after " << marker << ": " << r.error);
  REQUIRE(r.status == 200);
  CHECK(r.body == payload);
}

// The emulator with test-runtime initialized and parked in /next.
EmulatorSpec warm_echo() {
  return test_runtime("echo", {"--init", "eager"});
}

TEST_CASE("bad input: unknown Runtime API paths are 404, wrong methods 405",
          "[integration][bad-input][C23]") {
  EmulatorProcess emu(warm_echo());
  REQUIRE(emu.wait_for_stdout("INIT_START ", kWait));

  SECTION("unknown paths") {
    for (const char* path : {"/2018-06-01/runtime/nope", "/2018-06-01/runtime/restore/next",
                             "/2018-06-01/runtime/invocation", "/", "/2019-01-01/whatever"}) {
      INFO(path);
      const HttpResult r = request(emu.runtime_api_port(), "GET", path);
      CHECK(r.status == 404);
      CHECK(r.body == "404 page not found\n");
    }
    // SnapStart is off: restore/error is unknown too (C23).
    CHECK(runtime_call(emu, "POST", "/restore/error", "{}").status == 404);
  }
  SECTION("wrong methods") {
    CHECK(runtime_call(emu, "POST", "/invocation/next", "{}").status == 405);
    CHECK(runtime_call(emu, "DELETE", "/invocation/next").status == 405);
    CHECK(runtime_call(emu, "GET", "/invocation/8476a536-e9f4-11e8-9739-2dfe598c3fcd/response")
              .status == 405);
    CHECK(runtime_call(emu, "PUT", "/init/error", "{}").status == 405);
  }
  SECTION("invoke endpoint") {
    CHECK(request(emu.invoke_port(), "POST", "/2015-03-31/functions/other/invocations", "{}")
              .status == 404);
  }
  check_still_serving(emu, "404/405");
}

TEST_CASE("bad input: a response for an unknown request id is 400 InvalidRequestID",
          "[integration][bad-input][C8]") {
  EmulatorProcess emu(warm_echo());
  REQUIRE(invoke(emu, R"({"first":1})").status == 200);  // an id has been handed out
  const HttpResult r = runtime_call(
      emu, "POST", "/invocation/00000000-0000-0000-0000-000000000000/response", "\"stray\"");
  CHECK(r.status == 400);
  const bool exact =
      r.body == R"({"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"})" ||
      r.body == R"({"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"})"
                "\n";
  INFO(r.body);
  CHECK(exact);
  CHECK(r.header("Content-Type") == "application/json");
  const HttpResult e =
      runtime_call(emu, "POST", "/invocation/00000000-0000-0000-0000-000000000000/error", "{}");
  CHECK(e.status == 400);
  check_still_serving(emu, "unknown id");
}

TEST_CASE("bad input: malformed HTTP gets 400 and the server keeps serving",
          "[integration][bad-input]") {
  EmulatorProcess emu(warm_echo());
  REQUIRE(emu.wait_for_stdout("INIT_START ", kWait));
  const std::vector<std::string> garbage = {
      "THIS IS NOT HTTP\r\n\r\n",
      "GET /2018-06-01/ping HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      "GET /2018-06-01/ping HTTP/1.1\r\nno colon in this header\r\n\r\n",
      "POST /2018-06-01/runtime/init/error HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
      "POST /2018-06-01/runtime/init/error HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n",
  };
  for (const std::uint16_t port : {emu.runtime_api_port(), emu.invoke_port()}) {
    for (const std::string& bytes : garbage) {
      INFO("port " << port << ": " << bytes);
      const std::string reply = raw_exchange(port, bytes, 5s);
      CHECK(reply.starts_with("HTTP/1.1 400 "));
    }
  }
  check_still_serving(emu, "malformed HTTP");
}

TEST_CASE("bad input: clients that send half a request and leave do no harm",
          "[integration][bad-input]") {
  EmulatorProcess emu(warm_echo());
  REQUIRE(emu.wait_for_stdout("INIT_START ", kWait));
  const std::vector<std::string> halves = {
      "GET /2018-06-01/runt",
      "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n",
      "POST /2018-06-01/runtime/invocation/00000000-0000-0000-0000-000000000000/response "
      "HTTP/1.1\r\nContent-Length: 100\r\n\r\nonly part of the body",
  };
  for (const std::string& half : halves) {
    send_partial_and_close(emu.runtime_api_port(), half);
  }
  send_partial_and_close(emu.invoke_port(),
                         "POST /2015-03-31/functions/function/invocations HTTP/1.1\r\n"
                         "Content-Length: 50\r\n\r\n{\"half\":");
  // Also: a connection that opens and closes at once.
  send_partial_and_close(emu.invoke_port(), "");
  check_still_serving(emu, "half requests");
  check_still_serving(emu, "half requests, again");
  CHECK(lines_starting_with(emu.stdout_text(), "INIT_START ").size() == 1);
}

TEST_CASE("bad input: an invoke body over 6291456 bytes is 413 RequestTooLargeException",
          "[integration][bad-input]") {
  EmulatorProcess emu(test_runtime("echo"));
  const HttpResult too_large = invoke(emu, std::string(6291457, 'a'));
  CHECK(too_large.status == 413);
  CHECK(too_large.header("x-amzn-ErrorType") == "RequestTooLargeException");
  check_still_serving(emu, "413");
}

TEST_CASE("bad input: an invoke body of exactly 6291456 bytes is delivered whole",
          "[integration][bad-input]") {
  EmulatorProcess emu(test_runtime("echo"));
  const std::string payload(6291456, 'a');
  const HttpResult r = invoke(emu, payload);
  INFO(r.body.substr(0, 200));
  REQUIRE(r.status == 200);
  CHECK(r.body.size() == payload.size());
  CHECK(r.body == payload);
}

TEST_CASE("bad input: an invoke body over 1 MiB is accepted", "[integration][bad-input]") {
  EmulatorProcess emu(test_runtime("echo"));
  const std::string payload(1024 * 1024 + 1, 'b');
  const HttpResult r = invoke(emu, payload);
  INFO(r.body.substr(0, 200));
  REQUIRE(r.status == 200);
  CHECK(r.body == payload);
}

TEST_CASE("bad input: undecodable X-Amz-Client-Context is 500", "[integration][bad-input][C4]") {
  EmulatorProcess emu(test_runtime("echo"));
  const HttpResult r = invoke(emu, "{}", {{"X-Amz-Client-Context", "%%% not base64 %%%"}});
  CHECK(r.status == 500);
  // Nothing reached the function.
  CHECK(emu.stdout_text().find("START RequestId: ") == std::string::npos);
  check_still_serving(emu, "bad client context");
}

}  // namespace
}  // namespace lambda_emu::testing

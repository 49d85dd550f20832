// The Runtime API as a runtime sees it: event headers, environment, responses and errors, and
// the state checks of section 2. Most cases drive test-runtime through `{"do":...}` events; the
// rest play the runtime themselves next to a bootstrap that never calls the API.
#include <catch2/catch.hpp>

#include <future>
#include <regex>

#include "integration.hpp"

namespace lambda_emu::testing {
namespace {

const std::string kInvalidRequestId =
    "{\"errorMessage\":\"Invalid request ID\",\"errorType\":\"InvalidRequestID\"}\n";

std::string transition_refusal(std::string_view from, std::string_view to) {
  return R"({"errorMessage":"State transition from )" + std::string(from) + " to " +
         std::string(to) +
         R"( failed for runtime. Error: State transition is not allowed","errorType":")"
         R"(InvalidStateTransition"})";
}

// The REPORT line of the invoke that START line `index` began.
std::string report_of(const EmulatorProcess& emu, std::size_t index) {
  const std::string out = emu.stdout_text();
  const auto starts = lines_starting_with(out, "START RequestId: ");
  if (index >= starts.size()) {
    return {};
  }
  const std::string id = starts[index].substr(17, 36);
  return line_with(out, "REPORT RequestId: ", id);
}

TEST_CASE("runtime API: an event carries its headers and the runtime its environment",
          "[integration][runtime-api][C1][C3][C4][C6][C72][C73]") {
  const std::string task_root = source_path("tests/integration");
  EmulatorProcess emu(test_runtime(
      "script",
      {"--task-root", task_root, "--function-name", "itfn", "--memory", "512", "--timeout", "30",
       "--env", "CUSTOM_VAR=custom value", "--env", "AWS_REGION=xx-nowhere-9"}));
  const std::string client_context = R"({"custom":{"k":"v"},"env":{"platform":"test"}})";
  const std::string trace_id =
      "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1";

  const std::int64_t before = epoch_ms_now();
  const HttpResult r = invoke(
      emu, R"({"do":"headers"})",
      {{"X-Amz-Client-Context", base64_encode(client_context)}, {"X-Amzn-Trace-Id", trace_id}});
  const std::int64_t after = epoch_ms_now();
  REQUIRE(r.status == 200);
  const json seen = parse_json(r.body);
  REQUIRE(seen.is_object());
  INFO(seen.dump(2));

  SECTION("event headers (C1, C3, C4, C6)") {
    const std::string id = seen.value("lambda-runtime-aws-request-id", "");
    CHECK(std::regex_match(id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                                          "[0-9a-f]{12}")));
    REQUIRE(emu.wait_for_stdout("START RequestId: " + id + " Version: $LATEST", kWait));
    const std::int64_t deadline = std::stoll(seen.value("lambda-runtime-deadline-ms", "0"));
    // Arrival + 30 s, arrival being between our send and the reply (ms truncation allowed).
    CHECK(deadline >= before + 30000 - 1);
    CHECK(deadline <= after + 30000 + 1);
    CHECK(seen.value("lambda-runtime-invoked-function-arn", "") ==
          "arn:aws:lambda:us-east-1:012345678912:function:itfn");
    CHECK(seen.value("lambda-runtime-client-context", "") == client_context);
    CHECK(seen.value("lambda-runtime-trace-id", "") == trace_id);
  }

  SECTION("environment (C72, C73) and working directory") {
    const json& env = seen["env"];
    CHECK(env["AWS_LAMBDA_RUNTIME_API"] == "127.0.0.1:" + std::to_string(emu.runtime_api_port()));
    CHECK(env["_HANDLER"] == "script");
    CHECK(env["LAMBDA_TASK_ROOT"] == emu.task_root_seen(task_root));
    CHECK(env["AWS_LAMBDA_FUNCTION_NAME"] == "itfn");
    CHECK(env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST");
    CHECK(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512");
    CHECK(env["AWS_REGION"] == "us-east-1");  // the function's own value is ignored (C73)
    CHECK(env["AWS_DEFAULT_REGION"] == "us-east-1");
    CHECK(env["TZ"] == ":UTC");
    CHECK(env["LANG"] == "en_US.UTF-8");
    CHECK(env["PATH"] == "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin");
    CHECK(env["CUSTOM_VAR"] == "custom value");
    CHECK(seen["cwd"] == emu.task_root_seen(task_root));
    CHECK(emu.stderr_text().find("AWS_REGION") != std::string::npos);  // warned about
  }

  SECTION("without caller context the optional headers are absent (C4)") {
    const HttpResult plain = invoke(emu, R"({"do":"headers"})");
    REQUIRE(plain.status == 200);
    const json again = parse_json(plain.body);
    CHECK_FALSE(again.contains("lambda-runtime-client-context"));
    CHECK_FALSE(again.contains("lambda-runtime-trace-id"));
    CHECK_FALSE(again.contains("lambda-runtime-cognito-identity"));
    CHECK(again.value("lambda-runtime-aws-request-id", "") !=
          seen.value("lambda-runtime-aws-request-id", ""));
  }
}

TEST_CASE("runtime API: a customer PATH wins over the default", "[integration][runtime-api][C73]") {
  EmulatorProcess emu(test_runtime("script", {"--env", "PATH=/custom/bin:/usr/bin"}));
  const HttpResult r = invoke(emu, R"({"do":"headers"})");
  REQUIRE(r.status == 200);
  CHECK(parse_json(r.body)["env"]["PATH"] == "/custom/bin:/usr/bin");
}

TEST_CASE("runtime API: /error reaches the caller verbatim as a function error",
          "[integration][runtime-api][C15][C16][C74]") {
  EmulatorProcess emu(test_runtime("script"));
  const std::string error_body =
      R"({"errorMessage":"test error","errorType":"Function.TestError","stackTrace":[]})";
  struct Case {
    std::string event;
    std::string reported;  // REPORT's Error Type
  };
  const std::vector<Case> cases = {
      {R"({"do":"error","type":"Runtime.Foo"})", "Runtime.Foo"},
      {R"({"do":"error","type":"Unhandled"})", "Runtime.Unknown"},
      {R"({"do":"error","type":"Function.bad"})", "Function.Unknown"},
      // No header: the type comes from the body's errorType (section 11).
      {R"({"do":"error","no_header":true})", "Function.TestError"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    INFO(cases[i].event);
    const HttpResult r = invoke(emu, cases[i].event);
    REQUIRE(r.status == 200);
    CHECK(r.header("X-Amz-Function-Error") == "Unhandled");
    CHECK(r.body == error_body);
    REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait, i + 1));
    CHECK(report_of(emu, i).ends_with("\tStatus: error\tError Type: " + cases[i].reported));
  }
  // The runtime carries on: a function error is no crash.
  const HttpResult ok = invoke(emu, R"({"fine":true})");
  REQUIRE(ok.status == 200);
  CHECK_FALSE(ok.has_header("X-Amz-Function-Error"));
  CHECK(lines_starting_with(emu.stdout_text(), "INIT_START ").size() == 1);
}

TEST_CASE("runtime API: a response with an unknown request id is refused with 400",
          "[integration][runtime-api][C8]") {
  EmulatorProcess emu(test_runtime("script"));
  const HttpResult r = invoke(emu, R"({"do":"bad_id"})");
  REQUIRE(r.status == 200);
  CHECK(r.body == "\"after bad id\"");
  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait));
  CHECK(emu.stdout_text().find("[function] test-runtime: bad id status 400 "
                               R"({"errorMessage":"Invalid request ID","errorType":")"
                               R"(InvalidRequestID"})") != std::string::npos);
}

TEST_CASE("runtime API: a second /response or an /error after /response is refused with 403",
          "[integration][runtime-api][C10][C11]") {
  EmulatorProcess emu(test_runtime("script"));
  SECTION("second /response (C10)") {
    const HttpResult r = invoke(emu, R"({"do":"double"})");
    REQUIRE(r.status == 200);
    CHECK(r.body == "\"first\"");
    REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait));
    CHECK(emu.stdout_text().find("[function] test-runtime: second response status 403 " +
                                 transition_refusal("RuntimeResponseSentState",
                                                    "InvocationResponse")) != std::string::npos);
  }
  SECTION("/error after /response (C11)") {
    const HttpResult r = invoke(emu, R"({"do":"error_after_response"})");
    REQUIRE(r.status == 200);
    CHECK(r.body == "\"ok\"");
    CHECK_FALSE(r.has_header("X-Amz-Function-Error"));
    REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait));
    CHECK(emu.stdout_text().find("[function] test-runtime: error after response status 403\n") !=
          std::string::npos);
  }
  // Either way the invoke succeeded and the runtime goes on.
  const HttpResult next = invoke(emu, R"({"then":"next"})");
  REQUIRE(next.status == 200);
  CHECK(next.body == R"({"then":"next"})");
}

TEST_CASE("runtime API: a buffered response may be 6291556 bytes, not one more",
          "[integration][runtime-api][C12][C13]") {
  EmulatorProcess emu(test_runtime("script"));
  const HttpResult largest = invoke(emu, R"({"do":"size","bytes":6291556})");
  REQUIRE(largest.status == 200);
  CHECK_FALSE(largest.has_header("X-Amz-Function-Error"));
  CHECK(largest.body.size() == 6291556);
  CHECK(largest.body == std::string(6291556, 'x'));
  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait));
  CHECK(emu.stdout_text().find("[function] test-runtime: response status 202\n") !=
        std::string::npos);

  const HttpResult too_large = invoke(emu, R"({"do":"size","bytes":6291557})");
  CHECK(too_large.status == 200);
  CHECK(too_large.header("X-Amz-Function-Error") == "Unhandled");
  const json body = parse_json(too_large.body);
  CHECK(body["errorType"] == "Function.ResponseSizeTooLarge");
  CHECK(body.value("errorMessage", "")
            .find("Response payload size (6291557 bytes) exceeded "
                  "maximum allowed payload size (6291556 bytes).") != std::string::npos);
  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait, 2));
  CHECK(emu.stdout_text().find("[function] test-runtime: response status 413\n") !=
        std::string::npos);
  CHECK(report_of(emu, 1).ends_with("\tStatus: error\tError Type: Function.ResponseSizeTooLarge"));

  // The runtime may go on with /next (C13): no reset, no second Init.
  const HttpResult next = invoke(emu, R"({"after":"413"})");
  REQUIRE(next.status == 200);
  CHECK(next.body == R"({"after":"413"})");
  CHECK(lines_starting_with(emu.stdout_text(), "INIT_START ").size() == 1);
}

TEST_CASE("runtime API: response mode 'buffered' is an invalid response mode",
          "[integration][runtime-api][C14]") {
  EmulatorProcess emu(test_runtime("script"));
  const HttpResult r = invoke(emu, R"({"do":"raw","response_mode":"buffered"})");
  CHECK(r.header("X-Amz-Function-Error").has_value());
  const json body = parse_json(r.body);
  CHECK(body["errorType"] == "Runtime.InvalidResponseModeHeader");
  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait));
  CHECK(report_of(emu, 0).ends_with(
      "\tStatus: error\tError Type: Runtime.InvalidResponseModeHeader"));

  const HttpResult next = invoke(emu, R"({"after":"bad mode"})");
  REQUIRE(next.status == 200);
  CHECK(next.body == R"({"after":"bad mode"})");
}

TEST_CASE("runtime API: the runtime learns that its response mode was refused",
          "[integration][runtime-api][C14]") {
  EmulatorProcess emu(test_runtime("script"));
  (void)invoke(emu, R"({"do":"raw","response_mode":"buffered"})");
  // test-runtime prints its line within milliseconds of the reply; 3 s is plenty.
  const bool reported = emu.wait_for_stdout("[function] test-runtime: response-mode status", 3s);
  INFO(emu.stdout_text());
  CHECK(reported);
  CHECK(emu.stdout_text().find("[function] test-runtime: response-mode status 400 "
                               R"({"errorMessage":"Invalid function response mode","errorType":")"
                               R"(InvalidFunctionResponseMode"})") != std::string::npos);
}

// --- the test as the runtime -----------------------------------------------------------------

TEST_CASE("runtime API: a runtime driven by hand walks the state machine",
          "[integration][runtime-api][C1][C2][C7][C9][C10][C11][C19][C21]") {
  EmulatorProcess emu(silent_runtime({"--init", "eager", "--function-name", "byhand"}));
  REQUIRE(emu.wait_for_stdout("INIT_START ", kWait));

  // C9: no event handed out yet, so no id is valid.
  const HttpResult early = runtime_call(
      emu, "POST", "/invocation/8476a536-e9f4-11e8-9739-2dfe598c3fcd/response", "\"early\"");
  CHECK(early.status == 400);
  CHECK(early.body == kInvalidRequestId);

  auto caller = std::async(std::launch::async, [&emu] { return invoke(emu, R"({"by":"hand"})"); });
  const HttpResult event = runtime_call(emu, "GET", "/invocation/next");
  REQUIRE(event.status == 200);
  CHECK(event.body == R"({"by":"hand"})");
  const std::string id = event.header("Lambda-Runtime-Aws-Request-Id").value_or("");
  CHECK(id.size() == 36);
  CHECK(event.header("Lambda-Runtime-Deadline-Ms").has_value());
  CHECK(event.header("Lambda-Runtime-Invoked-Function-Arn") ==
        "arn:aws:lambda:us-east-1:012345678912:function:byhand");
  CHECK(event.header("Content-Type") == "application/json");
  CHECK_FALSE(event.has_header("Lambda-Runtime-Client-Context"));

  // C19 (u): /next while the event is out hands out the same event again.
  const HttpResult again = runtime_call(emu, "GET", "/invocation/next");
  CHECK(again.status == 200);
  CHECK(again.header("Lambda-Runtime-Aws-Request-Id") == id);
  CHECK(again.body == event.body);

  // C21: init is over.
  const HttpResult late_init_error =
      runtime_call(emu, "POST", "/init/error", R"({"errorMessage":"late","errorType":"X"})");
  CHECK(late_init_error.status == 403);
  CHECK(late_init_error.body == transition_refusal("Running", "InitError") + "\n");

  // C7: the response reaches the caller byte for byte.
  const HttpResult accepted = runtime_call(emu, "POST", "/invocation/" + id + "/response",
                                           "by hand \x01\x02", {{"Content-Type", "text/plain"}});
  CHECK(accepted.status == 202);
  CHECK(parse_json(accepted.body) == json{{"status", "OK"}});
  const HttpResult answered = caller.get();
  REQUIRE(answered.status == 200);
  CHECK(answered.body == "by hand \x01\x02");

  // C10, C11: nothing more for this id.
  const HttpResult second = runtime_call(emu, "POST", "/invocation/" + id + "/response", "\"2\"");
  CHECK(second.status == 403);
  CHECK(second.body == transition_refusal("RuntimeResponseSentState", "InvocationResponse") + "\n");
  const HttpResult error = runtime_call(emu, "POST", "/invocation/" + id + "/error", "{}");
  CHECK(error.status == 403);
  CHECK(error.body ==
        transition_refusal("RuntimeResponseSentState", "InvocationErrorResponse") + "\n");

  // C2: with nothing pending, /next stays open: no answer, no 204 (we give up first).
  const HttpResult parked = runtime_call(emu, "GET", "/invocation/next", {}, {}, 300ms);
  CHECK(parked.status == 0);
  CHECK(parked.error == "timeout");
  REQUIRE(emu.wait_for_stdout("REPORT RequestId: " + id, kWait));
}

TEST_CASE("runtime API: /init/error is accepted once, then every call is refused",
          "[integration][runtime-api][C20][C22]") {
  EmulatorProcess emu(silent_runtime({"--init", "eager"}));
  REQUIRE(emu.wait_for_stdout("INIT_START ", kWait));
  const std::string posted = R"({"errorMessage":"cannot init","errorType":"Runtime.ByHand"})";
  const HttpResult accepted =
      runtime_call(emu, "POST", "/init/error", posted,
                   {{"Lambda-Runtime-Function-Error-Type", "Runtime.ByHandInit"}});
  CHECK(accepted.status == 202);
  CHECK(parse_json(accepted.body) == json{{"status", "OK"}});
  REQUIRE(emu.wait_for_stdout("INIT_REPORT ", kWait));
  CHECK(line_with(emu.stdout_text(), "INIT_REPORT ", "Phase: init")
            .ends_with("\tStatus: error\tError Type: Runtime.ByHandInit"));

  // C22
  const HttpResult next = runtime_call(emu, "GET", "/invocation/next");
  CHECK(next.status == 403);
  CHECK(next.body == transition_refusal("InitError", "Ready") + "\n");
  const HttpResult again = runtime_call(emu, "POST", "/init/error", posted);
  CHECK(again.status == 403);

  // The invoke re-runs Init; this one fails too, and the caller gets the posted body (C20).
  auto caller = std::async(std::launch::async, [&emu] { return invoke(emu, "{}"); });
  REQUIRE(emu.wait_for_stdout("INIT_START ", kWait, 2));
  const HttpResult in_invoke = runtime_call(emu, "POST", "/init/error", posted);
  CHECK(in_invoke.status == 202);
  const HttpResult r = caller.get();
  CHECK(r.status == 502);
  CHECK(r.header("X-Amz-Function-Error").has_value());
  CHECK(r.body == posted);
}

}  // namespace
}  // namespace lambda_emu::testing

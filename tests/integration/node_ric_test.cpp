// AWS's Node.js runtime interface client (aws-lambda-ric, examples/hello-node/bootstrap) running
// the handlers in tests/integration/node/handlers.mjs.
#include <catch2/catch.hpp>

#include <filesystem>

#include "integration.hpp"

namespace lambda_emu::testing {
namespace {

TEST_CASE("node ric: a cold start and warm invokes return the event",
          "[integration][node][C7][C70]") {
  SKIP_WITHOUT_RIC();
  EmulatorProcess emu(node_runtime("echo"));
  for (int i = 0; i < 3; ++i) {
    const std::string event = R"({"n":)" + std::to_string(i) + R"(,"list":[1,2,3]})";
    const HttpResult r = invoke(emu, event);
    INFO(r.error);
    REQUIRE(r.status == 200);
    CHECK(parse_json(r.body) == parse_json(event));
    CHECK_FALSE(r.has_header("X-Amz-Function-Error"));
  }
  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait, 3));
  const std::string out = emu.stdout_text();
  CHECK(lines_starting_with(out, "INIT_START ").size() == 1);
  const auto reports = lines_starting_with(out, "REPORT RequestId: ");
  CHECK(reports[0].find("\tInit Duration: ") != std::string::npos);
  CHECK(reports[1].find("\tInit Duration: ") == std::string::npos);
}

TEST_CASE("node ric: the handler gets its context from the environment",
          "[integration][node][C72]") {
  SKIP_WITHOUT_RIC();
  EmulatorProcess emu(node_runtime("env", {"--function-name", "nodefn", "--memory", "256",
                                           "--timeout", "20", "--env", "CUSTOM_VAR=from-node"}));
  const HttpResult r = invoke(emu, "{}");
  REQUIRE(r.status == 200);
  const json seen = parse_json(r.body);
  INFO(r.body);
  CHECK(seen["functionName"] == "nodefn");
  CHECK(seen["functionVersion"] == "$LATEST");
  CHECK(seen["memoryLimitInMB"] == "256");
  CHECK(seen["invokedFunctionArn"] == "arn:aws:lambda:us-east-1:012345678912:function:nodefn");
  CHECK(seen["handler"] == "handlers.env");
  CHECK(seen["taskRoot"] == emu.task_root_seen(source_path("tests/integration/node")));
  CHECK(seen["cwd"] == emu.task_root_seen(source_path("tests/integration/node")));
  CHECK(seen["custom"] == "from-node");
  CHECK(seen["remainingMs"].get<double>() > 0);
  CHECK(seen["remainingMs"].get<double>() <= 20000);
  REQUIRE(emu.wait_for_stdout("START RequestId: ", kWait));
  CHECK(emu.stdout_text().find("START RequestId: " + seen["awsRequestId"].get<std::string>()) !=
        std::string::npos);
}

TEST_CASE("node ric: a thrown error is a function error with errorType Error",
          "[integration][node][C15]") {
  SKIP_WITHOUT_RIC();
  EmulatorProcess emu(node_runtime("boom"));
  const HttpResult r = invoke(emu, "{}");
  REQUIRE(r.status == 200);
  CHECK(r.header("X-Amz-Function-Error") == "Unhandled");
  const json body = parse_json(r.body);
  INFO(r.body);
  CHECK(body["errorType"] == "Error");
  CHECK(body["errorMessage"] == "boom from handlers.mjs");
  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait));
  // Still warm: the runtime handles the next invoke without a new Init.
  const HttpResult again = invoke(emu, "{}");
  CHECK(again.status == 200);
  CHECK(again.header("X-Amz-Function-Error") == "Unhandled");
  CHECK(lines_starting_with(emu.stdout_text(), "INIT_START ").size() == 1);
}

TEST_CASE("node ric: a handler slower than the timeout times out, the next invoke works",
          "[integration][node][C53]") {
  SKIP_WITHOUT_RIC();
  EmulatorProcess emu(node_runtime("slow", {"--timeout", "1"}));
  const HttpResult slow = invoke(emu, R"({"ms":3000})");
  REQUIRE(slow.status == 200);
  CHECK(slow.header("X-Amz-Function-Error") == "Unhandled");
  CHECK(slow.body == "Task timed out after 1.00 seconds");
  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait));
  CHECK(lines_starting_with(emu.stdout_text(), "REPORT RequestId: ")
            .at(0)
            .ends_with("\tStatus: timeout"));

  const HttpResult quick = invoke(emu, R"({"ms":5})");
  REQUIRE(quick.status == 200);
  CHECK_FALSE(quick.has_header("X-Amz-Function-Error"));
  CHECK(parse_json(quick.body) == json{{"slept", 5}});
  CHECK(emu.wait_for_stdout("INIT_START ", kWait, 2));
}

TEST_CASE("node ric: a streamifyResponse handler's chunks reach the caller as written",
          "[integration][node][streaming][C24]") {
  SKIP_WITHOUT_RIC();
  EmulatorProcess emu(node_runtime("streamed"));
  Marker marker;
  // The handler writes "second" only once the marker exists, made when "first" arrived here.
  std::string before_marker;
  const HttpResult r =
      invoke_streaming(emu, {{"marker", marker.path.string()}}, [&](std::string_view piece) {
        if (!std::filesystem::exists(marker.path)) {
          before_marker.append(piece);
          if (before_marker.find("first\n") != std::string::npos) {
            marker.create();
          }
        }
        return true;
      });
  INFO(r.error << emu.stdout_text());
  REQUIRE(r.status == 200);
  CHECK(before_marker == "first\n");
  CHECK(r.body == "first\nsecond\n");
  CHECK(r.header("Content-Type") == "text/plain");
  CHECK_FALSE(r.has_header("Lambda-Runtime-Function-Error-Type"));
  CHECK(report_line(emu, 1).find("Status: error") == std::string::npos);
}

TEST_CASE("node ric: an error thrown mid-stream arrives in the trailers",
          "[integration][node][streaming][C25]") {
  SKIP_WITHOUT_RIC();
  EmulatorProcess emu(node_runtime("streamedError"));
  const HttpResult r = invoke_streaming(emu, json::object(), [](std::string_view) { return true; });
  REQUIRE(r.status == 200);
  CHECK(r.body == "partial\n");
  CHECK(r.header("Lambda-Runtime-Function-Error-Type") == "Error");
  const json error =
      parse_json(*base64_decode(r.header("Lambda-Runtime-Function-Error-Body").value_or("")));
  CHECK(error["errorMessage"] == "failed mid-stream");
  // REPORT has the sanitized type, as for a buffered error.
  CHECK(report_line(emu, 1).find("Status: error\tError Type: Runtime.Unknown") !=
        std::string::npos);
  // Still warm.
  CHECK(invoke_streaming(emu, json::object(), [](std::string_view) { return true; }).status == 200);
  CHECK(lines_starting_with(emu.stdout_text(), "INIT_START ").size() == 1);
}

TEST_CASE("node ric: an HttpResponseStream sends the prelude and 8 NUL bytes first",
          "[integration][node][streaming][C27]") {
  SKIP_WITHOUT_RIC();
  EmulatorProcess emu(node_runtime("streamedHttp"));
  const HttpResult r = invoke_streaming(emu, json::object(), [](std::string_view) { return true; });
  REQUIRE(r.status == 200);
  CHECK(r.header("Content-Type") == "application/vnd.awslambda.http-integration-response");
  const std::size_t nuls = r.body.find(std::string(8, '\0'));
  REQUIRE(nuls != std::string::npos);
  const json prelude = parse_json(r.body.substr(0, nuls));
  CHECK(prelude["statusCode"] == 201);
  CHECK(prelude["headers"]["x-custom"] == "yes");
  CHECK(prelude["cookies"] == json{"a=b; Path=/"});
  CHECK(r.body.substr(nuls + 8) == "<p>hello</p>");
}

}  // namespace
}  // namespace lambda_emu::testing

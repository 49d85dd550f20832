// The AWS SDK for JavaScript v3 (@aws-sdk/client-lambda from npm) pointed at lambda-emu with
// dummy credentials: Invoke and InvokeWithResponseStream as an application would call them, the
// answers decoded by the SDK itself (tests/integration/node/sdk-client.mjs).
#include <stdio.h>
#include <sys/wait.h>

#include <filesystem>

#include <catch2/catch.hpp>

#include "integration.hpp"

using namespace lambda_emu::testing;

namespace {

// Runs `command` through the shell and returns its stdout; a failed command fails the test.
std::string run_and_capture(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) {
    out.append(buf, n);
  }
  const int status = ::pclose(pipe);
  INFO(command << "\n" << out);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  return out;
}

std::string quoted(const std::string& s) {
  return "'" + s + "'";
}

}  // namespace

TEST_CASE(
    "aws sdk: Invoke, InvokeWithResponseStream and UpdateFunctionConfiguration through "
    "@aws-sdk/client-lambda",
    "[integration][invoke-api][node]") {
  REQUIRE(std::filesystem::is_directory(
      source_path("tests/integration/node/node_modules/@aws-sdk/client-lambda")));
  EmulatorProcess emu(test_runtime("script", {"--function-name", "sdk-fn"}));
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(emu.invoke_port());
  const json out = parse_json(run_and_capture(
      quoted(source_path(".deps/node/bin/node")) + " " +
      quoted(source_path("tests/integration/node/sdk-client.mjs")) + " " + endpoint + " sdk-fn"));
  INFO(out.dump(2));

  CHECK(out["sync"]["status"] == 200);
  CHECK(parse_json(out["sync"]["payload"].get<std::string>()) == json{{"do", "echo"}, {"n", 1}});
  CHECK(out["sync"]["version"] == "$LATEST");
  CHECK(out["sync"]["functionError"] == nullptr);

  const std::string log = out["tail"]["log"];
  CHECK(log.starts_with("START RequestId: "));
  CHECK(log.find("\nfrom the sdk\n") != std::string::npos);
  CHECK(log.find("\nREPORT RequestId: ") != std::string::npos);

  CHECK(out["failed"]["functionError"] == "Unhandled");
  CHECK(parse_json(out["failed"]["payload"].get<std::string>())["errorType"] ==
        "Function.TestError");
  CHECK(out["event"]["status"] == 202);
  CHECK(out["dryRun"]["status"] == 204);
  CHECK(out["missing"] == json{{"name", "ResourceNotFoundException"}, {"status", 404}});

  CHECK(out["stream"]["status"] == 200);
  CHECK(out["stream"]["contentType"] == "text/plain");
  CHECK(out["stream"]["body"] == "one two");
  CHECK(out["stream"]["errorCode"] == nullptr);
  CHECK(out["stream"]["log"].get<std::string>().find("\nEND RequestId: ") != std::string::npos);
  CHECK(out["streamError"]["body"] == "partial");
  CHECK(out["streamError"]["errorCode"] == "Runtime.StreamError");
  CHECK(out["streamError"]["errorDetails"] == R"({"errorMessage":"broke"})");
  // UpdateFunctionConfiguration and the SDK's waiter force a cold start with the new settings.
  CHECK(out["coldStart"] == json{{"warmInit", false},
                                 {"updateStatus", "Successful"},
                                 {"updateMemory", 1024},
                                 {"coldInit", true},
                                 {"coldEnv", "updated"},
                                 {"memory", 1024}});
}

// tests/runtimes/bash/bootstrap: a custom runtime in bash + curl, as in AWS's tutorial.
#include <catch2/catch.hpp>

#include "integration.hpp"

namespace lambda_emu::testing {
namespace {

// The task root defaults to the bootstrap's directory, which holds function.sh.
EmulatorSpec bash_runtime(std::string handler = "function.handler") {
  return {{"--handler", std::move(handler)}, {source_path("tests/runtimes/bash/bootstrap")}, {}};
}

TEST_CASE("bash runtime: a cold start and warm invokes echo the event",
          "[integration][bash][C7][C70]") {
  EmulatorProcess emu(bash_runtime());
  for (int i = 0; i < 3; ++i) {
    const std::string event = R"({"n":)" + std::to_string(i) + R"(,"text":"hi there"})";
    const HttpResult r = invoke(emu, event);
    INFO(r.error);
    REQUIRE(r.status == 200);
    CHECK(r.body == R"({"echo":)" + event + "}");
    CHECK_FALSE(r.has_header("X-Amz-Function-Error"));
  }
  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait, 3));
  const std::string out = emu.stdout_text();
  CHECK(lines_starting_with(out, "INIT_START ").size() == 1);
  const auto reports = lines_starting_with(out, "REPORT RequestId: ");
  CHECK(reports[0].find("\tInit Duration: ") != std::string::npos);
  CHECK(reports[1].find("\tInit Duration: ") == std::string::npos);
  CHECK(reports[2].find("\tInit Duration: ") == std::string::npos);
}

TEST_CASE("bash runtime: a failing handler is a function error, and the runtime goes on",
          "[integration][bash][C15]") {
  EmulatorProcess emu(bash_runtime());
  const HttpResult r = invoke(emu, R"({"please":"fail"})");
  REQUIRE(r.status == 200);
  CHECK(r.header("X-Amz-Function-Error") == "Unhandled");
  CHECK(r.body == R"({"errorMessage":"bash handler failed","errorType":"Function.BashError"})");
  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait));
  const std::string out = emu.stdout_text();
  CHECK(out.find("[function] function.sh: failing on purpose\n") != std::string::npos);
  CHECK(lines_starting_with(out, "REPORT RequestId: ")
            .at(0)
            .ends_with("\tStatus: error\tError Type: Function.BashError"));

  const HttpResult ok = invoke(emu, R"({"fine":true})");
  REQUIRE(ok.status == 200);
  CHECK(ok.body == R"({"echo":{"fine":true}})");
  CHECK(lines_starting_with(emu.stdout_text(), "INIT_START ").size() == 1);
}

TEST_CASE("bash runtime: an unknown handler fails Init through /init/error",
          "[integration][bash][C20]") {
  EmulatorProcess emu(bash_runtime("function.nosuchfunction"));
  const HttpResult r = invoke(emu, "{}");
  CHECK(r.status == 502);
  CHECK(r.body == R"({"errorMessage":"handler function.nosuchfunction not found",)"
                  R"("errorType":"Runtime.HandlerNotFound"})");
  REQUIRE(emu.wait_for_stdout("INIT_REPORT ", kWait));
  CHECK(line_with(emu.stdout_text(), "INIT_REPORT ", "Phase: init")
            .ends_with("\tStatus: error\tError Type: Runtime.HandlerNotFound"));
}

}  // namespace
}  // namespace lambda_emu::testing

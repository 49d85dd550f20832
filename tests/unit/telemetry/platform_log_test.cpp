#include "telemetry/platform_log.hpp"

#include <catch2/catch.hpp>

using namespace lambda_emu;
using namespace lambda_emu::core;
using namespace std::chrono_literals;

namespace {

// The REPORT record of an invoke that ended with `status`.
ReportRecord ending(Status status, std::string error_type = {}) {
  return ReportRecord{.time = {},
                      .request_id = "id-1",
                      .status = status,
                      .error_type = std::move(error_type),
                      .duration = 101510us,
                      .billed_duration_ms = 102,
                      .memory_size_mb = 512,
                      .max_memory_used_mb = 33,
                      .init_duration = {},
                      .extension_overhead = {}};
}

}  // namespace

TEST_CASE("platform log: START, END and REPORT as CloudWatch shows them", "[telemetry][C70]") {
  auto start = telemetry::platform_log_lines(StartRecord{{}, "id-1", "$LATEST", {}}, "us-east-1");
  REQUIRE(start == std::vector<std::string>{"START RequestId: id-1 Version: $LATEST"});

  ReportRecord r = ending(Status::success);
  r.init_duration = 116670us;
  auto lines = telemetry::platform_log_lines(r, "us-east-1");
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "END RequestId: id-1");
  CHECK(lines[1] ==
        "REPORT RequestId: id-1\tDuration: 101.51 ms\tBilled Duration: 102 ms\tMemory Size: 512 "
        "MB\tMax Memory Used: 33 MB\tInit Duration: 116.67 ms\t");
}

TEST_CASE("platform log: failed invokes end with their status", "[telemetry][C53][C70]") {
  CHECK(telemetry::platform_log_lines(ending(Status::timeout, "Sandbox.Timedout"), "r")[1] ==
        "REPORT RequestId: id-1\tDuration: 101.51 ms\tBilled Duration: 102 ms\tMemory Size: 512 "
        "MB\tMax Memory Used: 33 MB\tStatus: timeout");
  CHECK(telemetry::platform_log_lines(ending(Status::error, "Runtime.ImportModuleError"), "r")[1] ==
        "REPORT RequestId: id-1\tDuration: 101.51 ms\tBilled Duration: 102 ms\tMemory Size: 512 "
        "MB\tMax Memory Used: 33 MB\tStatus: error\tError Type: Runtime.ImportModuleError");
}

TEST_CASE("platform log: INIT_REPORT only for failed inits", "[telemetry][C71]") {
  InitReportRecord ok{{},      InitializationType::on_demand, InitPhase::init, Status::success, {},
                      229040us};
  CHECK(telemetry::platform_log_lines(ok, "r").empty());
  InitReportRecord bad = ok;
  bad.status = Status::error;
  bad.error_type = "Runtime.ImportModuleError";
  CHECK(telemetry::platform_log_lines(bad, "r") ==
        std::vector<std::string>{"INIT_REPORT Init Duration: 229.04 ms\tPhase: init\tStatus: "
                                 "error\tError Type: Runtime.ImportModuleError"});
  InitReportRecord slow = ok;
  slow.status = Status::timeout;
  slow.phase = InitPhase::invoke;
  CHECK(telemetry::platform_log_lines(slow, "r") ==
        std::vector<std::string>{"INIT_REPORT Init Duration: 229.04 ms\tPhase: invoke\tStatus: "
                                 "timeout"});
}

TEST_CASE("platform log: INIT_START names the runtime version", "[telemetry]") {
  InitStartRecord s{{},       InitializationType::on_demand, InitPhase::init, "lambda-emu", "fn",
                    "$LATEST"};
  CHECK(telemetry::platform_log_lines(s, "eu-west-1") ==
        std::vector<std::string>{"INIT_START Runtime Version: lambda-emu\tRuntime Version ARN: "
                                 "arn:aws:lambda:eu-west-1::runtime:lambda-emu"});
}

TEST_CASE("platform log: EXTENSION and TELEMETRY lines at Init", "[telemetry][log]") {
  const auto ext = telemetry::platform_log_lines(
      ExtensionRecord{{}, "my-ext", "Ready", {"INVOKE", "SHUTDOWN"}, {}}, "us-east-1");
  REQUIRE(ext == std::vector<std::string>{"EXTENSION\tName: my-ext\tState: Ready\tEvents: "
                                          "[INVOKE, SHUTDOWN]"});
  const auto sub = telemetry::platform_log_lines(
      TelemetrySubscriptionRecord{{}, "my-ext", {"platform", "function"}, false}, "us-east-1");
  REQUIRE(sub == std::vector<std::string>{"TELEMETRY\tName: my-ext\tState: Subscribed\tTypes: "
                                          "[Platform, Function]"});
  REQUIRE(
      telemetry::platform_log_lines(ShutdownRecord{{}, ShutdownReason::spindown, {}}, "x").empty());
}

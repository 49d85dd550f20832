#include "telemetry/telemetry_json.hpp"

#include <catch2/catch.hpp>

using namespace lambda_emu;
using namespace lambda_emu::core;
using namespace std::chrono_literals;

namespace {

// 2022-10-21T14:05:03.165Z, the Telemetry API reference's own example time.
const WallTime t0 = WallTime(1'666'361'103'165ms);

std::string as_json(const Record& r) {
  auto ev = telemetry::telemetry_event(r, "us-east-1");
  REQUIRE(ev);
  return ev->dump();
}

std::vector<std::string> logs_api(const Record& r, bool with_runtime_done = false) {
  std::vector<std::string> out;
  for (const auto& ev : telemetry::logs_api_events(r, with_runtime_done)) {
    out.push_back(ev.dump());
  }
  return out;
}

ReportRecord report(Status status, std::string error_type = {}) {
  return ReportRecord{.time = t0,
                      .request_id = "id-1",
                      .status = status,
                      .error_type = std::move(error_type),
                      .duration = 2'599'400us,
                      .billed_duration_ms = 2600,
                      .memory_size_mb = 128,
                      .max_memory_used_mb = 94,
                      .init_duration = {},
                      .extension_overhead = {}};
}

}  // namespace

TEST_CASE("telemetry json: time is UTC with milliseconds", "[telemetry][C62]") {
  CHECK(telemetry::iso_time(t0) == "2022-10-21T14:05:03.165Z");
  CHECK(telemetry::iso_time(t0 + 999us) == "2022-10-21T14:05:03.165Z");  // truncated
  CHECK(telemetry::iso_time(WallTime{}) == "1970-01-01T00:00:00.000Z");
}

TEST_CASE("telemetry json: platform.initStart", "[telemetry]") {
  InitStartRecord r{t0,       InitializationType::on_demand, InitPhase::init, "lambda-emu", "fn",
                    "$LATEST"};
  CHECK(as_json(r) ==
        R"({"time":"2022-10-21T14:05:03.165Z","type":"platform.initStart","record":{)"
        R"("initializationType":"on-demand","phase":"init","runtimeVersion":"lambda-emu",)"
        R"("runtimeVersionArn":"arn:aws:lambda:us-east-1::runtime:lambda-emu",)"
        R"("functionName":"fn","functionVersion":"$LATEST"}})");
}

TEST_CASE("telemetry json: platform.initRuntimeDone and platform.initReport", "[telemetry]") {
  InitRuntimeDoneRecord ok{t0, InitializationType::on_demand, InitPhase::init, Status::success, {}};
  CHECK(as_json(ok) ==
        R"({"time":"2022-10-21T14:05:03.165Z","type":"platform.initRuntimeDone","record":{)"
        R"("initializationType":"on-demand","phase":"init","status":"success"}})");
  InitRuntimeDoneRecord bad{t0, InitializationType::on_demand, InitPhase::invoke, Status::error,
                            "Runtime.ExitError"};
  CHECK(as_json(bad) ==
        R"({"time":"2022-10-21T14:05:03.165Z","type":"platform.initRuntimeDone","record":{)"
        R"("initializationType":"on-demand","phase":"invoke","status":"error",)"
        R"("errorType":"Runtime.ExitError"}})");

  InitReportRecord report{t0,
                          InitializationType::on_demand,
                          InitPhase::init,
                          Status::timeout,
                          "Sandbox.Timedout",
                          10'000'250us};
  CHECK(as_json(report) ==
        R"({"time":"2022-10-21T14:05:03.165Z","type":"platform.initReport","record":{)"
        R"("initializationType":"on-demand","phase":"init","status":"timeout",)"
        R"("errorType":"Sandbox.Timedout","metrics":{"durationMs":10000.25}}})");
}

TEST_CASE("telemetry json: platform.start with and without tracing", "[telemetry]") {
  CHECK(as_json(StartRecord{t0, "id-1", "$LATEST", {}}) ==
        R"({"time":"2022-10-21T14:05:03.165Z","type":"platform.start","record":{)"
        R"("requestId":"id-1","version":"$LATEST"}})");
  CHECK(as_json(StartRecord{t0, "id-1", "$LATEST", "Root=1-5f35ae12;Sampled=1"}) ==
        R"({"time":"2022-10-21T14:05:03.165Z","type":"platform.start","record":{)"
        R"("requestId":"id-1","version":"$LATEST","tracing":{"type":"X-Amzn-Trace-Id",)"
        R"("value":"Root=1-5f35ae12;Sampled=1"}}})");
}

TEST_CASE("telemetry json: platform.runtimeDone metrics and spans", "[telemetry][C66]") {
  RuntimeDoneRecord r{.time = t0 + 2599ms,
                      .request_id = "id-1",
                      .status = Status::success,
                      .error_type = {},
                      .duration = 2'599'000us,
                      .produced_bytes = 8,
                      .response_latency = Span{t0, 2'598'000us},
                      .response_duration = Span{t0 + 2598ms, 1'234'567ns},
                      .runtime_overhead = {}};
  CHECK(as_json(r) ==
        R"({"time":"2022-10-21T14:05:05.764Z","type":"platform.runtimeDone","record":{)"
        R"("requestId":"id-1","status":"success","metrics":{"durationMs":2599.0,)"
        R"("producedBytes":8},"spans":[)"
        R"({"name":"responseLatency","start":"2022-10-21T14:05:03.165Z","durationMs":2598.0},)"
        R"({"name":"responseDuration","start":"2022-10-21T14:05:05.763Z","durationMs":1.235}]}})");

  r.runtime_overhead = Span{t0 + 2599ms, 500us};
  CHECK(as_json(r).find(R"({"name":"runtimeOverhead","start":"2022-10-21T14:05:05.764Z",)"
                        R"("durationMs":0.5}]}})") != std::string::npos);

  RuntimeDoneRecord failed{.time = t0,
                           .request_id = "id-2",
                           .status = Status::failure,
                           .error_type = "Runtime.ExitError",
                           .duration = 3ms,
                           .produced_bytes = 0,
                           .response_latency = {},
                           .response_duration = {},
                           .runtime_overhead = {}};
  CHECK(as_json(failed) ==
        R"({"time":"2022-10-21T14:05:03.165Z","type":"platform.runtimeDone","record":{)"
        R"("requestId":"id-2","status":"failure","errorType":"Runtime.ExitError",)"
        R"("metrics":{"durationMs":3.0,"producedBytes":0}}})");
}

TEST_CASE("telemetry json: platform.report", "[telemetry][C67]") {
  ReportRecord cold = report(Status::success);
  cold.init_duration = 549'040us;
  CHECK(as_json(cold) == R"({"time":"2022-10-21T14:05:03.165Z","type":"platform.report","record":{)"
                         R"("requestId":"id-1","status":"success","metrics":{"durationMs":2599.4,)"
                         R"("billedDurationMs":2600,"memorySizeMB":128,"maxMemoryUsedMB":94,)"
                         R"("initDurationMs":549.04}}})");

  ReportRecord timed_out = report(Status::timeout, "Sandbox.Timedout");
  timed_out.extension_overhead = Span{t0, 1500us};
  CHECK(as_json(timed_out) ==
        R"({"time":"2022-10-21T14:05:03.165Z","type":"platform.report","record":{)"
        R"("requestId":"id-1","status":"timeout","errorType":"Sandbox.Timedout",)"
        R"("metrics":{"durationMs":2599.4,"billedDurationMs":2600,"memorySizeMB":128,)"
        R"("maxMemoryUsedMB":94},"spans":[{"name":"extensionOverhead",)"
        R"("start":"2022-10-21T14:05:03.165Z","durationMs":1.5}]}})");
}

TEST_CASE("telemetry json: extensions and subscriptions", "[telemetry][C58]") {
  ExtensionRecord ext{t0, "logger", "Ready", {"INVOKE", "SHUTDOWN"}, {}};
  CHECK(as_json(ext) ==
        R"({"time":"2022-10-21T14:05:03.165Z","type":"platform.extension","record":{)"
        R"("name":"logger","state":"Ready","events":["INVOKE","SHUTDOWN"]}})");
  ExtensionRecord failed{t0, "logger", "InitError", {}, "Extension.InitError"};
  CHECK(as_json(failed) ==
        R"({"time":"2022-10-21T14:05:03.165Z","type":"platform.extension","record":{)"
        R"("name":"logger","state":"InitError","events":[],"errorType":"Extension.InitError"}})");

  TelemetrySubscriptionRecord sub{t0, "logger", {"platform", "function"}, false};
  CHECK(as_json(sub) ==
        R"({"time":"2022-10-21T14:05:03.165Z","type":"platform.telemetrySubscription",)"
        R"("record":{"name":"logger","state":"Subscribed","types":["platform","function"]}})");
  sub.logs_api = true;
  CHECK_FALSE(telemetry::telemetry_event(sub, "us-east-1"));
  CHECK_FALSE(
      telemetry::telemetry_event(ShutdownRecord{t0, ShutdownReason::spindown, 2ms}, "us-east-1"));
}

TEST_CASE("telemetry json: log lines are string records", "[telemetry][C68]") {
  CHECK(telemetry::log_event(t0, telemetry::LogSource::function, "hello\tworld").dump() ==
        R"({"time":"2022-10-21T14:05:03.165Z","type":"function","record":"hello\tworld"})");
  CHECK(telemetry::log_event(t0, telemetry::LogSource::extension, "x").dump() ==
        R"({"time":"2022-10-21T14:05:03.165Z","type":"extension","record":"x"})");
}

TEST_CASE("telemetry json: Logs API shapes", "[telemetry]") {
  CHECK(logs_api(StartRecord{t0, "id-1", "$LATEST", "Root=1"}) ==
        std::vector<std::string>{
            R"({"time":"2022-10-21T14:05:03.165Z","type":"platform.start","record":{)"
            R"("requestId":"id-1","version":"$LATEST"}})"});

  RuntimeDoneRecord done{.time = t0,
                         .request_id = "id-1",
                         .status = Status::timeout,
                         .error_type = "Sandbox.Timedout",
                         .duration = 3s,
                         .produced_bytes = 0,
                         .response_latency = {},
                         .response_duration = {},
                         .runtime_overhead = {}};
  CHECK(logs_api(done, false).empty());  // schema 2020-08-15 has no runtimeDone
  CHECK(logs_api(done, true) ==
        std::vector<std::string>{
            R"({"time":"2022-10-21T14:05:03.165Z","type":"platform.runtimeDone","record":{)"
            R"("requestId":"id-1","status":"timeout"}})"});

  ReportRecord cold = report(Status::success);
  cold.duration = 101'510us;
  cold.billed_duration_ms = 300;
  cold.memory_size_mb = 512;
  cold.max_memory_used_mb = 33;
  cold.init_duration = 116'670us;
  CHECK(logs_api(cold) ==
        std::vector<std::string>{
            R"({"time":"2022-10-21T14:05:03.165Z","type":"platform.end","record":{)"
            R"("requestId":"id-1"}})",
            R"({"time":"2022-10-21T14:05:03.165Z","type":"platform.report","record":{)"
            R"("requestId":"id-1","metrics":{"durationMs":101.51,"billedDurationMs":300,)"
            R"("memorySizeMB":512,"maxMemoryUsedMB":33,"initDurationMs":116.67}}})"});

  auto crashed = logs_api(report(Status::failure, "Runtime.ExitError"));
  REQUIRE(crashed.size() == 3);
  CHECK(crashed[0] == R"({"time":"2022-10-21T14:05:03.165Z","type":"platform.fault","record":)"
                      R"("RequestId: id-1 Process exited before completing request"})");
  ReportRecord timed_out = report(Status::timeout, "Sandbox.Timedout");
  timed_out.duration = 3s;
  CHECK(logs_api(timed_out)[0] ==
        R"({"time":"2022-10-21T14:05:03.165Z","type":"platform.fault","record":)"
        R"("RequestId: id-1 Task timed out after 3.00 seconds"})");
  CHECK(logs_api(report(Status::error, "Runtime.Foo")).size() == 2);  // a function error

  TelemetrySubscriptionRecord sub{t0, "logger", {"platform"}, true};
  CHECK(logs_api(sub) ==
        std::vector<std::string>{
            R"({"time":"2022-10-21T14:05:03.165Z","type":"platform.logsSubscription",)"
            R"("record":{"name":"logger","state":"Subscribed","types":["platform"]}})"});
  sub.logs_api = false;
  CHECK(logs_api(sub).empty());
  CHECK(logs_api(InitStartRecord{t0, InitializationType::on_demand, InitPhase::init, "v", "f",
                                 "$LATEST"})
            .empty());
  CHECK(logs_api(ExtensionRecord{t0, "logger", "Ready", {"INVOKE"}, {}}).size() == 1);
}

TEST_CASE("telemetry json: platform.logsDropped", "[telemetry][C64]") {
  CHECK(telemetry::logs_dropped_event(t0, 12345, 123, "slow").dump() ==
        R"({"time":"2022-10-21T14:05:03.165Z","type":"platform.logsDropped","record":{)"
        R"("droppedBytes":12345,"droppedRecords":123,"reason":"slow"}})");
}

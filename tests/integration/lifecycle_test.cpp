// Lifecycle of one execution environment, seen from outside: cold and warm invokes, init
// failures, crashes, timeouts, the queue, the platform log lines and the trace. The runtime is
// tests/runtimes/cpp's test-runtime.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <future>
#include <regex>
#include <set>
#include <thread>

#include "integration.hpp"

namespace lambda_emu::testing {
namespace {

const std::regex kUuid("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

// REPORT per section 6.4: TAB-separated, a successful line ends in a TAB.
const std::regex kSuccessReport(
    "REPORT RequestId: ([0-9a-f-]{36})\tDuration: [0-9]+\\.[0-9]{2} ms\tBilled Duration: [0-9]+ "
    "ms\tMemory Size: ([0-9]+) MB\tMax Memory Used: [0-9]+ MB\t(Init Duration: [0-9]+\\.[0-9]{2} "
    "ms\t)?");

std::string request_id_of(const std::string& line) {
  std::smatch m;
  return std::regex_search(line, m, kUuid) ? m.str() : std::string();
}

// The id in a platform error message "RequestId: <id> Error: ...".
std::string id_in_message(const json& body) {
  const std::string message = body.value("errorMessage", "");
  return message.starts_with("RequestId: ") ? request_id_of(message) : std::string();
}

TEST_CASE("lifecycle: a cold start and warm invokes echo every payload byte for byte",
          "[integration][lifecycle][C7][C70][C74]") {
  EmulatorProcess emu(test_runtime("echo", {"--memory", "512"}));

  std::string binary;
  for (int i = 0; i < 256; ++i) {
    binary.push_back(static_cast<char>(i));
  }
  const std::vector<std::string> payloads = {R"({"a":1,"nested":{"list":[1,2,3]}})", binary,
                                             "plain text, not JSON\r\n", "",
                                             std::string(100000, 'z')};
  for (const std::string& payload : payloads) {
    const HttpResult r = invoke(emu, payload);
    INFO("payload of " << payload.size() << " bytes");
    REQUIRE(r.status == 200);
    CHECK(r.body == payload);
    CHECK_FALSE(r.has_header("X-Amz-Function-Error"));
  }

  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait, payloads.size()));
  const std::string out = emu.stdout_text();
  CHECK(lines_starting_with(out, "INIT_START ").size() == 1);
  const auto starts = lines_starting_with(out, "START RequestId: ");
  const auto ends = lines_starting_with(out, "END RequestId: ");
  const auto reports = lines_starting_with(out, "REPORT RequestId: ");
  REQUIRE(starts.size() == payloads.size());
  REQUIRE(ends.size() == payloads.size());
  REQUIRE(reports.size() == payloads.size());
  CHECK(position_of(out, "INIT_START ") < position_of(out, "START RequestId: "));

  std::set<std::string> ids;
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    const std::string id = request_id_of(starts[i]);
    ids.insert(id);
    CHECK(starts[i] == "START RequestId: " + id + " Version: $LATEST");
    CHECK(ends[i] == "END RequestId: " + id);
    std::smatch m;
    INFO(reports[i]);
    REQUIRE(std::regex_match(reports[i], m, kSuccessReport));
    CHECK(m[1] == id);
    CHECK(m[2] == "512");
    // Init Duration only on the first invoke after Init.
    CHECK(m[3].matched == (i == 0));
    // Each invoke's lines come in order: START, END, REPORT.
    CHECK(out.find(starts[i]) < out.find(ends[i]));
    CHECK(out.find(ends[i]) < out.find(reports[i]));
  }
  CHECK(ids.size() == payloads.size());
  CHECK(emu.stop() == 0);
}

TEST_CASE("lifecycle: the function's output appears as [function] lines inside its invoke",
          "[integration][lifecycle][C70]") {
  EmulatorProcess emu(test_runtime("script"));
  const HttpResult r = invoke(emu, R"({"do":"print","lines":["hello one","hello two"]})");
  REQUIRE(r.status == 200);
  CHECK(r.body == "\"printed\"");
  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait));

  const std::string out = emu.stdout_text();
  const std::string start = lines_starting_with(out, "START RequestId: ").at(0);
  const std::string id = request_id_of(start);
  const std::size_t one = position_of(out, "\n[function] hello one\n");
  const std::size_t two = position_of(out, "\n[function] hello two\n");
  REQUIRE(one != std::string::npos);
  REQUIRE(two != std::string::npos);
  CHECK(out.find(start) < one);
  CHECK(one < two);
  CHECK(two < out.find("END RequestId: " + id));
}

TEST_CASE("lifecycle: a runtime exiting in Init fails the invoke with Runtime.ExitError",
          "[integration][lifecycle][C50][C71][C74]") {
  EmulatorProcess emu(test_runtime("crash-init", {}, {"TEST_RUNTIME_EXIT_CODE=1"}));
  const HttpResult r = invoke(emu, "{}");
  REQUIRE(r.status == 502);
  CHECK(r.header("X-Amz-Function-Error").has_value());
  const json body = parse_json(r.body);
  REQUIRE(body.is_object());
  CHECK(body["errorType"] == "Runtime.ExitError");
  const std::string id = id_in_message(body);
  CHECK(body["errorMessage"] ==
        "RequestId: " + id + " Error: Runtime exited with error: exit status 1");
  // The caller sees exactly these two keys, in this order.
  CHECK(r.body == R"({"errorMessage":")" + body["errorMessage"].get<std::string>() +
                      R"(","errorType":"Runtime.ExitError"})");

  REQUIRE(emu.wait_for_stdout("REPORT RequestId: " + id, kWait));
  const std::string out = emu.stdout_text();
  // Init fails, then the invoke retries Init inside itself and fails again (section 6.1).
  const std::string init_report = line_with(out, "INIT_REPORT ", "Phase: init");
  INFO(out);
  CHECK(std::regex_match(init_report,
                         std::regex("INIT_REPORT Init Duration: [0-9]+\\.[0-9]{2} ms\tPhase: "
                                    "init\tStatus: error\tError Type: Runtime.ExitError")));
  const std::string retry_report = line_with(out, "INIT_REPORT ", "Phase: invoke");
  CHECK(retry_report.find("\tStatus: error\tError Type: Runtime.ExitError") != std::string::npos);
  CHECK(position_of(out, init_report) < position_of(out, "START RequestId: " + id));
  CHECK(position_of(out, "START RequestId: " + id) < position_of(out, retry_report));
  CHECK(lines_starting_with(out, "INIT_START ").size() == 2);
  CHECK(line_with(out, "REPORT RequestId: ", id)
            .ends_with("\tStatus: error\tError Type: Runtime.ExitError"));
}

TEST_CASE("lifecycle: the exit code of a runtime dying in Init is in the message",
          "[integration][lifecycle][C50]") {
  SECTION("exit status 7") {
    EmulatorProcess emu(test_runtime("crash-init", {}, {"TEST_RUNTIME_EXIT_CODE=7"}));
    const HttpResult r = invoke(emu, "{}");
    REQUIRE(r.status == 502);
    const json body = parse_json(r.body);
    CHECK(body["errorMessage"] ==
          "RequestId: " + id_in_message(body) + " Error: Runtime exited with error: exit status 7");
  }
  SECTION("exit status 0 gives no reason") {
    EmulatorProcess emu(test_runtime("exit0-init"));
    const HttpResult r = invoke(emu, "{}");
    REQUIRE(r.status == 502);
    const json body = parse_json(r.body);
    CHECK(body["errorType"] == "Runtime.ExitError");
    CHECK(body["errorMessage"] == "RequestId: " + id_in_message(body) +
                                      " Error: Runtime exited without providing a reason");
  }
}

TEST_CASE("lifecycle: a missing bootstrap fails with Runtime.InvalidEntrypoint",
          "[integration][lifecycle][C51][C71]") {
  const std::string task_root = source_path("tests/integration");
  const std::string missing = task_root + "/no-such-bootstrap";
  EmulatorProcess emu({{"--task-root", task_root}, {missing}, {}});
  for (int attempt = 0; attempt < 2; ++attempt) {
    const HttpResult r = invoke(emu, "{}");
    REQUIRE(r.status == 502);
    CHECK(r.header("X-Amz-Function-Error").has_value());
    const json body = parse_json(r.body);
    CHECK(body["errorType"] == "Runtime.InvalidEntrypoint");
    // The path as the sandbox sees it, as Lambda names /var/task/bootstrap.
    CHECK(body["errorMessage"] == "RequestId: " + id_in_message(body) + " Error: fork/exec " +
                                      emu.task_root_seen(task_root) +
                                      "/no-such-bootstrap: no such file or directory");
  }
  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait, 2));
  const std::string out = emu.stdout_text();
  CHECK(line_with(out, "INIT_REPORT ", "Phase: init")
            .ends_with("\tStatus: error\tError Type: Runtime.InvalidEntrypoint"));
  CHECK(emu.stop() == 0);
}

TEST_CASE("lifecycle: a runtime crashing mid-invoke fails that invoke only",
          "[integration][lifecycle][C52][C74]") {
  EmulatorProcess emu(test_runtime("script"));
  REQUIRE(invoke(emu, R"({"warm":1})").status == 200);
  const std::vector<pid_t> first_runtime = emu.child_pids();
  REQUIRE(first_runtime.size() == 1);

  const HttpResult crash = invoke(emu, R"({"do":"crash","code":3})");
  REQUIRE(crash.status == 502);
  CHECK(crash.header("X-Amz-Function-Error").has_value());
  const json body = parse_json(crash.body);
  CHECK(body["errorType"] == "Runtime.ExitError");
  const std::string id = id_in_message(body);
  CHECK(body["errorMessage"] ==
        "RequestId: " + id + " Error: Runtime exited with error: exit status 3");
  CHECK(wait_until([&] { return process_gone(first_runtime[0]); }, kWait));

  // The next invoke re-runs Init inside itself and succeeds.
  const HttpResult next = invoke(emu, R"({"after":"crash"})");
  REQUIRE(next.status == 200);
  CHECK(next.body == R"({"after":"crash"})");
  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait, 3));
  const std::string out = emu.stdout_text();
  CHECK(line_with(out, "REPORT RequestId: ", id)
            .ends_with("\tStatus: error\tError Type: Runtime.ExitError"));
  CHECK(lines_starting_with(out, "INIT_START ").size() == 2);
  const std::string last_start = lines_starting_with(out, "START RequestId: ").back();
  const std::size_t last_init = out.rfind("\nINIT_START ");
  CHECK(out.find(last_start) < last_init);
  CHECK(last_init < out.find("END RequestId: " + request_id_of(last_start)));
}

TEST_CASE("lifecycle: a hanging invoke times out, then the next one re-initializes",
          "[integration][lifecycle][C53][C74]") {
  EmulatorProcess emu(test_runtime("script", {"--timeout", "0.5"}));
  const HttpResult hang = invoke(emu, R"({"do":"hang"})");
  REQUIRE(hang.status == 200);
  CHECK(hang.header("X-Amz-Function-Error") == "Unhandled");
  CHECK(hang.body == "Task timed out after 0.50 seconds");
  const std::vector<pid_t> hung = emu.child_pids();

  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait));
  const std::string report = lines_starting_with(emu.stdout_text(), "REPORT RequestId: ").at(0);
  INFO(report);
  CHECK(report.find("\tDuration: 500.00 ms\tBilled Duration: ") != std::string::npos);
  CHECK(report.ends_with("\tStatus: timeout"));
  // The timed-out runtime is gone (reset), whatever it was doing.
  for (const pid_t pid : hung) {
    CHECK(wait_until([&] { return process_gone(pid); }, kWait));
  }

  const HttpResult next = invoke(emu, R"({"after":"timeout"})");
  REQUIRE(next.status == 200);
  CHECK(next.body == R"({"after":"timeout"})");
  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait, 2));
  CHECK(lines_starting_with(emu.stdout_text(), "INIT_START ").size() == 2);
}

TEST_CASE("lifecycle: /init/error fails the invoke with the posted body and INIT_REPORT",
          "[integration][lifecycle][C20][C71]") {
  EmulatorProcess emu(test_runtime("init-error"));
  const HttpResult r = invoke(emu, "{}");
  REQUIRE(r.status == 502);
  CHECK(r.header("X-Amz-Function-Error").has_value());
  CHECK(r.body == R"({"errorMessage":"init failed","errorType":"Runtime.TestInitError"})");
  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait));
  const std::string out = emu.stdout_text();
  CHECK(std::regex_match(line_with(out, "INIT_REPORT ", "Phase: init"),
                         std::regex("INIT_REPORT Init Duration: [0-9]+\\.[0-9]{2} ms\tPhase: "
                                    "init\tStatus: error\tError Type: Runtime.TestInitError")));
  CHECK(lines_starting_with(out, "REPORT RequestId: ")
            .at(0)
            .ends_with("\tStatus: error\tError Type: Runtime.TestInitError"));
}

TEST_CASE("lifecycle: after /init/error the runtime gets 202, then 403 on /next",
          "[integration][lifecycle][C20][C22]") {
  // test-runtime (_HANDLER=init-error) reports both replies on stderr, which the emulator logs
  // as [function] lines.
  EmulatorProcess emu(test_runtime("init-error", {"--init", "eager"}));
  // test-runtime prints both lines within milliseconds of its calls; 3 s is plenty.
  const bool reported = emu.wait_for_stdout("[function] test-runtime: next after init error", 3s);
  INFO(emu.stdout_text());
  CHECK(reported);
  const std::string out = emu.stdout_text();
  CHECK(out.find("[function] test-runtime: init error status 202\n") != std::string::npos);
  CHECK(out.find("[function] test-runtime: next after init error status 403 "
                 R"({"errorMessage":"State transition from InitError to Ready failed for )"
                 R"(runtime. Error: State transition is not allowed","errorType":")"
                 R"(InvalidStateTransition"})") != std::string::npos);
}

TEST_CASE("lifecycle: an Init slower than --init-timeout times out, the invoke re-runs Init",
          "[integration][lifecycle][C44]") {
  EmulatorProcess emu(test_runtime("slow-init:600", {"--init-timeout", "0.2"}));
  const HttpResult r = invoke(emu, R"({"slow":"init"})");
  REQUIRE(r.status == 200);
  CHECK(r.body == R"({"slow":"init"})");
  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait));
  const std::string out = emu.stdout_text();
  const std::string init_report = line_with(out, "INIT_REPORT ", "Phase: init");
  INFO(out);
  CHECK(std::regex_match(init_report, std::regex("INIT_REPORT Init Duration: [0-9]+\\.[0-9]{2} "
                                                 "ms\tPhase: init\tStatus: timeout.*")));
  CHECK(lines_starting_with(out, "INIT_START ").size() == 2);
  const std::string start = lines_starting_with(out, "START RequestId: ").at(0);
  CHECK(position_of(out, init_report) < position_of(out, start));
  CHECK(position_of(out, start) < out.rfind("\nINIT_START "));
}

TEST_CASE("lifecycle: --init eager runs Init before any invoke", "[integration][lifecycle]") {
  EmulatorProcess emu(test_runtime("echo", {"--init", "eager"}));
  REQUIRE(emu.wait_for_stdout("INIT_START ", kWait));
  // The runtime is up and parked in /next before anyone invoked.
  CHECK(wait_until([&] { return emu.child_pids().size() == 1; }, kWait));
  CHECK(emu.stdout_text().find("START RequestId: ") == std::string::npos);

  const HttpResult r = invoke(emu, R"({"eager":true})");
  REQUIRE(r.status == 200);
  CHECK(r.body == R"({"eager":true})");
  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait));
  const std::string out = emu.stdout_text();
  CHECK(lines_starting_with(out, "INIT_START ").size() == 1);
  const std::string report = lines_starting_with(out, "REPORT RequestId: ").at(0);
  CHECK(report.find("\tInit Duration: ") != std::string::npos);
}

TEST_CASE(
    "lifecycle: concurrent invokes queue for one sandbox, each answered once with its own "
    "payload",
    "[integration][lifecycle][queue]") {
  EmulatorProcess emu(test_runtime("echo", {"--max-concurrency", "1", "--at-limit", "queue"}));
  constexpr int kCallers = 8;
  std::vector<std::future<HttpResult>> calls;
  for (int i = 0; i < kCallers; ++i) {
    calls.push_back(std::async(std::launch::async, [&emu, i] {
      return invoke(emu, R"({"caller":)" + std::to_string(i) + R"(,"pad":")" +
                             std::string(static_cast<std::size_t>(i) * 1000, 'p') + "\"}");
    }));
  }
  for (int i = 0; i < kCallers; ++i) {
    const HttpResult r = calls[static_cast<std::size_t>(i)].get();
    INFO("caller " << i << ": " << r.error);
    REQUIRE(r.status == 200);
    CHECK(r.body == R"({"caller":)" + std::to_string(i) + R"(,"pad":")" +
                        std::string(static_cast<std::size_t>(i) * 1000, 'p') + "\"}");
  }
  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait, kCallers));
  const std::string out = emu.stdout_text();
  const auto starts = lines_starting_with(out, "START RequestId: ");
  REQUIRE(starts.size() == static_cast<std::size_t>(kCallers));
  std::set<std::string> ids;
  for (const std::string& s : starts) {
    ids.insert(request_id_of(s));
  }
  CHECK(ids.size() == static_cast<std::size_t>(kCallers));
  // One invoke at a time: every invoke's END comes before the next START.
  for (std::size_t i = 0; i + 1 < starts.size(); ++i) {
    CHECK(out.find("END RequestId: " + request_id_of(starts[i])) < out.find(starts[i + 1]));
  }
  CHECK(lines_starting_with(out, "REPORT RequestId: ").size() ==
        static_cast<std::size_t>(kCallers));
}

TEST_CASE("lifecycle: --trace writes JSON lines with transitions and API records",
          "[integration][lifecycle][trace]") {
  EmulatorProcess emu(test_runtime("echo", {"--trace", "{tmp}/trace.jsonl"}));
  REQUIRE(invoke(emu, R"({"n":1})").status == 200);
  REQUIRE(invoke(emu, R"({"n":2})").status == 200);
  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait, 2));
  REQUIRE(emu.stop() == 0);

  std::ifstream in(emu.temp_dir() / "trace.jsonl");
  std::string line;
  std::int64_t last_t = -1;
  std::size_t lines = 0;
  std::set<std::string> kinds;
  bool runtime_next = false;
  bool response_202 = false;
  bool invoke_request = false;
  bool report_record = false;
  bool idle_to_initializing = false;
  while (std::getline(in, line)) {
    ++lines;
    const json j = parse_json(line);
    INFO(line);
    REQUIRE(j.is_object());
    REQUIRE(j.contains("t_ns"));
    REQUIRE(j["t_ns"].is_number_integer());
    const std::int64_t t = j["t_ns"].get<std::int64_t>();
    CHECK(t >= last_t);  // monotonic
    last_t = t;
    const std::string kind = j.value("kind", "");
    kinds.insert(kind);
    if (kind == "transition") {
      CHECK(j.contains("actor"));
      idle_to_initializing = idle_to_initializing ||
                             (j.value("from", "") == "Idle" && j.value("to", "") == "Initializing");
    } else if (kind == "request" && j.value("api", "") == "runtime") {
      runtime_next = runtime_next || j.value("path", "") == "/2018-06-01/runtime/invocation/next";
    } else if (kind == "request" && j.value("api", "") == "invoke") {
      invoke_request = true;
    } else if (kind == "response" && j.value("api", "") == "runtime") {
      response_202 = response_202 || j.value("status", 0) == 202;
    } else if (kind == "record") {
      report_record = report_record || j.value("type", "") == "platform.report";
    }
  }
  CHECK(lines > 10);
  CHECK(kinds.count("transition") == 1);
  CHECK(kinds.count("request") == 1);
  CHECK(kinds.count("response") == 1);
  CHECK(idle_to_initializing);
  CHECK(runtime_next);
  CHECK(invoke_request);
  CHECK(response_202);
  CHECK(report_record);
}

TEST_CASE("lifecycle: SIGTERM stops the emulator and its runtime", "[integration][lifecycle]") {
  EmulatorProcess emu(test_runtime("echo"));
  REQUIRE(invoke(emu, "{}").status == 200);
  const std::vector<pid_t> runtime = emu.child_pids();
  REQUIRE(runtime.size() == 1);
  CHECK(emu.stop() == 0);
  CHECK(wait_until([&] { return process_gone(runtime[0]); }, kWait));
}

}  // namespace
}  // namespace lambda_emu::testing

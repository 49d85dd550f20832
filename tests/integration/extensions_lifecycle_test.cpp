// External extensions through the lifecycle (sections 4.1, 6.1-6.3): who waits for whom in
// Init and Invoke, timeouts and crashes, idle spindown and the emulator's own shutdown, with
// real extension processes (tests/extensions/cpp's test-extension and the bash + curl
// extension) launched from an opt dir.
#include <catch2/catch.hpp>

#include <signal.h>

#include <cmath>
#include <future>
#include <map>
#include <regex>

#include "extension_layer.hpp"

namespace lambda_emu::testing {
namespace {

std::int64_t epoch_ns_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The epoch-ns timestamps a bootstrap wrapper appended with `date +%s%N`.
std::vector<std::int64_t> timestamps(const std::filesystem::path& file) {
  std::vector<std::int64_t> out;
  std::istringstream in(read_file(file));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) {
      out.push_back(std::stoll(line));
    }
  }
  return out;
}

// A bootstrap that notes its start time in {tmp}/runtime-start, then becomes test-runtime.
std::vector<std::string> timed_runtime() {
  return {"/bin/sh", "-c",
          "date +%s%N >> {tmp}/runtime-start; exec " + shell_quote(bin_path("test-runtime"))};
}

// A bootstrap that notes a SIGTERM (with its time) in {tmp}/runtime-term: test-runtime runs
// under a shell that traps the signal, so a SIGKILL leaves the file absent.
std::vector<std::string> term_noting_runtime() {
  return {"/bin/sh", "-c",
          "trap 'date +%s%N >> {tmp}/runtime-term; kill $child 2>/dev/null; exit 0' TERM; " +
              shell_quote(bin_path("test-runtime")) + " & child=$!; wait $child"};
}

TEST_CASE("extensions lifecycle: the runtime starts after every external extension registered",
          "[integration][extensions-lifecycle][C39]") {
  ExtensionLayer layer;
  layer.add("late-registrar", "fast", {"--register-delay", "400"});
  layer.add("prompt");
  EmulatorProcess emu({{"--opt-dir", layer.dir(), "--handler", "echo"}, timed_runtime(), {}});
  const HttpResult r = invoke(emu, R"({"c":39})");
  INFO(logs_of(emu));
  REQUIRE(r.status == 200);
  CHECK(r.body == R"({"c":39})");

  const std::vector<std::int64_t> started = timestamps(emu.temp_dir() / "runtime-start");
  REQUIRE(started.size() == 1);
  for (const std::string name : {"late-registrar", "prompt"}) {
    const std::vector<json> reg = layer.records(name, "register");
    REQUIRE(reg.size() == 1);
    INFO(name << " sent register at " << reg[0]["sent_epoch_ns"] << ", runtime started at "
              << started[0]);
    CHECK(reg[0]["status"] == 200);
    CHECK(reg[0]["sent_epoch_ns"].get<std::int64_t>() < started[0]);
  }
  // Their output is in the log stream, prefixed with their names.
  CHECK(emu.stdout_text().find("\n[extension:late-registrar] test-extension late-registrar: "
                               "registered as ") != std::string::npos);
}

TEST_CASE(
    "extensions lifecycle: no event reaches the runtime before every extension's first "
    "/event/next",
    "[integration][extensions-lifecycle][C40]") {
  ExtensionLayer layer;
  layer.add("slow-init-ext", "fast", {"--init-delay", "400"});
  layer.add("quick-ext");
  EmulatorProcess emu(test_runtime("echo", {"--opt-dir", layer.dir()}));
  const HttpResult r = invoke(emu, R"({"c":40})");
  const std::int64_t answered = epoch_ns_now();
  INFO(logs_of(emu));
  REQUIRE(r.status == 200);
  const std::vector<json> ready = layer.records("slow-init-ext", "ready");
  REQUIRE(ready.size() == 1);
  // The runtime answered after (and so got the event after) the slow extension's first next.
  CHECK(ready[0]["epoch_ns"].get<std::int64_t>() < answered);
  REQUIRE(layer.wait_for_event("slow-init-ext", "INVOKE"));
  REQUIRE(layer.wait_for_event("quick-ext", "INVOKE"));
  REQUIRE(emu.wait_for_stdout("START RequestId: ", kWait));
  const std::string start = lines_starting_with(emu.stdout_text(), "START RequestId: ").at(0);
  CHECK(layer.events("slow-init-ext", "INVOKE").at(0)["requestId"] == request_id_in(start));
  // Init ended with both extensions Ready, logged before the invoke's START.
  const std::string out = emu.stdout_text();
  const std::size_t ext_line =
      out.find("EXTENSION\tName: slow-init-ext\tState: Ready\tEvents: [INVOKE, SHUTDOWN]");
  CHECK(ext_line != std::string::npos);
  CHECK(ext_line < out.find(start));
}

TEST_CASE(
    "extensions lifecycle: the caller is answered while an extension still works, the "
    "work counts in Duration and delays the next invoke",
    "[integration][extensions-lifecycle][C42]") {
  ExtensionLayer layer;
  layer.add("post-worker", "slow-post:300");
  EmulatorProcess emu(
      test_runtime("echo", {"--opt-dir", layer.dir(), "--trace", "{tmp}/trace.jsonl"}));
  const HttpResult first = invoke(emu, R"({"n":1})");
  const std::int64_t first_answered = epoch_ns_now();
  const HttpResult second = invoke(emu, R"({"n":2})");
  INFO(logs_of(emu));
  REQUIRE(first.status == 200);
  REQUIRE(second.status == 200);
  CHECK(first.body == R"({"n":1})");
  CHECK(second.body == R"({"n":2})");

  REQUIRE(layer.wait_for("post-worker", "work_done", 2));
  const std::vector<json> done = layer.records("post-worker", "work_done");
  const std::vector<json> invokes = layer.events("post-worker", "INVOKE");
  REQUIRE(invokes.size() == 2);
  // The first caller had its answer before the extension finished its post-invoke work...
  CHECK(first_answered < done[0]["epoch_ns"].get<std::int64_t>());
  // ...and the second invoke reached the extension only after that work.
  const std::vector<json> events = layer.records("post-worker", "event");
  CHECK(done[0]["epoch_ns"].get<std::int64_t>() < events.at(1)["epoch_ns"].get<std::int64_t>());
  CHECK(done[0]["requestId"] == invokes[0]["requestId"]);

  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait, 2));
  const std::string out = emu.stdout_text();
  const auto reports = lines_starting_with(out, "REPORT RequestId: ");
  for (std::size_t i = 0; i < 2; ++i) {
    INFO(reports[i]);
    // Duration runs until the extension's next /event/next: at least its 300 ms of work.
    CHECK(report_duration(reports[i]) >= 300.0);
  }
  const std::string second_id = invokes[1]["requestId"];
  CHECK(out.find("END RequestId: " + invokes[0]["requestId"].get<std::string>()) <
        out.find("START RequestId: " + second_id));

  // The trace's platform.report carries the extension's share (rapid's extensionOverhead).
  REQUIRE(emu.stop() == 0);
  bool overhead_seen = false;
  for (const json& line : read_json_lines(emu.temp_dir() / "trace.jsonl")) {
    if (line.value("kind", "") == "record" && line.value("type", "") == "platform.report") {
      INFO(line.dump());
      overhead_seen = overhead_seen || line.dump().find("xtension") != std::string::npos;
    }
  }
  CHECK(overhead_seen);
}

TEST_CASE("extensions lifecycle: an extension that never calls next again times the invoke out",
          "[integration][extensions-lifecycle][C43]") {
  ExtensionLayer layer;
  layer.add("stuck", "never-next");
  layer.add("observer");
  EmulatorProcess emu(test_runtime("echo", {"--opt-dir", layer.dir(), "--timeout", "1"}));
  const HttpResult r = invoke(emu, R"({"c":43})");
  INFO(logs_of(emu));
  // The runtime answered in time: the caller has the response.
  REQUIRE(r.status == 200);
  CHECK(r.body == R"({"c":43})");
  const std::optional<pid_t> stuck = layer.pid("stuck");
  REQUIRE(stuck.has_value());

  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait));
  const std::string report = lines_starting_with(emu.stdout_text(), "REPORT RequestId: ").at(0);
  INFO(report);
  CHECK(report.find("\tDuration: 1000.00 ms\t") != std::string::npos);
  CHECK(report.ends_with("\tStatus: timeout"));
  // The reset that follows is a shutdown with reason timeout.
  REQUIRE(layer.wait_for_event("observer", "SHUTDOWN"));
  CHECK(layer.events("observer", "SHUTDOWN").at(0)["shutdownReason"] == "timeout");
  CHECK(wait_until([&] { return process_gone(*stuck); }, kWait));

  const HttpResult next = invoke(emu, R"({"after":"timeout"})");
  CHECK(next.status == 200);
  CHECK(emu.wait_for_stdout("INIT_START ", kWait, 2));
  CHECK(layer.records("stuck", "start").size() == 2);
}

TEST_CASE("extensions lifecycle: an extension that never registers times Init out",
          "[integration][extensions-lifecycle][C44]") {
  ExtensionLayer layer;
  layer.add("silent", "no-register");
  EmulatorProcess emu(
      test_runtime("echo", {"--opt-dir", layer.dir(), "--init-timeout", "0.3", "--timeout", "1"}));
  const HttpResult r = invoke(emu, "{}");
  INFO(r.body);
  INFO(logs_of(emu));
  // Init timed out twice (the retry inside the invoke too): the caller gets an error.
  CHECK(r.status != 0);
  CHECK(r.header("X-Amz-Function-Error").has_value());
  REQUIRE(emu.wait_for_stdout("INIT_REPORT ", kWait));
  const std::string out = emu.stdout_text();
  CHECK(std::regex_match(line_with(out, "INIT_REPORT ", "Phase: init"),
                         std::regex("INIT_REPORT Init Duration: [0-9]+\\.[0-9]{2} ms\tPhase: "
                                    "init\tStatus: timeout.*")));
  // The runtime never started (it waits for every extension to register) and the extension
  // processes were stopped.
  CHECK(out.find("[function] ") == std::string::npos);
  for (const json& start : layer.records("silent", "start")) {
    const auto pid = static_cast<pid_t>(start.value("pid", 0));
    CHECK(wait_until([&] { return process_gone(pid); }, kWait));
  }
}

TEST_CASE("extensions lifecycle: an extension crashing mid-invoke fails it with Extension.Crash",
          "[integration][extensions-lifecycle][C48]") {
  ExtensionLayer layer;
  layer.add("crasher", "crash-invoke");
  layer.add("survivor");
  EmulatorProcess emu(test_runtime("script", {"--opt-dir", layer.dir()}));
  // The runtime is slower than the crash, even on a loaded machine (the crash ends the invoke).
  const HttpResult r = invoke(emu, R"({"do":"sleep","ms":5000})");
  INFO(r.body);
  INFO(logs_of(emu));
  CHECK(r.header("X-Amz-Function-Error").has_value());
  CHECK(parse_json(r.body).value("errorType", "") == "Extension.Crash");
  REQUIRE(layer.wait_for_event("survivor", "SHUTDOWN"));
  CHECK(layer.events("survivor", "SHUTDOWN").at(0)["shutdownReason"] == "failure");
  CHECK(layer.exit_code("crasher") == 1);
  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait));
  CHECK(lines_starting_with(emu.stdout_text(), "REPORT RequestId: ")
            .at(0)
            .ends_with("\tStatus: error\tError Type: Extension.Crash"));

  const HttpResult next = invoke(emu, R"({"do":"echo"})");
  CHECK(next.status == 200);
  CHECK(emu.wait_for_stdout("INIT_START ", kWait, 2));
}

TEST_CASE("extensions lifecycle: idle spindown sends SHUTDOWN to subscribed extensions only",
          "[integration][extensions-lifecycle][C54][C56][C57]") {
  ExtensionLayer layer;
  layer.add("subscriber");
  layer.add("invoke-only", "fast", {"--events", "INVOKE"});
  EmulatorProcess emu({{"--opt-dir", layer.dir(), "--handler", "echo", "--idle-shutdown", "0.5"},
                       term_noting_runtime(),
                       {}});
  REQUIRE(invoke(emu, R"({"n":1})").status == 200);
  const std::vector<pid_t> runtime = emu.child_pids();
  const std::optional<pid_t> invoke_only = layer.pid("invoke-only");
  REQUIRE(invoke_only.has_value());

  REQUIRE(layer.wait_for_event("subscriber", "SHUTDOWN"));
  const std::vector<json> shutdown_records = layer.records("subscriber", "event");
  const json& shutdown_record = shutdown_records.back();
  const json& shutdown = shutdown_record["body"];
  INFO(shutdown_record.dump());
  CHECK(shutdown["eventType"] == "SHUTDOWN");
  CHECK(shutdown["shutdownReason"] == "spindown");
  REQUIRE(shutdown["deadlineMs"].is_number_integer());
  CHECK(shutdown.size() == 3);
  // The deadline is at most the 2 s budget after the shutdown began (section 6.3).
  const std::int64_t received_ms = shutdown_record["epoch_ns"].get<std::int64_t>() / 1000000;
  CHECK(shutdown["deadlineMs"].get<std::int64_t>() > received_ms);
  CHECK(shutdown["deadlineMs"].get<std::int64_t>() <= received_ms + 2000);
  CHECK(wait_until([&] { return layer.exit_code("subscriber") == 0; }, kWait));

  // The runtime got SIGTERM first (there are external extensions), before SHUTDOWN went out.
  const std::vector<std::int64_t> term = timestamps(emu.temp_dir() / "runtime-term");
  REQUIRE(term.size() == 1);
  CHECK(term[0] <= shutdown_record["epoch_ns"].get<std::int64_t>());
  // Not subscribed: killed, never told.
  CHECK(wait_until([&] { return process_gone(*invoke_only); }, kWait));
  CHECK(layer.events("invoke-only", "SHUTDOWN").empty());
  CHECK_FALSE(layer.exit_code("invoke-only").has_value());
  for (const pid_t pid : runtime) {
    CHECK(wait_until([&] { return process_gone(pid); }, kWait));
  }

  // The next invoke is a cold start with fresh extension processes.
  REQUIRE(invoke(emu, R"({"n":2})").status == 200);
  CHECK(lines_starting_with(emu.stdout_text(), "INIT_START ").size() == 2);
  CHECK(layer.records("subscriber", "start").size() == 2);
  CHECK(layer.records("invoke-only", "start").size() == 2);
}

TEST_CASE("extensions lifecycle: without extensions the runtime is killed with no SIGTERM",
          "[integration][extensions-lifecycle][C55]") {
  EmulatorProcess emu({{"--handler", "echo", "--idle-shutdown", "0.3"}, term_noting_runtime(), {}});
  REQUIRE(invoke(emu, "{}").status == 200);
  const std::vector<pid_t> runtime = emu.child_pids();
  REQUIRE(runtime.size() == 1);
  REQUIRE(wait_until([&] { return process_gone(runtime[0]); }, kWait));
  CHECK_FALSE(std::filesystem::exists(emu.temp_dir() / "runtime-term"));
  // Spun down, not broken: the next invoke starts a new environment.
  REQUIRE(invoke(emu, R"({"again":true})").status == 200);
  CHECK(lines_starting_with(emu.stdout_text(), "INIT_START ").size() == 2);
}

TEST_CASE(
    "extensions lifecycle: SIGTERM to the emulator shuts down with reason spindown and "
    "leaves nothing running",
    "[integration][extensions-lifecycle][C56][C57]") {
  ExtensionLayer layer;
  layer.add("graceful");
  layer.add("stubborn", "hang-shutdown");
  layer.add("deaf", "fast", {"--events", "INVOKE"});
  layer.add("looper", "next-after-shutdown");
  EmulatorProcess emu(test_runtime("echo", {"--opt-dir", layer.dir()}));
  REQUIRE(invoke(emu, "{}").status == 200);

  std::vector<pid_t> pids = emu.child_pids();
  std::map<std::string, pid_t> ext;
  for (const std::string name : {"graceful", "stubborn", "deaf", "looper"}) {
    const std::optional<pid_t> pid = layer.pid(name);
    REQUIRE(pid.has_value());
    ext[name] = *pid;
    pids.push_back(*pid);
  }

  auto stopped = std::async(std::launch::async, [&emu] { return emu.stop(15s); });
  // Not subscribed to SHUTDOWN: killed at once, while the stubborn one still has its budget.
  REQUIRE(wait_until([&] { return process_gone(ext["deaf"]); }, kWait));
  CHECK_FALSE(process_gone(ext["stubborn"]));
  REQUIRE(layer.wait_for_event("stubborn", "SHUTDOWN"));
  const json shutdown = layer.events("stubborn", "SHUTDOWN").at(0);
  CHECK(shutdown["shutdownReason"] == "spindown");
  const std::int64_t deadline = shutdown["deadlineMs"].get<std::int64_t>();
  // The stubborn extension lives until the deadline, then is killed.
  REQUIRE(wait_until([&] { return process_gone(ext["stubborn"]); }, 10s));
  const std::int64_t gone_ms = epoch_ms_now();
  CHECK(gone_ms >= deadline - 2);

  const int code = stopped.get();
  INFO(logs_of(emu));
  CHECK(code == 0);
  for (const pid_t pid : pids) {
    INFO("pid " << pid);
    CHECK(process_gone(pid));
  }
  for (const std::string name : {"graceful", "stubborn", "looper"}) {
    INFO(name);
    const std::vector<json> shutdowns = layer.events(name, "SHUTDOWN");
    REQUIRE(shutdowns.size() == 1);
    CHECK(shutdowns[0]["shutdownReason"] == "spindown");
    CHECK(shutdowns[0]["deadlineMs"] == deadline);
  }
  CHECK(layer.exit_code("graceful") == 0);
  CHECK_FALSE(layer.exit_code("stubborn").has_value());
  CHECK(layer.events("deaf", "SHUTDOWN").empty());
}

TEST_CASE("extensions lifecycle: a bash + curl extension sees every invoke and the shutdown",
          "[integration][extensions-lifecycle][bash]") {
  ExtensionLayer layer;
  layer.add_copy("bash-ext", source_path("tests/extensions/bash/extension"));
  EmulatorProcess emu(test_runtime(
      "echo", {"--opt-dir", layer.dir(), "--env", "TEST_EXT_RECORD={tmp}/bash-ext.jsonl"}));
  REQUIRE(invoke(emu, R"({"n":1})").status == 200);
  REQUIRE(invoke(emu, R"({"n":2})").status == 200);
  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait, 2));
  const std::filesystem::path record = emu.temp_dir() / "bash-ext.jsonl";
  REQUIRE(wait_until([&] { return read_json_lines(record).size() >= 2; }, kWait));
  CHECK(emu.stop() == 0);

  const std::string out = emu.stdout_text();
  INFO(out);
  CHECK(out.find("EXTENSION\tName: bash-ext\tState: Ready\tEvents: [INVOKE, SHUTDOWN]\n") !=
        std::string::npos);
  CHECK(out.find("\n[extension:bash-ext] [bash-ext] Registering\n") != std::string::npos);
  const std::vector<json> events = read_json_lines(record);
  REQUIRE(events.size() == 3);
  const auto starts = lines_starting_with(out, "START RequestId: ");
  REQUIRE(starts.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(events[i]["eventType"] == "INVOKE");
    CHECK(events[i]["requestId"] == request_id_in(starts[i]));
  }
  CHECK(events[2]["eventType"] == "SHUTDOWN");
  CHECK(events[2]["shutdownReason"] == "spindown");
}

TEST_CASE("extensions lifecycle: ten extensions are allowed, eleven fail Init",
          "[integration][extensions-lifecycle][C35]") {
  ExtensionLayer layer;
  for (int i = 0; i < 10; ++i) {
    layer.add("ext-" + std::to_string(i));
  }
  SECTION("ten") {
    EmulatorProcess emu(test_runtime("echo", {"--opt-dir", layer.dir()}));
    const HttpResult r = invoke(emu, "{}");
    INFO(logs_of(emu));
    REQUIRE(r.status == 200);
    CHECK(lines_starting_with(emu.stdout_text(), "EXTENSION\tName: ext-").size() == 10);
  }
  SECTION("eleven") {
    layer.add("ext-10");
    EmulatorProcess emu(test_runtime("echo", {"--opt-dir", layer.dir()}));
    const HttpResult r = invoke(emu, "{}");
    INFO(r.body);
    INFO(logs_of(emu));
    CHECK(r.header("X-Amz-Function-Error").has_value());
    REQUIRE(emu.wait_for_stdout("INIT_REPORT ", kWait));
    CHECK(std::regex_search(
        line_with(emu.stdout_text(), "INIT_REPORT ", "Phase: init"),
        std::regex("\tStatus: error\tError Type: Extension\\.(LaunchError|TooManyExtensions)$")));
    CHECK(emu.stdout_text().find("EXTENSION\tName: ") == std::string::npos);
  }
}

}  // namespace
}  // namespace lambda_emu::testing

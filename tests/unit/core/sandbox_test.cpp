#include "lambda_emu/core/sandbox.hpp"

#include <catch2/catch.hpp>

#include "sandbox_harness.hpp"

using namespace lambda_emu;
using namespace lambda_emu::core;
using namespace std::chrono_literals;
using test::SandboxHarness;

namespace {

std::string transition_message(std::string_view from, std::string_view to) {
  return "State transition from " + std::string(from) + " to " + std::string(to) +
         " failed for runtime. Error: State transition is not allowed";
}

}  // namespace

TEST_CASE("sandbox: a lazy cold start runs Init on the first invoke, then delivers it",
          "[core][lifecycle][C1][C7]") {
  SandboxHarness h;
  auto r = h.invoke("a", "{\"k\":1}");
  REQUIRE(SandboxHarness::spawns_runtime(r));
  REQUIRE(h.box.phase() == SandboxPhase::initializing);
  REQUIRE(h.records<InitStartRecord>().at(0).phase == InitPhase::init);

  h.clock.advance(120ms);
  r = h.next();
  REQUIRE(SandboxHarness::has_delivery(r, "a"));
  REQUIRE(h.box.runtime_state() == RuntimeState::running);
  auto delivered = h.all<DeliverInvoke>().at(0);
  REQUIRE(delivered.invoke->payload == "{\"k\":1}");
  // C3: the deadline is the invoke's start plus the function timeout.
  REQUIRE(delivered.deadline == h.clock.wall_now() + 3s);

  h.clock.advance(5ms);
  r = h.respond("a", "result");
  REQUIRE_FALSE(r.refusal);
  REQUIRE(h.outcomes().size() == 1);
  REQUIRE(h.outcomes()[0].outcome.kind == Outcome::Kind::success);
  REQUIRE(h.outcomes()[0].outcome.body == "result");

  h.clock.advance(1ms);
  h.next();
  auto report = h.records<ReportRecord>().at(0);
  REQUIRE(report.request_id == "a");
  REQUIRE(report.status == Status::success);
  REQUIRE(report.duration == 6ms);
  REQUIRE(report.init_duration == Duration(120ms));
  REQUIRE(report.billed_duration_ms == 126);  // init is billed with the first invoke (6.5)
  REQUIRE(report.memory_size_mb == 128);
  REQUIRE(report.max_memory_used_mb == 42);
  auto done = h.records<RuntimeDoneRecord>().at(0);
  REQUIRE(done.produced_bytes == 6);
  REQUIRE(done.response_latency->duration == 5ms);
  REQUIRE(h.box.phase() == SandboxPhase::ready);
  REQUIRE(h.box.open_invokes() == 0);
}

TEST_CASE("sandbox: Init Duration appears only on the first invoke after Init",
          "[core][lifecycle][C67]") {
  SandboxHarness h;
  h.warm_up();
  h.invoke("b");
  h.respond("b");
  h.next();
  auto reports = h.records<ReportRecord>();
  REQUIRE(reports.size() == 2);
  REQUIRE(reports[0].init_duration);
  REQUIRE_FALSE(reports[1].init_duration);
}

TEST_CASE("sandbox: eager init starts the runtime before any invoke", "[core][lifecycle]") {
  SandboxHarness h;
  auto r = h.send(InitRequested{});
  REQUIRE(SandboxHarness::spawns_runtime(r));
  h.next();
  REQUIRE(h.box.phase() == SandboxPhase::ready);
  r = h.invoke("a");
  REQUIRE(SandboxHarness::has_delivery(r, "a"));
}

TEST_CASE("sandbox: invokes that arrive while busy wait their turn, each answered once",
          "[core][lifecycle]") {
  SandboxHarness h;
  h.warm_up();
  h.invoke("a");
  h.invoke("b");
  h.invoke("c");
  REQUIRE(h.box.open_invokes() == 3);
  h.respond("a");
  auto r = h.next();
  REQUIRE(SandboxHarness::has_delivery(r, "b"));
  h.respond("b");
  r = h.next();
  REQUIRE(SandboxHarness::has_delivery(r, "c"));
  h.respond("c");
  h.next();
  std::vector<std::string> ids;
  for (auto& o : h.outcomes()) {
    ids.push_back(o.request_id);
  }
  REQUIRE(ids == std::vector<std::string>{"warm", "a", "b", "c"});
  REQUIRE(h.box.open_invokes() == 0);
}

TEST_CASE("runtime: /next with nothing pending stays parked", "[core][runtime][C2]") {
  SandboxHarness h;
  h.warm_up();
  h.clock.advance(1h);
  REQUIRE(h.box.runtime_state() == RuntimeState::ready);
  auto r = h.next();  // a second long poll beside the parked one
  REQUIRE_FALSE(r.refusal);
  REQUIRE(r.actions.empty());
}

TEST_CASE("runtime: /response and /error are checked for the request id first",
          "[core][runtime][C8][C9]") {
  SandboxHarness h;
  SECTION("before the first /next there is no current id (C9)") {
    h.invoke("a");
    auto r = h.respond("a");
    REQUIRE(r.refusal->code == errc::invalid_request_id);
    REQUIRE(r.refusal->message == "Invalid request ID");
  }
  SECTION("an unknown id is 400 whatever the state (C8)") {
    h.warm_up();
    h.invoke("a");
    REQUIRE(h.respond("nope").refusal->code == errc::invalid_request_id);
    REQUIRE(h.error("nope").refusal->code == errc::invalid_request_id);
    REQUIRE(h.outcomes().size() == 1);  // only the warm-up
  }
}

TEST_CASE("runtime: the state table of section 2.1", "[core][runtime][C10][C11][C21][C22]") {
  SandboxHarness h;
  SECTION("Started: /response and /error are refused, /init/error accepted") {
    h.invoke("a");
    REQUIRE(h.box.runtime_state() == RuntimeState::started);
    auto r = h.send(RuntimeInitError{"Runtime.Bad", "{}", ""});
    REQUIRE_FALSE(r.refusal);
    REQUIRE(h.box.runtime_state() == RuntimeState::init_error);
  }
  SECTION("Running: /init/error is refused") {
    h.warm_up();
    h.invoke("a");
    auto r = h.send(RuntimeInitError{"Runtime.Bad", "{}", ""});
    REQUIRE(r.refusal->code == errc::invalid_state_transition);
    REQUIRE(r.refusal->message == transition_message("Running", "InitError"));
  }
  SECTION("RuntimeResponseSentState: a second /response is refused (C10)") {
    h.warm_up();
    h.invoke("a");
    h.respond("a");
    auto r = h.respond("a", "again");
    REQUIRE(r.refusal->code == errc::invalid_state_transition);
    REQUIRE(r.refusal->message ==
            transition_message("RuntimeResponseSentState", "InvocationResponse"));
    REQUIRE(h.outcomes().size() == 2);
  }
  SECTION("RuntimeResponseSentState: /error after /response is refused (C11)") {
    h.warm_up();
    h.invoke("a");
    h.respond("a");
    auto r = h.error("a");
    REQUIRE(r.refusal->message ==
            transition_message("RuntimeResponseSentState", "InvocationErrorResponse"));
  }
  SECTION("Ready: a late /response for the last id is refused") {
    h.warm_up();
    auto r = h.respond("warm");
    REQUIRE(r.refusal->code == errc::invalid_state_transition);
    REQUIRE(r.refusal->message == transition_message("Ready", "InvocationResponse"));
  }
  SECTION("Ready: /init/error is refused") {
    h.warm_up();
    REQUIRE(h.send(RuntimeInitError{"x", "", ""}).refusal->message ==
            transition_message("Ready", "InitError"));
  }
  SECTION("InitError: every call is refused (C22)") {
    h.invoke("a");
    h.send(RuntimeInitError{"Runtime.Bad", "{}", ""});
    REQUIRE(h.next().refusal->message == transition_message("InitError", "Ready"));
    REQUIRE(h.send(RuntimeInitError{"x", "", ""}).refusal->code == errc::invalid_state_transition);
  }
}

TEST_CASE("runtime: /next while Running re-sends the same event", "[core][runtime][C19]") {
  SandboxHarness h;
  h.warm_up();
  h.invoke("a", "payload");
  auto r = h.next();
  REQUIRE_FALSE(r.refusal);
  REQUIRE(SandboxHarness::has_delivery(r, "a"));
  REQUIRE(h.all<DeliverInvoke>().back().invoke->payload == "payload");
}

TEST_CASE("runtime: the buffered response limit is 6,291,556 bytes", "[core][runtime][C12][C13]") {
  SandboxHarness h;
  h.warm_up();
  SECTION("exactly the limit is accepted") {
    h.invoke("a");
    auto r = h.respond("a", std::string(6'291'556, 'x'));
    REQUIRE_FALSE(r.refusal);
    REQUIRE(h.outcomes().back().outcome.kind == Outcome::Kind::success);
  }
  SECTION("one byte more is 413, the caller gets Function.ResponseSizeTooLarge, /next is allowed") {
    h.invoke("a");
    RuntimeResponse big;
    big.request_id = "a";
    big.size = 6'291'557;
    auto r = h.send(std::move(big));
    REQUIRE(r.refusal->code == errc::payload_too_large);
    REQUIRE(r.refusal->message == "Exceeded maximum allowed payload size (6291556 bytes).");
    const Outcome o = h.outcomes().back().outcome;
    REQUIRE(o.error_type == "Function.ResponseSizeTooLarge");
    REQUIRE(o.error_message ==
            "Response payload size (6291557 bytes) exceeded maximum allowed payload size "
            "(6291556 bytes).");
    REQUIRE_FALSE(h.next().refusal);
    REQUIRE(h.records<ReportRecord>().back().error_type == "Function.ResponseSizeTooLarge");
  }
}

TEST_CASE("runtime: an invalid response mode fails the invoke", "[core][runtime][C14]") {
  SandboxHarness h;
  h.warm_up();
  h.invoke("a");
  RuntimeResponse bad;
  bad.request_id = "a";
  bad.mode = ResponseMode::invalid;
  auto r = h.send(std::move(bad));
  REQUIRE(r.refusal->code == errc::invalid_response_mode);
  REQUIRE(h.outcomes().back().outcome.error_type == "Runtime.InvalidResponseModeHeader");
  // The runtime gets to read its 400 before the reset kills it.
  REQUIRE_FALSE(SandboxHarness::kills_runtime(r));
  REQUIRE(h.next().refusal);
  h.advance(200ms);
  REQUIRE(h.runtime_kills() == 1);
}

TEST_CASE("runtime: /error passes the body through and reports a sanitized type",
          "[core][runtime][C15][C16]") {
  auto reported = [](std::string header) {
    SandboxHarness h;
    h.warm_up();
    h.invoke("a");
    h.error("a", std::move(header));
    const Outcome o = h.outcomes().back().outcome;
    REQUIRE(o.kind == Outcome::Kind::function_error);
    REQUIRE(o.body == "{\"errorMessage\":\"x\"}");
    h.next();
    REQUIRE(h.records<ReportRecord>().back().status == Status::error);
    return h.records<ReportRecord>().back().error_type;
  };
  REQUIRE(reported("Runtime.Foo") == "Runtime.Foo");
  REQUIRE(reported("Unhandled") == "Runtime.Unknown");
  REQUIRE(reported("") == "Runtime.Unknown");
  REQUIRE(reported("Function.bad") == "Function.Unknown");
}

TEST_CASE("init: /init/error fails Init and the caller gets the posted body",
          "[core][lifecycle][C20]") {
  SandboxHarness h;
  h.invoke("a");
  h.clock.advance(30ms);
  auto r = h.send(RuntimeInitError{"Runtime.ImportModuleError", "{\"errorMessage\":\"boom\"}",
                                   "application/json"});
  REQUIRE_FALSE(r.refusal);
  REQUIRE_FALSE(SandboxHarness::kills_runtime(r));  // it may read its 202 and exit itself
  auto report = h.records<InitReportRecord>().at(0);
  REQUIRE(report.status == Status::error);
  REQUIRE(report.error_type == "Runtime.ImportModuleError");
  REQUIRE(report.phase == InitPhase::init);
  REQUIRE(report.duration == 30ms);
  REQUIRE(h.outcomes().empty());  // the first invoke re-runs init inside itself first

  r = h.exit(0, false);
  REQUIRE(SandboxHarness::spawns_runtime(r));
  REQUIRE(h.records<InitStartRecord>().back().phase == InitPhase::invoke);
  REQUIRE(h.records<StartRecord>().at(0).request_id == "a");
  h.send(RuntimeInitError{"Runtime.ImportModuleError", "{\"errorMessage\":\"boom\"}",
                          "application/json"});
  REQUIRE(h.outcomes().size() == 1);
  REQUIRE(h.outcomes()[0].outcome.kind == Outcome::Kind::function_error);
  REQUIRE(h.outcomes()[0].outcome.body == "{\"errorMessage\":\"boom\"}");
  REQUIRE(h.outcomes()[0].outcome.init_failure);
  REQUIRE(h.records<ReportRecord>().at(0).status == Status::error);
  REQUIRE(h.records<ReportRecord>().at(0).error_type == "Runtime.ImportModuleError");
}

TEST_CASE("init: a runtime that exits during Init fails with Runtime.ExitError",
          "[core][lifecycle][C50]") {
  SandboxHarness h;
  h.invoke("a");
  h.exit(1);
  REQUIRE(h.records<InitReportRecord>().at(0).error_type == "Runtime.ExitError");
  REQUIRE(h.records<InitStartRecord>().size() == 2);  // suppressed init inside the invoke
  h.exit(0);
  const Outcome o = h.outcomes().at(0).outcome;
  REQUIRE(o.error_type == "Runtime.ExitError");
  REQUIRE(o.error_message == "RequestId: a Error: Runtime exited without providing a reason");
  REQUIRE(o.body ==
          "{\"errorMessage\":\"RequestId: a Error: Runtime exited without providing a "
          "reason\",\"errorType\":\"Runtime.ExitError\"}");

  SandboxHarness k;
  k.invoke("b");
  k.exit(1);
  k.exit(9, true);
  REQUIRE(k.outcomes().at(0).outcome.error_message ==
          "RequestId: b Error: Runtime exited with error: signal: killed");
  SandboxHarness e;
  e.invoke("c");
  e.exit(2);
  e.exit(2);
  REQUIRE(e.outcomes().at(0).outcome.error_message ==
          "RequestId: c Error: Runtime exited with error: exit status 2");
}

TEST_CASE("invoke: a runtime killed past its memory size fails with Runtime.OutOfMemory",
          "[core][lifecycle][memory]") {
  SandboxHarness h;
  h.invoke("a");
  h.next();
  h.send(ProcessExited{ProcessRef::runtime(h.generation()),
                       ExitStatus{.signaled = true, .code = 9, .out_of_memory = true}});
  const Outcome o = h.outcomes().at(0).outcome;
  REQUIRE(o.error_type == "Runtime.OutOfMemory");
  REQUIRE(o.error_message == "RequestId: a Error: Runtime exited with error: signal: killed");
  REQUIRE(h.records<ReportRecord>().at(0).error_type == "Runtime.OutOfMemory");
  // The environment is reset; the next invoke initializes again, inside itself.
  REQUIRE(SandboxHarness::spawns_runtime(h.invoke("b")));
  REQUIRE(h.records<InitStartRecord>().size() == 2);
}

TEST_CASE("init: a bootstrap that cannot be executed is Runtime.InvalidEntrypoint",
          "[core][lifecycle][C51]") {
  SandboxHarness h;
  h.invoke("a");
  const std::string msg = "fork/exec /var/task/bootstrap: no such file or directory";
  h.send(LaunchFailed{ProcessRef::runtime(h.generation()), msg});
  h.send(LaunchFailed{ProcessRef::runtime(h.generation()), msg});
  REQUIRE(h.outcomes().size() == 1);
  REQUIRE(h.outcomes()[0].outcome.error_type == "Runtime.InvalidEntrypoint");
  REQUIRE(h.outcomes()[0].outcome.error_message == "RequestId: a Error: " + msg);
  REQUIRE(h.box.phase() == SandboxPhase::idle);
}

TEST_CASE("init: the 10 s Init limit times out, then init re-runs inside the invoke",
          "[core][lifecycle][C44]") {
  SandboxHarness h;
  h.invoke("a");
  h.advance(10s);
  auto report = h.records<InitReportRecord>().at(0);
  REQUIRE(report.status == Status::timeout);
  REQUIRE(report.duration == 10s);
  REQUIRE(h.runtime_kills() == 1);
  h.exit(9, true);  // the SIGKILL lands
  REQUIRE(h.records<InitStartRecord>().back().phase == InitPhase::invoke);
  h.next();  // this time the runtime is quick
  REQUIRE(h.all<DeliverInvoke>().back().invoke->request_id == "a");
  h.respond("a");
  h.next();
  auto r = h.records<ReportRecord>().at(0);
  REQUIRE(r.status == Status::success);
  REQUIRE_FALSE(r.init_duration);  // an init inside an invoke is part of its Duration
}

TEST_CASE("invoke: a runtime crash mid-invoke is Runtime.ExitError and forces a re-init",
          "[core][lifecycle][C52]") {
  SandboxHarness h;
  h.warm_up();
  h.invoke("a");
  auto r = h.exit(1);
  REQUIRE(h.outcomes().back().outcome.error_message ==
          "RequestId: a Error: Runtime exited with error: exit status 1");
  REQUIRE(h.records<ReportRecord>().back().status == Status::error);
  REQUIRE(h.records<ReportRecord>().back().error_type == "Runtime.ExitError");
  REQUIRE(h.box.phase() == SandboxPhase::idle);

  r = h.invoke("b");
  REQUIRE(SandboxHarness::spawns_runtime(r));
  REQUIRE(h.records<InitStartRecord>().back().phase == InitPhase::invoke);
  h.next();
  h.respond("b", "fine");
  REQUIRE(h.outcomes().back().outcome.body == "fine");
}

TEST_CASE("invoke: the function timeout answers Sandbox.Timedout and resets",
          "[core][lifecycle][C53]") {
  SandboxHarness h;
  h.warm_up();
  h.invoke("a");
  h.advance(2999ms);
  REQUIRE(h.outcomes().size() == 1);
  h.advance(1ms);
  REQUIRE(h.outcomes().size() == 2);
  const Outcome o = h.outcomes().back().outcome;
  REQUIRE(o.error_type == "Sandbox.Timedout");
  REQUIRE(o.status == Status::timeout);
  REQUIRE(o.error_message == "RequestId: a Error: Task timed out after 3.00 seconds");
  auto report = h.records<ReportRecord>().back();
  REQUIRE(report.status == Status::timeout);
  REQUIRE(report.duration == 3s);
  REQUIRE(report.billed_duration_ms == 3000);
  REQUIRE(h.runtime_kills() == 1);
  REQUIRE(h.box.phase() == SandboxPhase::resetting);
  // The killed runtime's late answer is not accepted.
  REQUIRE(h.respond("a").refusal);
  h.exit(9, true);
  REQUIRE(h.box.phase() == SandboxPhase::idle);
}

TEST_CASE("invoke: a queued invoke runs after a timeout reset, with init inside it",
          "[core][lifecycle][C53]") {
  SandboxHarness h;
  h.warm_up();
  h.invoke("a");
  h.invoke("b");
  h.advance(3s);
  auto r = h.exit(9, true);
  REQUIRE(SandboxHarness::spawns_runtime(r));
  h.next();
  REQUIRE(h.all<DeliverInvoke>().back().invoke->request_id == "b");
}

TEST_CASE("lifecycle: stale timers and exits of replaced runtimes are ignored", "[core]") {
  SandboxHarness h;
  h.warm_up();
  const Generation old = h.generation();
  h.invoke("a");
  h.exit(1);
  h.invoke("b");
  REQUIRE(h.generation() == old + 1);
  auto r = h.send(ProcessExited{ProcessRef::runtime(old), {}});
  REQUIRE(r.actions.empty());
  r = h.send(TimerFired{1});  // the init timer, long cancelled
  REQUIRE(r.actions.empty());
}

TEST_CASE("lifecycle: stopping answers every open invoke exactly once", "[core][lifecycle]") {
  SandboxHarness h;
  h.warm_up();
  h.invoke("a");
  h.invoke("b");
  auto r = h.send(StopRequested{});
  REQUIRE(SandboxHarness::kills_runtime(r));
  REQUIRE(h.outcomes().size() == 3);
  for (std::size_t i = 1; i < 3; ++i) {
    REQUIRE(h.outcomes()[i].outcome.error_type == "Sandbox.Failure");
  }
  REQUIRE(h.box.open_invokes() == 0);
  REQUIRE(h.next().actions.empty());  // a /next during shutdown is never answered
  r = h.exit(9, true);
  REQUIRE(SandboxHarness::has<Stopped>(r));
  REQUIRE(h.box.phase() == SandboxPhase::stopped);
  r = h.invoke("late");
  REQUIRE(h.outcomes().back().request_id == "late");
  REQUIRE(h.outcomes().back().outcome.error_type == "Sandbox.Failure");
}

TEST_CASE("lifecycle: a runtime that dies while idle is replaced on the next invoke",
          "[core][lifecycle]") {
  SandboxHarness h;
  h.warm_up();
  h.exit(0);
  REQUIRE(h.box.phase() == SandboxPhase::idle);
  REQUIRE(h.outcomes().size() == 1);
  auto r = h.invoke("a");
  REQUIRE(SandboxHarness::spawns_runtime(r));
}

TEST_CASE("init: a runtime that stays after /init/error is killed after a grace period",
          "[core][lifecycle][C22]") {
  SandboxHarness h;
  h.send(InitRequested{});
  h.send(RuntimeInitError{"Runtime.Bad", "{}", ""});
  REQUIRE(h.next().refusal->message == transition_message("InitError", "Ready"));
  h.advance(199ms);
  REQUIRE(h.runtime_kills() == 0);
  h.advance(1ms);
  REQUIRE(h.runtime_kills() == 1);
  h.exit(9, true);
  REQUIRE(h.box.phase() == SandboxPhase::idle);
}

TEST_CASE("lifecycle: stopping during a reset's grace period kills at once", "[core][lifecycle]") {
  SandboxHarness h;
  h.send(InitRequested{});
  h.send(RuntimeInitError{"Runtime.Bad", "{}", ""});
  auto r = h.send(StopRequested{});
  REQUIRE(SandboxHarness::kills_runtime(r));
  h.exit(9, true);
  REQUIRE(h.box.phase() == SandboxPhase::stopped);
  h.advance(1s);
  REQUIRE(h.runtime_kills() == 1);  // the grace timer was cancelled
}

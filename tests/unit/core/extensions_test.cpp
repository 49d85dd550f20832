// The Extensions API rules of the lifecycle core (sections 4 and 6), on virtual time.
#include <csignal>

#include <catch2/catch.hpp>

#include "lambda_emu/core/sandbox.hpp"
#include "sandbox_harness.hpp"

using namespace lambda_emu;
using namespace lambda_emu::core;
using namespace std::chrono_literals;
using test::SandboxHarness;

namespace {

const std::string id_a = "aaaaaaaa-0000-4000-8000-000000000001";
const std::string id_b = "bbbbbbbb-0000-4000-8000-000000000002";
const std::string id_i = "cccccccc-0000-4000-8000-000000000003";

FunctionConfig with_extensions(std::vector<std::string> names) {
  FunctionConfig c = SandboxHarness::default_config();
  c.extensions = std::move(names);
  return c;
}

// Two externals registered and parked, the runtime parked: Init is done, one invoke ran.
struct Warm {
  SandboxHarness h{with_extensions({"a", "b"})};
  Warm() {
    h.invoke("cold");
    h.register_extension("a", id_a);
    h.register_extension("b", id_b, {"INVOKE"});
    h.next();
    h.extension_next(id_a);
    h.extension_next(id_b);
    h.respond("cold");
    h.next();
    h.extension_next(id_a);
    h.extension_next(id_b);
    REQUIRE(h.box.phase() == SandboxPhase::ready);
  }
};

template <class R>
std::size_t record_index_of(const std::vector<Action>& actions) {
  for (std::size_t i = 0; i < actions.size(); ++i) {
    if (auto* e = std::get_if<EmitRecord>(&actions[i]); e && std::holds_alternative<R>(e->record)) {
      return i;
    }
  }
  return actions.size();
}

}  // namespace

TEST_CASE("extensions: the runtime starts only once every external has registered",
          "[core][extensions][C39]") {
  SandboxHarness h(with_extensions({"a", "b"}));
  auto r = h.invoke("x");
  REQUIRE(h.all<Spawn>().size() == 2);
  REQUIRE_FALSE(SandboxHarness::spawns_runtime(r));
  r = h.register_extension("a", id_a);
  REQUIRE_FALSE(r.refusal);
  REQUIRE_FALSE(SandboxHarness::spawns_runtime(r));
  r = h.register_extension("b", id_b);
  REQUIRE(SandboxHarness::spawns_runtime(r));
}

TEST_CASE("extensions: no invoke before the runtime and every extension called next",
          "[core][extensions][C40][C41]") {
  SandboxHarness h(with_extensions({"a"}));
  h.invoke("x");
  h.register_extension("a", id_a);
  auto r = h.next();
  REQUIRE_FALSE(SandboxHarness::has_delivery(r, "x"));
  REQUIRE(h.records<InitRuntimeDoneRecord>().size() == 1);
  REQUIRE(h.records<InitReportRecord>().empty());
  h.clock.advance(5ms);
  r = h.extension_next(id_a);
  REQUIRE(SandboxHarness::has_delivery(r, "x"));
  auto events = h.events_for(id_a);
  REQUIRE(events.size() == 1);
  REQUIRE(events[0].kind == ExtensionEvent::Kind::invoke);
  REQUIRE(events[0].invoke->request_id == "x");
  // C41/C3: the INVOKE deadlineMs is the runtime's Lambda-Runtime-Deadline-Ms.
  REQUIRE(events[0].deadline == h.all<DeliverInvoke>().at(0).deadline);
  auto ext = h.records<ExtensionRecord>();
  REQUIRE(ext.size() == 1);
  REQUIRE(ext[0].name == "a");
  REQUIRE(ext[0].state == "Ready");
  REQUIRE(ext[0].events == std::vector<std::string>{"INVOKE", "SHUTDOWN"});
}

TEST_CASE("extensions: the cold start emits its records in Lambda's order",
          "[core][extensions][C65]") {
  SandboxHarness h(with_extensions({"a"}));
  h.invoke("x");
  h.register_extension("a", id_a);
  h.next();
  h.extension_next(id_a);
  h.respond("x");
  h.next();
  h.extension_next(id_a);
  const std::vector<std::size_t> order = {record_index_of<InitStartRecord>(h.actions),
                                          record_index_of<InitRuntimeDoneRecord>(h.actions),
                                          record_index_of<ExtensionRecord>(h.actions),
                                          record_index_of<InitReportRecord>(h.actions),
                                          record_index_of<StartRecord>(h.actions),
                                          record_index_of<RuntimeDoneRecord>(h.actions),
                                          record_index_of<ReportRecord>(h.actions)};
  REQUIRE(std::is_sorted(order.begin(), order.end()));
  REQUIRE(order.back() < h.actions.size());
}

TEST_CASE("extensions: the caller is answered at once, the invoke ends with the last extension",
          "[core][extensions][C42]") {
  Warm w;
  SandboxHarness& h = w.h;
  h.invoke("x");
  h.invoke("y");  // waits for x's extensions
  h.clock.advance(10ms);
  h.respond("x");
  REQUIRE(h.outcomes().back().request_id == "x");  // answered while extensions still work
  h.next();
  REQUIRE(h.records<RuntimeDoneRecord>().back().request_id == "x");
  REQUIRE(h.records<ReportRecord>().back().request_id != "x");
  h.clock.advance(200ms);
  h.extension_next(id_b);
  REQUIRE(h.records<ReportRecord>().back().request_id != "x");
  h.clock.advance(100ms);
  auto r = h.extension_next(id_a);
  auto report = h.records<ReportRecord>().back();
  REQUIRE(report.request_id == "x");
  REQUIRE(report.duration == 310ms);  // post-runtime extension work counts (6.2)
  REQUIRE(report.extension_overhead);
  REQUIRE(report.extension_overhead->duration == 300ms);
  REQUIRE(SandboxHarness::has_delivery(r, "y"));  // the next invoke waited for them
}

TEST_CASE("extensions: an extension that never calls next times the invoke out",
          "[core][extensions][C43]") {
  Warm w;
  SandboxHarness& h = w.h;
  h.invoke("x");
  h.respond("x");
  h.next();
  h.extension_next(id_b);
  h.advance(3s);
  auto report = h.records<ReportRecord>().back();
  REQUIRE(report.request_id == "x");
  REQUIRE(report.status == Status::timeout);
  REQUIRE(report.duration == 3s);
  REQUIRE(h.outcomes().back().outcome.kind == Outcome::Kind::success);  // already answered
  // The reset is a shutdown with reason timeout: SIGTERM to the runtime first.
  REQUIRE(h.signals_to(ProcessRef::runtime(h.generation())) ==
          std::vector<Signal>{Signal::terminate});
  h.exit(0);
  REQUIRE(h.events_for(id_a).back().kind == ExtensionEvent::Kind::invoke);  // still busy
  h.extension_next(id_a);  // it gets the SHUTDOWN it missed
  REQUIRE(h.events_for(id_a).back().kind == ExtensionEvent::Kind::shutdown);
  REQUIRE(h.events_for(id_a).back().reason == ShutdownReason::timeout);
}

TEST_CASE("extensions: one that never registers runs Init into its limit",
          "[core][extensions][C44]") {
  SandboxHarness h(with_extensions({"a"}));
  h.invoke("x");
  h.advance(10s);
  auto init = h.records<InitReportRecord>().at(0);
  REQUIRE(init.status == Status::timeout);
  REQUIRE(init.phase == InitPhase::init);
  REQUIRE_FALSE(h.generation());  // the runtime was never started
  // It never registered, so it cannot hear SHUTDOWN: SIGKILL at once (C57).
  REQUIRE(h.signals_to(ProcessRef::extension(0, 1)) == std::vector<Signal>{Signal::kill});
  h.extension_exit(0, SIGKILL, true);
  // The invoke re-runs init inside itself: extension launched again.
  REQUIRE(h.generation_of(0) == 2);
  REQUIRE(h.records<InitStartRecord>().back().phase == InitPhase::invoke);
}

TEST_CASE("extensions: register checks events, names, the limit and the window",
          "[core][extensions][C33][C34][C35][C36]") {
  SandboxHarness h(with_extensions({"a"}));
  h.invoke("x");
  auto r = h.register_extension("a", id_a, {"INVOKE", "FOO"});
  REQUIRE(r.refusal->code == errc::extension_invalid_event_type);
  REQUIRE(r.refusal->message == "FOO: ErrorInvalidEventType");
  REQUIRE_FALSE(h.register_extension("a", id_a).refusal);
  r = h.register_extension("a", id_b);
  REQUIRE(r.refusal->code == errc::extension_invalid_state);
  REQUIRE(r.refusal->message ==
          "State transition from Registered to Registered failed for extension a. Error: State "
          "transition is not allowed");
  // Internal extensions: any other name, while the runtime initializes.
  r = h.register_extension("inside", id_i, {"SHUTDOWN"});
  REQUIRE(r.refusal->message == "SHUTDOWN: ShutdownEventNotSupportedForInternalExtension");
  REQUIRE_FALSE(h.register_extension("inside", id_i, {"INVOKE"}).refusal);
  r = h.register_extension("inside", "dddddddd-0000-4000-8000-000000000004", {});
  REQUIRE(r.refusal->message == "Extension with this name already registered");
  for (int i = 0; i < 8; ++i) {
    REQUIRE_FALSE(
        h.register_extension("in" + std::to_string(i), "id" + std::to_string(i), {}).refusal);
  }
  r = h.register_extension("eleventh", "id11", {});
  REQUIRE(r.refusal->code == errc::extension_too_many);
  REQUIRE(r.refusal->message == "Extension limit (10) reached");
  h.next();
  r = h.register_extension("late", "idlate", {});
  REQUIRE(r.refusal->code == errc::extension_registration_closed);
  REQUIRE(h.extension_next("nobody").refusal->message == "Unknown extension nobody");
}

TEST_CASE("extensions: eleven external extensions fail Init", "[core][extensions][C35]") {
  std::vector<std::string> names;
  for (int i = 0; i < 11; ++i) {
    names.push_back("e" + std::to_string(i));
  }
  SandboxHarness h(with_extensions(names));
  h.invoke("x");
  REQUIRE(h.all<Spawn>().empty());
  REQUIRE(h.outcomes().at(0).outcome.error_type == "Extension.LaunchError");
  REQUIRE(h.records<InitReportRecord>().at(0).status == Status::error);
}

TEST_CASE("extensions: init/error fails Init with Extension.InitError", "[core][extensions][C46]") {
  SandboxHarness h(with_extensions({"a"}));
  h.invoke("x");
  h.register_extension("a", id_a);
  auto r = h.send(ExtensionInitError{id_a, "Extension.ConfigInvalid"});
  REQUIRE_FALSE(r.refusal);
  REQUIRE_FALSE(h.send(ExtensionInitError{id_a, "Extension.ConfigInvalid"}).refusal);  // no-op
  r = h.extension_next(id_a);
  REQUIRE(r.refusal->code == errc::extension_invalid_state);
  auto init = h.records<InitReportRecord>().at(0);
  REQUIRE(init.status == Status::error);
  REQUIRE(init.error_type == "Extension.InitError");
  // After a grace to read its 202, the runtime gets SIGTERM; then the extension is killed (it
  // can no longer hear SHUTDOWN) ...
  h.advance(200ms);
  REQUIRE(h.signals_to(ProcessRef::runtime(1)) == std::vector<Signal>{Signal::terminate});
  h.exit(0);
  REQUIRE(h.signals_to(ProcessRef::extension(0, 1)) == std::vector<Signal>{Signal::kill});
  h.extension_exit(0, SIGKILL, true);
  // ... and the waiting invoke re-runs Init inside itself; failing again, it gets the error.
  REQUIRE(h.records<InitStartRecord>().back().phase == InitPhase::invoke);
  h.register_extension("a", id_b);
  h.send(ExtensionInitError{id_b, "Extension.ConfigInvalid"});
  REQUIRE(h.outcomes().at(0).outcome.error_type == "Extension.InitError");
}

TEST_CASE("extensions: exit/error fails the invoke and resets the environment",
          "[core][extensions][C47]") {
  Warm w;
  SandboxHarness& h = w.h;
  h.invoke("x");
  REQUIRE_FALSE(h.send(ExtensionExitError{id_a, "Extension.Broken"}).refusal);
  REQUIRE(h.outcomes().back().outcome.error_type == "Extension.ExitError");
  REQUIRE(h.records<ReportRecord>().back().status == Status::error);
  REQUIRE(h.box.phase() == SandboxPhase::resetting);
}

TEST_CASE("extensions: a crash mid-invoke is Extension.Crash, the others hear SHUTDOWN failure",
          "[core][extensions][C48]") {
  Warm w;
  SandboxHarness& h = w.h;
  h.invoke("x");
  h.extension_exit(0, 1);
  REQUIRE(h.outcomes().back().outcome.error_type == "Extension.Crash");
  h.exit(0);  // the runtime obeys its SIGTERM
  // b is busy with INVOKE and not subscribed to SHUTDOWN: killed at once.
  REQUIRE(h.signals_to(ProcessRef::extension(1, h.generation_of(1))) ==
          std::vector<Signal>{Signal::kill});
  h.extension_exit(1, SIGKILL, true);
  REQUIRE(h.box.phase() == SandboxPhase::idle);
}

TEST_CASE("shutdown: with no extensions the runtime gets SIGKILL only", "[core][shutdown][C55]") {
  SandboxHarness h;
  h.warm_up();
  h.send(StopRequested{});
  REQUIRE(h.signals_to(ProcessRef::runtime(1)) == std::vector<Signal>{Signal::kill});
  h.exit(SIGKILL, true);
  REQUIRE(h.all<Stopped>().size() == 1);
}

TEST_CASE("shutdown: internal extensions give the runtime 500 ms after SIGTERM",
          "[core][shutdown]") {
  SandboxHarness h;
  h.invoke("x");
  h.register_extension("inside", id_i, {"INVOKE"});
  h.next();
  h.extension_next(id_i);
  h.respond("x");
  h.next();
  h.extension_next(id_i);
  h.send(StopRequested{});
  REQUIRE(h.signals_to(ProcessRef::runtime(1)) == std::vector<Signal>{Signal::terminate});
  h.advance(499ms);
  REQUIRE(h.signals_to(ProcessRef::runtime(1)).size() == 1);
  h.advance(1ms);
  REQUIRE(h.signals_to(ProcessRef::runtime(1)).back() == Signal::kill);
}

TEST_CASE("shutdown: a runtime that leaves on SIGTERM lets the extensions go at once",
          "[core][shutdown][C56]") {
  Warm w;
  SandboxHarness& h = w.h;
  h.send(StopRequested{});
  h.clock.advance(20ms);
  h.exit(0);
  REQUIRE(h.events_for(id_a).back().kind == ExtensionEvent::Kind::shutdown);
  h.extension_exit(0, 0);
  h.extension_exit(1, SIGKILL, true);
  REQUIRE(h.box.phase() == SandboxPhase::stopped);
  REQUIRE(h.all<Stopped>().size() == 1);
}

TEST_CASE("telemetry: subscriptions are for registered extensions during Init",
          "[core][telemetry][C58][C61][C69]") {
  SandboxHarness h(with_extensions({"a"}));
  h.invoke("x");
  h.register_extension("a", id_a);
  REQUIRE(h.send(TelemetrySubscribe{"unknown", {"platform"}, false}).refusal->code ==
          errc::extension_unknown_identifier);
  REQUIRE_FALSE(h.send(TelemetrySubscribe{id_a, {"platform", "function"}, false}).refusal);
  REQUIRE_FALSE(h.send(TelemetrySubscribe{id_a, {"platform"}, false}).refusal);  // idempotent
  REQUIRE(h.records<TelemetrySubscriptionRecord>().size() == 1);
  REQUIRE(h.records<TelemetrySubscriptionRecord>()[0].types ==
          std::vector<std::string>{"platform", "function"});
  REQUIRE(h.send(TelemetrySubscribe{id_a, {"platform"}, true}).refusal->code ==
          errc::telemetry_logs_api_conflict);
  h.next();
  h.extension_next(id_a);
  REQUIRE(h.send(TelemetrySubscribe{id_a, {"platform"}, false}).refusal->code ==
          errc::telemetry_subscription_closed);
}

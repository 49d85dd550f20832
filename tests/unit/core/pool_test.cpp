// The pool's rules (section 6 of the API reference, and Lambda's scaling): one invoke per
// sandbox, warm reuse, the concurrency limit, idle spindown, forced cold starts and retiring
// sandboxes on a configuration update, on virtual time.
#include <csignal>

#include <catch2/catch.hpp>

#include "pool_harness.hpp"

using namespace lambda_emu;
using namespace lambda_emu::core;
using namespace std::chrono_literals;
using test::PoolHarness;

namespace {

PoolConfig limit(std::size_t n, PoolConfig::AtLimit at = PoolConfig::AtLimit::reject) {
  PoolConfig c;
  c.max_concurrency = n;
  c.at_limit = at;
  return c;
}

const std::string ext_a = "aaaaaaaa-0000-4000-8000-000000000001";

}  // namespace

TEST_CASE("pool: concurrent invokes run in separate sandboxes up to the limit, then 429",
          "[core][pool]") {
  PoolHarness h(limit(3));
  REQUIRE(h.pool.sandbox_ids() == std::vector<SandboxId>{1});  // created at start, no process
  REQUIRE(h.all<Spawn>().empty());

  for (const char* id : {"a", "b", "c"}) {
    REQUIRE_FALSE(h.invoke(id).refusal);
  }
  REQUIRE(h.pool.sandbox_ids() == std::vector<SandboxId>{1, 2, 3});
  for (SandboxId s : {1, 2, 3}) {
    h.next(s);
  }
  // Each sandbox got its own invoke, with its own Init and START.
  REQUIRE(h.delivered_to("a") == 1);
  REQUIRE(h.delivered_to("b") == 2);
  REQUIRE(h.delivered_to("c") == 3);
  REQUIRE(h.records<InitStartRecord>().size() == 3);

  const PoolResult throttled = h.invoke("d");
  REQUIRE(throttled.refusal);
  REQUIRE(throttled.refusal->code == errc::too_many_requests);
  REQUIRE(throttled.refusal->message == "Rate Exceeded.");
  REQUIRE(h.outcomes("d").empty());  // refused, never accepted

  // One answers: its sandbox takes the next invoke, warm.
  h.respond(2, "b");
  h.next(2);
  REQUIRE_FALSE(h.invoke("e").refusal);
  REQUIRE(h.delivered_to("e") == 2);
  REQUIRE(h.records<InitStartRecord>().size() == 3);
}

TEST_CASE("pool: sequential invokes reuse one warm sandbox, even before its runtime is back",
          "[core][pool]") {
  PoolHarness h(limit(4));
  h.invoke("1");
  h.next(1);
  h.respond(1, "1");
  // The caller has its answer, the runtime has not asked for /next yet: the next invoke waits
  // inside sandbox 1 instead of starting a cold one.
  REQUIRE(h.outcomes("1").size() == 1);
  h.invoke("2");
  REQUIRE(h.pool.sandbox_ids() == std::vector<SandboxId>{1});
  h.next(1);
  REQUIRE(h.delivered_to("2") == 1);
  h.respond(1, "2");
  h.next(1);
  REQUIRE(h.all<Spawn>().size() == 1);
  REQUIRE(h.records<InitStartRecord>().size() == 1);
}

TEST_CASE("pool: at the limit, queue mode and Event invokes wait for a sandbox", "[core][pool]") {
  SECTION("queue mode") {
    PoolHarness h(limit(1, PoolConfig::AtLimit::queue));
    h.invoke("a");
    REQUIRE_FALSE(h.invoke("b").refusal);
    REQUIRE(h.pool.queued() == 1);
    h.serve(1, "a");
    REQUIRE(h.pool.queued() == 0);
    REQUIRE(h.delivered_to("b") == 1);
    h.respond(1, "b");
    REQUIRE(h.outcomes("a").size() == 1);
    REQUIRE(h.outcomes("b").size() == 1);
  }
  SECTION("Event invokes in reject mode") {
    PoolHarness h(limit(1));
    h.invoke("a");
    REQUIRE_FALSE(h.invoke("async", true).refusal);
    REQUIRE(h.invoke("sync").refusal);
    h.serve(1, "a");
    REQUIRE(h.delivered_to("async") == 1);
  }
}

TEST_CASE("pool: idle spindown sends SHUTDOWN spindown, the next invoke is a cold start",
          "[core][pool][shutdown][C54]") {
  FunctionConfig fn = test::SandboxHarness::default_config();
  fn.idle_shutdown = 60s;
  fn.extensions = {"a"};
  PoolHarness h(limit(2), fn);
  h.invoke("cold");
  h.to(1, ExtensionRegister{"a", ext_a, {"INVOKE", "SHUTDOWN"}});
  h.next(1);
  h.to(1, ExtensionNext{ext_a});
  h.respond(1, "cold");
  h.next(1);
  h.to(1, ExtensionNext{ext_a});
  REQUIRE(h.pool.sandbox(1)->phase() == SandboxPhase::ready);

  h.advance(59s);
  REQUIRE(h.all<SignalProcess>().empty());
  h.advance(1s);
  // Idle for 60 s: the runtime gets SIGTERM, then the extension SHUTDOWN with reason spindown.
  REQUIRE(h.all<SignalProcess>().at(0).second.signal == Signal::terminate);
  h.exit(1, 0);
  auto events = h.all<DeliverExtensionEvent>();
  REQUIRE(events.back().second.event.kind == ExtensionEvent::Kind::shutdown);
  REQUIRE(events.back().second.event.reason == ShutdownReason::spindown);
  h.to(1, ProcessExited{ProcessRef::extension(0, 1), ExitStatus{false, 0}});
  REQUIRE(h.records<ShutdownRecord>().at(0).second.reason == ShutdownReason::spindown);
  REQUIRE(h.stops_of(1) == 1);
  REQUIRE(h.pool.sandbox_ids().empty());

  h.invoke("again");  // a new sandbox: a regular Init with its Init Duration
  REQUIRE(h.pool.sandbox_ids() == std::vector<SandboxId>{2});
  REQUIRE(h.records<InitStartRecord>().back().first == 2);
  REQUIRE(h.records<InitStartRecord>().back().second.phase == InitPhase::init);
}

TEST_CASE("pool: an invoke before the idle time keeps the sandbox warm", "[core][pool]") {
  FunctionConfig fn = test::SandboxHarness::default_config();
  fn.idle_shutdown = 10s;
  PoolHarness h(limit(1), fn);
  h.invoke("1");
  h.serve(1, "1");
  h.advance(9s);
  h.invoke("2");
  h.serve(1, "2");
  h.advance(9s);
  REQUIRE(h.all<SignalProcess>().empty());
  h.advance(1s);
  REQUIRE(h.all<SignalProcess>().size() == 1);  // no extensions: SIGKILL at once (C55)
}

TEST_CASE("pool: fresh sandboxes give every invoke a cold start", "[core][pool]") {
  PoolConfig c = limit(2);
  c.fresh_sandboxes = true;
  PoolHarness h(c);
  h.invoke("1");
  h.serve(1, "1");
  REQUIRE(h.outcomes("1").size() == 1);
  REQUIRE(h.all<SignalProcess>().size() == 1);  // shut down once its runtime waited again
  h.exit(1, SIGKILL, true);
  REQUIRE(h.stops_of(1) == 1);

  h.invoke("2");
  REQUIRE(h.delivered_to("2") == 0);
  h.next(2);
  REQUIRE(h.delivered_to("2") == 2);
  REQUIRE(h.records<InitStartRecord>().size() == 2);
  REQUIRE(h.records<InitStartRecord>().back().second.phase == InitPhase::init);
}

TEST_CASE("pool: a configuration update retires warm sandboxes, busy ones after their invoke",
          "[core][pool]") {
  PoolHarness h(limit(3));
  h.invoke("a");
  h.invoke("b");
  h.serve(1, "a");  // sandbox 1 is warm and idle, sandbox 2 is busy with b
  h.next(2);

  FunctionConfig updated = test::SandboxHarness::default_config();
  updated.memory_mb = 1024;
  h.send(ConfigurationUpdated{updated});
  REQUIRE(h.all<SignalProcess>().size() == 1);  // only the idle one is shut down
  REQUIRE(h.all<SignalProcess>().at(0).first == 1);
  h.exit(1, SIGKILL, true);

  h.invoke("c");  // never to a sandbox of the old configuration
  REQUIRE(h.pool.sandbox(3) != nullptr);
  REQUIRE(h.pool.sandbox(3)->config().memory_mb == 1024);
  h.next(3);
  REQUIRE(h.delivered_to("c") == 3);

  h.respond(2, "b");
  h.next(2);
  REQUIRE(h.all<SignalProcess>().size() == 2);  // b is done: sandbox 2 goes too
  h.exit(2, SIGKILL, true);
  REQUIRE(h.pool.sandbox_ids() == std::vector<SandboxId>{3});
}

TEST_CASE("pool: each sandbox's timers are its own", "[core][pool][C53]") {
  PoolHarness h(limit(2));
  h.invoke("slow");
  h.invoke("fast");
  h.next(1);
  h.next(2);
  h.advance(1s);
  h.respond(2, "fast");
  h.next(2);
  h.advance(2s);  // the 3 s timeout of "slow", armed by sandbox 1
  REQUIRE(h.outcomes("slow").size() == 1);
  REQUIRE(h.outcomes("slow").at(0).outcome.error_type == "Sandbox.Timedout");
  REQUIRE(h.outcomes("fast").at(0).outcome.kind == Outcome::Kind::success);
  REQUIRE(h.pool.sandbox(2)->phase() == SandboxPhase::ready);
}

TEST_CASE("pool: every sandbox gives the driver the outputs it listens to", "[core][pool]") {
  PoolConfig quiet = limit(2);
  quiet.outputs = Outputs::all().with_transitions(false);
  STATIC_REQUIRE(Outputs::all().with_transitions(false).record<StartRecord>());
  PoolHarness shown(limit(2));
  PoolHarness hidden(quiet);
  for (PoolHarness* h : {&shown, &hidden}) {
    h->invoke("a");
    h->invoke("b");
    h->serve(1, "a");
    h->serve(2, "b");
  }
  REQUIRE_FALSE(shown.all<Transition>().empty());
  REQUIRE(hidden.all<Transition>().empty());
  // Both sandboxes still report every invoke, and their callers get the same answers.
  REQUIRE(hidden.records<ReportRecord>().size() == 2);
  REQUIRE(hidden.records<StartRecord>().size() == 2);
  REQUIRE(hidden.outcomes("b").at(0).outcome.kind == Outcome::Kind::success);
  REQUIRE(hidden.actions.size() + shown.all<Transition>().size() == shown.actions.size());
}

TEST_CASE("pool: a stop answers what waits, shuts every sandbox down, then stops once",
          "[core][pool]") {
  PoolHarness h(limit(2, PoolConfig::AtLimit::queue));
  h.invoke("a");
  h.invoke("b");
  h.invoke("queued");
  h.next(1);
  h.next(2);
  h.send(StopRequested{});
  for (const char* id : {"a", "b", "queued"}) {
    INFO(id);
    REQUIRE(h.outcomes(id).size() == 1);
    REQUIRE(h.outcomes(id).at(0).outcome.error_type == "Sandbox.Failure");
  }
  REQUIRE(h.stops_of(0) == 0);
  h.exit(1, SIGKILL, true);
  h.exit(2, SIGKILL, true);
  REQUIRE(h.stops_of(1) == 1);
  REQUIRE(h.stops_of(2) == 1);
  REQUIRE(h.stops_of(0) == 1);
  REQUIRE(h.invoke("late").refusal == std::nullopt);
  REQUIRE(h.outcomes("late").at(0).outcome.error_type == "Sandbox.Failure");
}

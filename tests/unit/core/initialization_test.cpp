// Initialization types (issue 6 item 4): on-demand, provisioned concurrency and proactive
// initialization, as the pool creates them and as Init reports them.
#include <catch2/catch.hpp>

#include "pool_harness.hpp"

using namespace lambda_emu;
using namespace lambda_emu::test;
using core::InitializationType;

namespace {

// The initializationType of each sandbox's platform.initStart, by sandbox.
std::map<core::SandboxId, InitializationType> init_types(const PoolHarness& h) {
  std::map<core::SandboxId, InitializationType> out;
  for (const auto& [s, r] : h.records<core::InitStartRecord>()) {
    out[s] = r.initialization_type;
  }
  return out;
}

// The REPORT of the invoke with this id.
core::ReportRecord report_of(const PoolHarness& h, const std::string& id) {
  for (const auto& [s, r] : h.records<core::ReportRecord>()) {
    if (r.request_id == id) {
      return r;
    }
  }
  FAIL("no REPORT for " << id);
  return {};
}

// Signals sent to sandbox `s`'s processes: a shutdown started there.
std::size_t signals_to(const PoolHarness& h, core::SandboxId s) {
  std::size_t n = 0;
  for (const auto& [id, signal] : h.all<core::SignalProcess>()) {
    n += id == s ? 1 : 0;
  }
  return n;
}

}  // namespace

TEST_CASE("init types: provisioned sandboxes initialize at start, ahead of any invoke",
          "[core][pool][init-type]") {
  PoolHarness h({.max_concurrency = 3, .provisioned = 2});
  // Both initialize before any invoke, as provisioned-concurrency.
  REQUIRE(h.all<core::Spawn>().size() == 2);
  CHECK(init_types(h) == std::map<core::SandboxId, InitializationType>{
                             {1, InitializationType::provisioned_concurrency},
                             {2, InitializationType::provisioned_concurrency}});
  for (const core::SandboxId s : {1, 2}) {
    CHECK(h.pool.sandbox(s)->config().initialization_type ==
          InitializationType::provisioned_concurrency);
  }
  h.next(1);
  h.next(2);
  const auto reports = h.records<core::InitReportRecord>();
  REQUIRE(reports.size() == 2);
  CHECK(reports[0].second.initialization_type == InitializationType::provisioned_concurrency);

  // The first invoke finds a warm sandbox: no Init on its path, none in its REPORT.
  h.advance(std::chrono::seconds(5));
  h.invoke("a");
  CHECK(h.delivered_to("a") != 0);
  h.respond(h.delivered_to("a"), "a");
  h.next(h.delivered_to("a"));
  CHECK_FALSE(report_of(h, "a").init_duration.has_value());
  CHECK(h.records<core::InitStartRecord>().size() == 2);
}

TEST_CASE("init types: beyond provisioned concurrency invokes spill over to on-demand sandboxes",
          "[core][pool][init-type]") {
  PoolHarness h({.max_concurrency = 3, .provisioned = 1});
  h.next(1);
  h.invoke("a");
  h.invoke("b");  // sandbox 1 is busy: a cold start on demand
  CHECK(h.delivered_to("a") == 1);
  const auto types = init_types(h);
  REQUIRE(types.size() == 2);
  CHECK(types.at(2) == InitializationType::on_demand);
  h.next(2);  // its Init ends inside the invoke
  h.respond(2, "b");
  h.next(2);
  CHECK(report_of(h, "b").init_duration.has_value());
  // Only on-demand sandboxes spin down when idle.
  core::FunctionConfig fn = SandboxHarness::default_config();
  fn.idle_shutdown = std::chrono::seconds(60);
  PoolHarness idle({.max_concurrency = 3, .provisioned = 1}, fn);
  idle.next(1);
  idle.invoke("x");
  idle.invoke("y");
  idle.serve(1, "x");
  idle.serve(2, "y");
  idle.advance(std::chrono::minutes(5));
  CHECK(signals_to(idle, 1) == 0);
  CHECK(signals_to(idle, 2) == 1);
}

TEST_CASE("init types: provisioned Init gets 130 s, not on-demand's 10 s",
          "[core][pool][init-type]") {
  PoolHarness h({.max_concurrency = 1, .provisioned = 1});
  h.advance(std::chrono::seconds(60));
  CHECK(h.records<core::InitReportRecord>().empty());  // still initializing, as allowed
  h.advance(std::chrono::seconds(71));
  const auto reports = h.records<core::InitReportRecord>();
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].second.status == core::Status::timeout);
}

TEST_CASE("init types: a provisioned sandbox that goes is replaced with the new configuration",
          "[core][pool][init-type]") {
  PoolHarness h({.max_concurrency = 2, .provisioned = 1});
  h.next(1);
  core::FunctionConfig updated = SandboxHarness::default_config();
  updated.memory_mb = 512;
  h.send(core::ConfigurationUpdated{updated});
  // Sandbox 1 is retired (shut down) and sandbox 2 provisioned in its place.
  CHECK(signals_to(h, 1) == 1);
  REQUIRE(h.pool.sandbox(2) != nullptr);
  CHECK(h.pool.sandbox(2)->config().initialization_type ==
        InitializationType::provisioned_concurrency);
  CHECK(h.pool.sandbox(2)->config().memory_mb == 512);
}

TEST_CASE(
    "init types: proactive initialization readies a sandbox ahead after a share of cold starts",
    "[core][pool][init-type]") {
  PoolHarness h({.max_concurrency = 4, .proactive = 0.5});
  // The first cold start earns half a proactive sandbox, the second a whole one.
  h.invoke("a");
  CHECK(h.all<core::Spawn>().size() == 1);
  h.invoke("b");  // sandbox 1 is busy: sandbox 2 cold-starts, and sandbox 3 initializes ahead
  REQUIRE(h.all<core::Spawn>().size() == 3);
  const auto types = init_types(h);
  CHECK(types.at(3) == InitializationType::on_demand);
  h.next(3);  // sandbox 3 initialized ahead, no invoke waiting
  CHECK(h.pool.sandbox(3)->phase() == core::SandboxPhase::ready);
  // The next concurrent invoke lands there warm: no Init on its path.
  h.invoke("c");
  CHECK(h.delivered_to("c") == 3);
  h.respond(3, "c");
  h.next(3);
  CHECK_FALSE(report_of(h, "c").init_duration.has_value());
}

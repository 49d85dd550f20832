#include <catch2/catch.hpp>

#include "lambda_emu/core/sandbox.hpp"
#include "sandbox_harness.hpp"

using namespace lambda_emu;
using namespace lambda_emu::core;
using namespace std::chrono_literals;
using test::SandboxHarness;

namespace {

// A cold start, a warm invoke, a timeout with its reset, a re-run init and the stop.
void lifecycle(SandboxHarness& h) {
  h.invoke("a");
  h.clock.advance(20ms);
  h.next();
  h.clock.advance(3ms);
  h.respond("a");
  h.next();
  h.invoke("b");
  h.advance(4s);  // past the 3 s timeout: SIGKILL and a reset
  h.exit(9, true);
  h.invoke("c");
  h.next();
  h.respond("c");
  h.next();
  h.send(StopRequested{});
  h.exit(0);
}

// What is left of an action list once transitions and the records the driver did not ask for
// are gone: the kind of every action, records by their kind.
std::vector<std::size_t> kinds(const std::vector<Action>& actions, const Outputs& outputs) {
  std::vector<std::size_t> out;
  for (const Action& a : actions) {
    if (std::holds_alternative<Transition>(a) && !outputs.transitions()) {
      continue;
    }
    if (const auto* e = std::get_if<EmitRecord>(&a)) {
      const bool wanted = std::visit(
          [&](const auto& r) { return outputs.record<std::remove_cvref_t<decltype(r)>>(); },
          e->record);
      if (!wanted) {
        continue;
      }
      out.push_back(100 + e->record.index());
      continue;
    }
    out.push_back(a.index());
  }
  return out;
}

}  // namespace

TEST_CASE("outputs: a driver that listens to some records gets exactly those, and the same rest",
          "[core][outputs]") {
  constexpr Outputs some = Outputs::records_only<ReportRecord, ShutdownRecord>();
  STATIC_REQUIRE(some.record<ReportRecord>());
  STATIC_REQUIRE(some.record<ShutdownRecord>());
  STATIC_REQUIRE_FALSE(some.record<StartRecord>());
  STATIC_REQUIRE_FALSE(some.transitions());
  STATIC_REQUIRE(Outputs::all().record<StartRecord>() && Outputs::all().transitions());

  SandboxHarness everything;
  SandboxHarness measured(SandboxHarness::default_config(), some);
  lifecycle(everything);
  lifecycle(measured);

  REQUIRE_FALSE(everything.all<Transition>().empty());
  REQUIRE(measured.all<Transition>().empty());
  REQUIRE(measured.records<StartRecord>().empty());
  REQUIRE(measured.records<RuntimeDoneRecord>().empty());
  REQUIRE(measured.records<InitStartRecord>().empty());
  REQUIRE(kinds(measured.actions, some) == kinds(everything.actions, some));

  // The records it gets and the outcomes are the same, field for field where it matters.
  const auto reports = measured.records<ReportRecord>();
  const auto all_reports = everything.records<ReportRecord>();
  REQUIRE(reports.size() == 3);
  REQUIRE(all_reports.size() == 3);
  for (std::size_t i = 0; i < reports.size(); ++i) {
    REQUIRE(reports[i].request_id == all_reports[i].request_id);
    REQUIRE(reports[i].status == all_reports[i].status);
    REQUIRE(reports[i].duration == all_reports[i].duration);
    REQUIRE(reports[i].init_duration == all_reports[i].init_duration);
  }
  REQUIRE(reports[1].status == Status::timeout);
  REQUIRE(measured.records<ShutdownRecord>().size() == everything.records<ShutdownRecord>().size());
  REQUIRE(measured.outcomes().size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    REQUIRE(measured.outcomes()[i].request_id == everything.outcomes()[i].request_id);
    REQUIRE(measured.outcomes()[i].outcome.status == everything.outcomes()[i].outcome.status);
  }
  // The state it reaches is the same.
  REQUIRE(measured.box.phase() == everything.box.phase());
  REQUIRE(measured.box.runtime_state() == everything.box.runtime_state());
}

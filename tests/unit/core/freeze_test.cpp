// Freeze and thaw (issue 6 item 3): an environment with nothing to do is frozen, and thawed
// before anything reaches it: the next event, a signal, SHUTDOWN, or a new Init.
#include <catch2/catch.hpp>

#include "sandbox_harness.hpp"

using namespace lambda_emu;
using namespace lambda_emu::test;

namespace {

// Index of the first action of type T in `actions` at or after `from`; actions.size() if none.
template <class T>
std::size_t index_of(const std::vector<core::Action>& actions, std::size_t from = 0) {
  for (std::size_t i = from; i < actions.size(); ++i) {
    if (std::holds_alternative<T>(actions[i])) {
      return i;
    }
  }
  return actions.size();
}

core::FunctionConfig with_extension() {
  core::FunctionConfig cfg = SandboxHarness::default_config();
  cfg.extensions = {"ext"};
  return cfg;
}

// A cold start with extension "ext" (identifier id-1), up to the runtime's response to "a".
void respond_with_extension(SandboxHarness& h) {
  h.invoke("a");
  h.register_extension("ext", "id-1");
  h.extension_next("id-1");
  h.next();  // init over: the invoke is delivered
  h.respond("a");
}

}  // namespace

TEST_CASE("freeze: the environment is frozen after each invoke and thawed for the next",
          "[core][freeze]") {
  SandboxHarness h;
  h.invoke("a");
  h.next();
  h.respond("a");
  CHECK_FALSE(h.box.frozen());  // the runtime has not asked for its next event yet
  const core::Result done = h.next();
  CHECK(SandboxHarness::has<core::Freeze>(done));
  CHECK(h.box.frozen());
  // The report comes before the freeze: the invoke is over first.
  CHECK(index_of<core::EmitRecord>(done.actions) < index_of<core::Freeze>(done.actions));

  const core::Result second = h.invoke("b");
  CHECK_FALSE(h.box.frozen());
  const std::size_t thaw = index_of<core::Thaw>(second.actions);
  REQUIRE(thaw < second.actions.size());
  CHECK(thaw < index_of<core::DeliverInvoke>(second.actions));
  CHECK(h.all<core::Freeze>().size() == 1);
  CHECK(h.all<core::Thaw>().size() == 1);
}

TEST_CASE("freeze: back-to-back queued invokes do not freeze in between", "[core][freeze]") {
  SandboxHarness h;
  h.invoke("a");
  h.invoke("b");
  h.next();
  h.respond("a");
  const core::Result r = h.next();  // ends a, delivers b at once
  CHECK_FALSE(SandboxHarness::has<core::Freeze>(r));
  CHECK(SandboxHarness::has_delivery(r, "b"));
  h.respond("b");
  CHECK(SandboxHarness::has<core::Freeze>(h.next()));
}

TEST_CASE("freeze: an INVOKE-subscribed extension still working keeps the environment thawed",
          "[core][freeze]") {
  SandboxHarness h(with_extension());
  respond_with_extension(h);
  const core::Result runtime_done = h.next();
  CHECK_FALSE(SandboxHarness::has<core::Freeze>(runtime_done));
  CHECK_FALSE(h.box.frozen());
  CHECK(SandboxHarness::has<core::Freeze>(h.extension_next("id-1")));
  // INVOKE reaches the extension only after the thaw.
  const core::Result second = h.invoke("b");
  const std::size_t thaw = index_of<core::Thaw>(second.actions);
  REQUIRE(thaw < second.actions.size());
  CHECK(thaw < index_of<core::DeliverExtensionEvent>(second.actions));
}

TEST_CASE("freeze: shutdown thaws before it signals", "[core][freeze]") {
  SandboxHarness h(with_extension());
  respond_with_extension(h);
  h.next();
  h.extension_next("id-1");
  REQUIRE(h.box.frozen());
  const core::Result stop = h.send(core::StopRequested{});
  const std::size_t thaw = index_of<core::Thaw>(stop.actions);
  REQUIRE(thaw < stop.actions.size());
  CHECK(thaw < index_of<core::SignalProcess>(stop.actions));
  CHECK_FALSE(h.box.frozen());
}

TEST_CASE("freeze: a frozen runtime that dies is thawed before the next Init", "[core][freeze]") {
  SandboxHarness h;
  h.invoke("a");
  h.next();
  h.respond("a");
  h.next();
  REQUIRE(h.box.frozen());
  h.exit(9, true);  // killed while frozen (the OOM killer, or someone else)
  const core::Result again = h.invoke("b");
  CHECK(SandboxHarness::has<core::Thaw>(again));
  CHECK(index_of<core::Thaw>(again.actions) < index_of<core::Spawn>(again.actions));
  CHECK_FALSE(h.box.frozen());
}

TEST_CASE("freeze: eager Init ends frozen, and freeze off never freezes", "[core][freeze]") {
  SECTION("eager Init") {
    SandboxHarness h;
    h.send(core::InitRequested{});
    CHECK(SandboxHarness::has<core::Freeze>(h.next()));
  }
  SECTION("freeze off") {
    core::FunctionConfig cfg = SandboxHarness::default_config();
    cfg.freeze = false;
    SandboxHarness h(cfg);
    h.invoke("a");
    h.next();
    h.respond("a");
    h.next();
    h.invoke("b");
    CHECK(h.all<core::Freeze>().empty());
    CHECK(h.all<core::Thaw>().empty());
  }
}

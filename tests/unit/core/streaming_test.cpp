// Streamed responses in the lifecycle core (section 3, C24-C28), on virtual time: the core sees
// a stream's start and end; the bytes never pass through it.
#include <catch2/catch.hpp>

#include "lambda_emu/core/sandbox.hpp"
#include "sandbox_harness.hpp"

using namespace lambda_emu;
using namespace lambda_emu::core;
using namespace std::chrono_literals;
using test::SandboxHarness;

namespace {

Result start_stream(SandboxHarness& h, std::string id) {
  return h.send(RuntimeStreamStarted{std::move(id), "text/plain"});
}

Result end_stream(SandboxHarness& h, std::string id, std::uint64_t size,
                  RuntimeStreamEnded::End end = RuntimeStreamEnded::End::complete,
                  std::string error_type = {}) {
  RuntimeStreamEnded e;
  e.request_id = std::move(id);
  e.end = end;
  e.size = size;
  e.error_type = std::move(error_type);
  e.error_body = R"({"errorType":"x"})";
  return h.send(std::move(e));
}

}  // namespace

TEST_CASE("streaming: the caller's answer starts with the stream and ends with it",
          "[core][streaming][C24]") {
  SandboxHarness h;
  h.warm_up();
  h.invoke("a");
  h.advance(5ms);
  const Result started = start_stream(h, "a");
  REQUIRE_FALSE(started.refusal);
  REQUIRE(h.all<StartStream>().size() == 1);
  CHECK(h.all<StartStream>()[0].request_id == "a");
  CHECK(h.all<StartStream>()[0].content_type == "text/plain");
  REQUIRE(h.outcomes().size() == 1);  // the warm-up only: no outcome while the body flows

  // A second /response or an /error for the same invoke while it streams is refused.
  CHECK(h.respond("a").refusal->code == errc::invalid_state_transition);
  CHECK(h.error("a").refusal->code == errc::invalid_state_transition);

  h.advance(20ms);
  REQUIRE_FALSE(end_stream(h, "a", 1234).refusal);
  REQUIRE(h.outcomes().size() == 2);
  const Outcome o = h.outcomes().back().outcome;
  CHECK(o.kind == Outcome::Kind::success);
  CHECK(o.streamed);
  h.next();
  const RuntimeDoneRecord done = h.records<RuntimeDoneRecord>().back();
  CHECK(done.produced_bytes == 1234);
  CHECK(done.response_latency->duration == 5ms);    // to the first byte
  CHECK(done.response_duration->duration == 20ms);  // first to last byte
  CHECK(h.records<ReportRecord>().back().duration == 25ms);
  CHECK(h.box.phase() == SandboxPhase::ready);
}

TEST_CASE("streaming: an error trailer makes the invoke a function error",
          "[core][streaming][C25]") {
  SandboxHarness h;
  h.warm_up();
  h.invoke("a");
  start_stream(h, "a");
  end_stream(h, "a", 10, RuntimeStreamEnded::End::complete, "Runtime.StreamError");
  const Outcome o = h.outcomes().back().outcome;
  CHECK(o.kind == Outcome::Kind::function_error);
  CHECK(o.error_type == "Runtime.StreamError");
  CHECK(o.body == R"({"errorType":"x"})");
  CHECK(o.streamed);
  h.next();
  CHECK(h.records<ReportRecord>().back().status == Status::error);
  CHECK(h.box.phase() == SandboxPhase::ready);  // no reset: the runtime is fine
}

TEST_CASE(
    "streaming: a broken stream is Runtime.TruncatedResponse, a /next sent before the "
    "break was noticed waits for it",
    "[core][streaming][C26]") {
  SandboxHarness h;
  h.warm_up();
  h.invoke("a");
  start_stream(h, "a");
  // The runtime gave up on the stream and asked for the next event before the emulator saw
  // the connection break: the same event must not be sent again (C19 is for a lost delivery).
  const Result next = h.next();
  CHECK_FALSE(next.refusal);
  CHECK_FALSE(SandboxHarness::has_delivery(next, "a"));
  const Result ended = end_stream(h, "a", 3, RuntimeStreamEnded::End::truncated);
  REQUIRE(ended.refusal);
  CHECK(ended.refusal->code == errc::truncated_request);
  const Outcome o = h.outcomes().back().outcome;
  CHECK(o.error_type == "Runtime.TruncatedResponse");
  // The waiting /next took effect: the invoke is over and the sandbox ready for the next one.
  CHECK(h.records<ReportRecord>().back().error_type == "Runtime.TruncatedResponse");
  CHECK(h.box.phase() == SandboxPhase::ready);
  h.invoke("b");
  CHECK(h.all<DeliverInvoke>().back().invoke->request_id == "b");
}

TEST_CASE("streaming: over 200 MiB is Function.ResponseSizeTooLarge, the runtime gets 413",
          "[core][streaming][C28]") {
  SandboxHarness h;
  h.warm_up();
  h.invoke("a");
  start_stream(h, "a");
  const Result r =
      end_stream(h, "a", max_streamed_response_bytes + 1, RuntimeStreamEnded::End::too_large);
  REQUIRE(r.refusal);
  CHECK(r.refusal->code == errc::payload_too_large);
  CHECK(h.outcomes().back().outcome.error_type == "Function.ResponseSizeTooLarge");
  h.next();
  CHECK(h.box.phase() == SandboxPhase::ready);
}

TEST_CASE("streaming: a timeout ends a stream that is still flowing", "[core][streaming]") {
  SandboxHarness h;
  h.warm_up();
  h.invoke("a");
  start_stream(h, "a");
  h.advance(3s);
  REQUIRE(h.outcomes().size() == 2);
  CHECK(h.outcomes().back().outcome.error_type == "Sandbox.Timedout");
  CHECK(h.box.phase() == SandboxPhase::resetting);
  // The stream's end, noticed after the reset, changes nothing.
  CHECK(end_stream(h, "a", 1, RuntimeStreamEnded::End::truncated).refusal);
  CHECK(h.outcomes().size() == 2);
}

TEST_CASE("streaming: a stream for an id that is not the current invoke is refused",
          "[core][streaming]") {
  SandboxHarness h;
  h.warm_up();
  h.invoke("a");
  CHECK(start_stream(h, "nope").refusal->code == errc::invalid_request_id);
  CHECK(h.all<StartStream>().empty());
}

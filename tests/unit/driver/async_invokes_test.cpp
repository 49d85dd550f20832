#include "driver/async_invokes.hpp"

#include <catch2/catch.hpp>

using namespace lambda_emu;
using namespace std::chrono_literals;
using driver::AsyncInvokes;

namespace {

core::Invoke event(std::string id) {
  core::Invoke in;
  in.request_id = std::move(id);
  in.payload = R"({"n":1})";
  return in;
}

const core::Outcome failed = core::Outcome::function_error("{}", "application/json", "Oops");

}  // namespace

TEST_CASE("async invokes: a failure is retried twice, after the delay and twice that",
          "[driver][async]") {
  AsyncInvokes async({.retries = 2, .first_delay = 60s});
  async.accepted(event("a"));
  REQUIRE(async.owns("a"));
  auto first = async.finished("a", failed);
  REQUIRE(first);
  CHECK(first->delay == 60s);
  CHECK(first->attempt == 1);
  CHECK(first->invoke.request_id == "a");  // the same request id and event again
  CHECK(first->invoke.payload == R"({"n":1})");
  auto second = async.finished("a", failed);
  REQUIRE(second);
  CHECK(second->delay == 120s);
  CHECK(second->attempt == 2);
  CHECK_FALSE(async.finished("a", failed));  // used up: dropped
  CHECK_FALSE(async.owns("a"));
}

TEST_CASE("async invokes: a success ends it, retries 0 never retries", "[driver][async]") {
  AsyncInvokes async({.retries = 2, .first_delay = 1s});
  async.accepted(event("a"));
  REQUIRE(async.finished("a", failed));
  CHECK_FALSE(async.finished("a", core::Outcome::success("ok", "application/json")));
  CHECK_FALSE(async.owns("a"));

  AsyncInvokes never({.retries = 0, .first_delay = 1s});
  never.accepted(event("b"));
  CHECK_FALSE(never.finished("b", failed));
  CHECK_FALSE(never.owns("b"));
  CHECK_FALSE(never.finished("unknown", failed));
}

#include "bootstrap/spend.hpp"

#include <time.h>

#include <catch2/catch.hpp>

using namespace lambda_emu::wrapper_sim;
using lambda_emu::Duration;
using lambda_emu::costs::Constant;
using lambda_emu::costs::Cost;
using lambda_emu::costs::Random;
using namespace std::chrono_literals;

namespace {

Duration thread_cpu() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

}  // namespace

TEST_CASE("spend: a cpu draw is the unscaled time, its expected wall time scaled by memory",
          "[wrapper-runtime][spend]") {
  Random random(1);
  const Spend s = draw(Cost{Constant{60ms}, Cost::Kind::cpu}, random, 128);
  CHECK(s.kind == Cost::Kind::cpu);
  CHECK(s.time == 60ms);
  CHECK(s.expected == Duration(829'218'750));  // 60 ms * 1769 / 128
  const Spend sleep = draw(Cost{Constant{5ms}, Cost::Kind::sleep}, random, 128);
  CHECK(sleep.time == 5ms);
  CHECK(sleep.expected == 5ms);
}

TEST_CASE("spend: a cpu spend burns at least its time of this thread's CPU",
          "[wrapper-runtime][spend]") {
  const Duration before = thread_cpu();
  spend(Spend{Cost::Kind::cpu, 20ms, 20ms});
  CHECK(thread_cpu() - before >= 20ms);
}

TEST_CASE("spend: draws cross the proxy hop as text and back", "[wrapper-runtime][spend]") {
  const Spend cpu{Cost::Kind::cpu, Duration(12'500'000), Duration(99)};
  CHECK(to_text(cpu) == "cpu:12500000");
  const auto back = parse_spend(to_text(cpu));
  REQUIRE(back.has_value());
  CHECK(back->kind == Cost::Kind::cpu);
  CHECK(back->time == cpu.time);
  CHECK(parse_spend("sleep:0").has_value());
  for (const char* bad : {"", "cpu:", "cpu:-1", "sleep:1x", "nap:5", "cpu:1.5"}) {
    INFO(bad);
    CHECK_FALSE(parse_spend(bad).has_value());
  }
}

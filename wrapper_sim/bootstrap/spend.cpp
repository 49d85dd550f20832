#include "bootstrap/spend.hpp"

#include <time.h>

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <thread>

namespace lambda_emu::wrapper_sim {
namespace {

Duration thread_cpu_time() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

// Spins until this thread has used `time` more CPU. Reading the thread's CPU clock (a system
// call, about a microsecond) between short blocks of arithmetic keeps the overshoot that small;
// time the thread spends descheduled (the cgroup's quota) does not count, as on Lambda.
void burn(Duration time) {
  const Duration until = thread_cpu_time() + time;
  volatile std::uint64_t sink = 0;
  std::uint64_t x = 88172645463325252ull;
  while (thread_cpu_time() < until) {
    for (int i = 0; i < 256; ++i) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
    }
    sink = x;
  }
  (void)sink;
}

}  // namespace

Spend draw(const costs::Cost& cost, costs::Random& random, int memory_mb) {
  Spend s;
  s.kind = cost.kind;
  s.time = costs::sample(cost.distribution, random);
  s.expected =
      cost.kind == costs::Cost::Kind::cpu ? costs::cpu_wall_time(s.time, memory_mb) : s.time;
  return s;
}

void spend(const Spend& s) {
  if (s.time <= Duration::zero()) {
    return;
  }
  if (s.kind == costs::Cost::Kind::cpu) {
    burn(s.time);
  } else {
    std::this_thread::sleep_for(s.time);
  }
}

std::string to_text(const Spend& s) {
  return (s.kind == costs::Cost::Kind::cpu ? "cpu:" : "sleep:") + std::to_string(s.time.count());
}

std::optional<Spend> parse_spend(std::string_view text) {
  Spend s;
  if (text.starts_with("cpu:")) {
    s.kind = costs::Cost::Kind::cpu;
    text.remove_prefix(4);
  } else if (text.starts_with("sleep:")) {
    text.remove_prefix(6);
  } else {
    return std::nullopt;
  }
  Duration::rep ns = 0;
  const auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), ns);
  if (err != std::errc{} || end != text.data() + text.size() || ns < 0) {
    return std::nullopt;
  }
  s.time = Duration(ns);
  s.expected = s.time;
  return s;
}

int function_memory_mb(int fallback) {
  const char* v = std::getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE");
  const int mb = v != nullptr ? std::atoi(v) : 0;
  return mb > 0 ? mb : fallback;
}

}  // namespace lambda_emu::wrapper_sim

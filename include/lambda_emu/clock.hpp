#pragma once
// Clock: the only way anything in emulator/ or the simulator (wrapper_sim/sim) reads time. (The
// wrapper runtime, wrapper_sim/bootstrap, is a real runtime: it sleeps and burns real time.)
//
// The lifecycle core is driven by a real steady clock in the emulator and by a virtual clock in
// the simulator and the unit tests; both implement this interface. Timers are not here: the core
// asks for them as actions, and each driver owns its own timers next to its clock.
//
//   SteadyClock clock;                 // emulator/driver
//   Instant t = clock.now();           // monotonic, nanoseconds
//   WallTime w = clock.wall_now();     // for Deadline-Ms headers and telemetry timestamps
#include <chrono>

namespace lambda_emu {

// Monotonic time, nanoseconds since the clock's own epoch. A tag type keeps it from mixing with
// the standard clocks' time points by accident.
struct MonotonicTime {
  using duration = std::chrono::nanoseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<MonotonicTime, duration>;
  static constexpr bool is_steady = true;
};
using Instant = MonotonicTime::time_point;
using Duration = std::chrono::nanoseconds;
using WallTime = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic now.
  [[nodiscard]] virtual Instant now() const = 0;
  // Wall-clock now, for values Lambda reports as epoch time.
  [[nodiscard]] virtual WallTime wall_now() const = 0;
};

// Milliseconds as a double, the unit Lambda prints durations in.
[[nodiscard]] inline double to_ms(Duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace lambda_emu

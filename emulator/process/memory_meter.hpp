#pragma once
// ProcMemoryMeter: "Max Memory Used". With the sandbox's memory cgroup, its peak: the accounting
// that also enforces the memory size, every process of the sandbox counted (and, in cgroup v1, its
// page cache). Without one, from /proc: the peak resident set (VmHWM) of the runtime and every
// process below it, summed, and the largest such sum seen in this sandbox. Either is a peak, so a
// reading a few milliseconds old misses nothing that the next one will not catch: invokes that
// follow each other faster than that share one reading.
#include <sys/types.h>

#include <optional>

#include "lambda_emu/clock.hpp"
#include "lambda_emu/core/sandbox.hpp"

namespace lambda_emu::process {

class SandboxCgroup;

class ProcMemoryMeter final : public core::MemoryMeter {
 public:
  explicit ProcMemoryMeter(const Clock& clock) : clock_(clock) {}
  // Read the peak from this cgroup from now on (it must outlive the meter's use).
  void use(const SandboxCgroup* cgroup) { cgroup_ = cgroup; }
  // A new runtime process; the peak carries over, as Lambda's does for the sandbox's life.
  void watch(pid_t root) {
    root_ = root;
    read_at_.reset();
  }

  // MemoryMeter
  [[nodiscard]] int max_memory_used_mb() override;

 private:
  const Clock& clock_;
  const SandboxCgroup* cgroup_ = nullptr;
  pid_t root_ = -1;
  long peak_kb_ = 0;
  std::optional<Instant> read_at_;
};

}  // namespace lambda_emu::process

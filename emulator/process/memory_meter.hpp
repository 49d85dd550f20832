#pragma once
// ProcMemoryMeter: "Max Memory Used" from /proc: the peak resident set (VmHWM) of the runtime and
// every process below it, summed, and the largest such sum seen in this sandbox.
#include <sys/types.h>

#include "lambda_emu/core/sandbox.hpp"

namespace lambda_emu::process {

class ProcMemoryMeter final : public core::MemoryMeter {
 public:
  // A new runtime process; the peak carries over, as Lambda's does for the sandbox's life.
  void watch(pid_t root) { root_ = root; }

  // MemoryMeter
  [[nodiscard]] int max_memory_used_mb() override;

 private:
  pid_t root_ = -1;
  long peak_kb_ = 0;
};

}  // namespace lambda_emu::process

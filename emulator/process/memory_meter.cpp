#include "process/memory_meter.hpp"

#include <filesystem>
#include <fstream>
#include <string>

namespace lambda_emu::process {
namespace {

long vm_hwm_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("VmHWM:")) {
      return std::stol(line.substr(6));
    }
  }
  return 0;
}

// The process and its descendants, through every thread's children list.
long tree_kb(pid_t pid, int depth) {
  long total = vm_hwm_kb(pid);
  if (depth > 16) {
    return total;
  }
  std::error_code ec;
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& task : std::filesystem::directory_iterator(tasks, ec)) {
    std::ifstream in(task.path() / "children");
    pid_t child = 0;
    while (in >> child) {
      total += tree_kb(child, depth + 1);
    }
  }
  return total;
}

}  // namespace

int ProcMemoryMeter::max_memory_used_mb() {
  if (root_ > 0) {
    peak_kb_ = std::max(peak_kb_, tree_kb(root_, 0));
  }
  return static_cast<int>((peak_kb_ + 1023) / 1024);
}

}  // namespace lambda_emu::process

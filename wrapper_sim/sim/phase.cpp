#include "sim/phase.hpp"

namespace lambda_emu::wrapper_sim {
namespace {

struct Names {
  std::string_view name;
  std::string_view meaning;
};
constexpr std::array<Names, phase_count> names = {{
    {"sandbox", "placement and setup before Init"},
    {"extension_init", "Init start to the last extension's first next"},
    {"runtime_init", "process start and the language runtime's init"},
    {"function_init", "wrapper and handler init, to the first /next"},
    {"init", "Init Duration (REPORT)"},
    {"cold_start", "caller's latency, cold invokes"},
    {"pre_handler", "delivery to the handler"},
    {"handler", "the handler's work"},
    {"response", "handler end to the response's last byte"},
    {"ttfb", "caller's time to first byte, warm invokes"},
    {"post_invoke", "response to the extensions' next (extensionOverhead)"},
    {"duration", "Duration (REPORT)"},
    {"warm", "caller's latency, warm invokes"},
    {"shutdown", "environment shutdown"},
}};

}  // namespace

std::string_view phase_name(Phase p) {
  return names[static_cast<std::size_t>(p)].name;
}

std::string_view phase_meaning(Phase p) {
  return names[static_cast<std::size_t>(p)].meaning;
}

bool per_invoke(Phase p) {
  switch (p) {
    case Phase::pre_handler:
    case Phase::handler:
    case Phase::response:
    case Phase::ttfb:
    case Phase::post_invoke:
    case Phase::duration:
    case Phase::warm:
      return true;
    default:
      return false;
  }
}

void Samples::reserve(std::size_t cold_starts, std::size_t invokes) {
  for (std::size_t i = 0; i < phase_count; ++i) {
    by_phase[i].reserve(per_invoke(phase_at(i)) ? invokes : cold_starts);
  }
}

}  // namespace lambda_emu::wrapper_sim

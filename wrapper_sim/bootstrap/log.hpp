#pragma once
// Logging of the real-mode processes: spdlog on stderr, which lambda-emu (like Lambda) puts into
// the function's log, one line each, as "<name> <level>: <message>". The level comes from
// LAMBDA_EMU_WRAPPER_LOG (trace, debug, info, warn, error, off; default info): per-invoke lines
// are debug, so a measured run writes nothing per invoke unless asked to.
//
//   init_logging("lambda-emu-wrapper");
//   spdlog::info("init: {} stages", n);
#include <string>

namespace lambda_emu::wrapper_sim {

void init_logging(const std::string& name);

}  // namespace lambda_emu::wrapper_sim

#include "bootstrap/log.hpp"

#include <cstdlib>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace lambda_emu::wrapper_sim {

void init_logging(const std::string& name) {
  // Not the color sink: the emulator reads a pipe, and escape codes would land in the log.
  auto logger = spdlog::stderr_logger_mt(name);
  logger->set_pattern("%n %l: %v");
  const char* level = std::getenv("LAMBDA_EMU_WRAPPER_LOG");
  logger->set_level(level != nullptr ? spdlog::level::from_str(level) : spdlog::level::info);
  // Each line reaches the log when written, not when a buffer fills or the process ends.
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace lambda_emu::wrapper_sim

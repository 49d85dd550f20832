#pragma once
// Command-line parsing for `lambda-emu`: turns argv into an EmulatorConfig or a message.
//
//   ParsedCommand cmd = parse_command_line(argc, argv);
//   if (cmd.exit_code) { std::cout << cmd.message; return *cmd.exit_code; }
#include <optional>
#include <string>

#include "driver/emulator.hpp"

namespace lambda_emu::cli {

struct ParsedCommand {
  std::optional<int> exit_code;  // set: print `message` (help or error) and exit with it
  std::string message;
  driver::EmulatorConfig config;
  std::string log_level = "info";
};

[[nodiscard]] ParsedCommand parse_command_line(int argc, const char* const argv[]);

}  // namespace lambda_emu::cli

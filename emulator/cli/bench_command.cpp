#include "cli/bench_command.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

namespace lambda_emu::cli {

int run_bench_command(const std::string& command, const std::vector<std::string>& args) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) {
    std::cerr << "lambda-emu " << command << ": cannot find my own binary: " << ec.message()
              << "\n";
    return 1;
  }
  const std::filesystem::path bench = self.parent_path() / "lambda-emu-bench";
  if (!std::filesystem::exists(bench)) {
    std::cerr << "lambda-emu " << command << ": needs " << bench.string()
              << ", which is not built (cmake --build build --target lambda-emu-bench)\n";
    return 1;
  }
  // The bench takes the last --emulator: one given here wins over this binary.
  std::vector<std::string> words{bench.string(), command, "--emulator", self.string()};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& w : words) {
    argv.push_back(w.data());
  }
  argv.push_back(nullptr);
  ::execv(argv[0], argv.data());
  std::cerr << "lambda-emu " << command << ": cannot run " << bench.string() << ": "
            << std::strerror(errno) << "\n";
  return 1;
}

}  // namespace lambda_emu::cli

#include "subcommand.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "child_process.hpp"

namespace bench {

std::string SubcommandArgs::value() {
  if (at_ >= args_.size())
    throw std::invalid_argument(arg() + " needs a value");
  return args_[at_++];
}

bool Programs::take(SubcommandArgs& a, Context& ctx) {
  if (a.is("--emulator"))
    ctx.opt.emulator = a.value();
  else if (a.is("--test-runtime"))
    ctx.opt.runtime = a.value();
  else if (a.is("--emulator-arg"))
    ctx.opt.emulator_args.push_back(a.value());
  else if (a.is("--emulator-log"))
    ctx.opt.emulator_log = a.value();
  else if (a.is("--wrapper"))
    wrapper = a.value();
  else if (a.is("--wrapper-extension"))
    wrapper_extension = a.value();
  else
    return false;
  return true;
}

void Programs::defaults(Context& ctx) {
  const std::string dir = self_exe_dir();
  for (auto [path, name] :
       {std::pair{&ctx.opt.emulator, "lambda-emu"}, std::pair{&ctx.opt.runtime, "test-runtime"},
        std::pair{&wrapper, "lambda-emu-wrapper"},
        std::pair{&wrapper_extension, "lambda-emu-wrapper-extension"}}) {
    if (path->empty())
      *path = dir + "/" + name;
  }
}

bool all_exist(std::string_view who, const std::vector<std::string>& paths) {
  for (const std::string& p : paths) {
    if (!std::filesystem::exists(p)) {
      std::fprintf(stderr, "%.*s: %s not found (build it or name it)\n",
                   static_cast<int>(who.size()), who.data(), p.c_str());
      return false;
    }
  }
  return true;
}

bool write_output(std::string_view who, const std::string& text, const std::string& path) {
  if (path.empty()) {
    std::fputs(text.c_str(), stdout);
    return std::fflush(stdout) == 0;
  }
  std::ofstream file(path, std::ios::trunc);
  file << text;
  const bool ok = static_cast<bool>(file.flush());
  std::fprintf(stderr, ok ? "%.*s: wrote %s\n" : "%.*s: cannot write %s\n",
               static_cast<int>(who.size()), who.data(), path.c_str());
  return ok;
}

}  // namespace bench

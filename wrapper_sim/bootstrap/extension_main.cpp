// lambda-emu-wrapper-extension: an extension stage of a wrapper scenario as a real external
// extension (wrapper_extension.hpp). Lambda runs every file in <layer>/extensions and names the
// extension after the file, so it is installed as a symlink per extension stage:
//
//   export LAMBDA_EMU_SCENARIO=s.json LAMBDA_EMU_VARIANT=traced
//   lambda-emu-wrapper-extension --install-layer layer   # layer/extensions/<name> -> this binary
//   lambda-emu serve --opt-dir layer -e LAMBDA_EMU_SCENARIO=s.json
//     -e LAMBDA_EMU_VARIANT=traced -- lambda-emu-wrapper
//
// Run by Lambda, its name is its file name (argv[0]'s), or --name NAME.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

#include "bootstrap/chosen_variant.hpp"
#include "bootstrap/log.hpp"
#include "bootstrap/wrapper_extension.hpp"

namespace {

namespace fs = std::filesystem;
using lambda_emu::wrapper_sim::ChosenVariant;

constexpr std::string_view usage =
    "usage: lambda-emu-wrapper-extension [--name NAME]   (run by Lambda from a layer)\n"
    "       lambda-emu-wrapper-extension --install-layer DIR\n"
    "The first form is the extension stage NAME (default: this file's name) of the variant\n"
    "LAMBDA_EMU_VARIANT of the scenario LAMBDA_EMU_SCENARIO. The second links "
    "DIR/extensions/<name>\n"
    "to this program for each extension stage of that variant, making DIR a layer for\n"
    "`lambda-emu serve --opt-dir DIR`.\n";

// DIR/extensions/<name> -> this program, for each extension of the chosen variant.
int install_layer(const fs::path& dir) {
  auto chosen = lambda_emu::wrapper_sim::chosen_variant();
  if (auto* error = std::get_if<std::string>(&chosen)) {
    std::fprintf(stderr, "lambda-emu-wrapper-extension: %s\n", error->c_str());
    return 2;
  }
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  fs::create_directories(dir / "extensions", ec);
  if (ec) {
    std::fprintf(stderr, "lambda-emu-wrapper-extension: %s: %s\n", dir.c_str(),
                 ec.message().c_str());
    return 1;
  }
  for (const auto* x : std::get<ChosenVariant>(chosen).variant.extensions()) {
    const fs::path link = dir / "extensions" / x->name;
    fs::remove(link, ec);
    fs::create_symlink(self, link, ec);
    if (ec) {
      std::fprintf(stderr, "lambda-emu-wrapper-extension: %s: %s\n", link.c_str(),
                   ec.message().c_str());
      return 1;
    }
    std::printf("%s\n", link.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::span<char*> args(argv, static_cast<std::size_t>(argc));
  std::string name = fs::path(args[0]).filename().string();
  if (args.size() == 3 && args[1] == std::string_view("--install-layer")) {
    return install_layer(args[2]);
  }
  if (args.size() == 3 && args[1] == std::string_view("--name")) {
    name = args[2];
  } else if (args.size() != 1) {
    const bool help = args[1] == std::string_view("--help");
    std::fputs(usage.data(), help ? stdout : stderr);
    return help ? 0 : 2;
  }
  lambda_emu::wrapper_sim::init_logging(name);
  const char* api = std::getenv("AWS_LAMBDA_RUNTIME_API");
  if (api == nullptr || *api == '\0') {
    spdlog::error("AWS_LAMBDA_RUNTIME_API is not set: run me as a Lambda extension");
    return 2;
  }
  return lambda_emu::wrapper_sim::run_wrapper_extension(name, api);
}

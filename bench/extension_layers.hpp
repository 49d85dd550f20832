#pragma once
// Layers for `lambda-emu serve --opt-dir DIR`: DIR/extensions holds one launcher script per
// external extension, named as the extension registers (Lambda takes the file's basename):
//
//   #!/bin/sh
//   exec '/path/to/test-extension' '--name' 'ext1' '--mode' 'fast'
#include <filesystem>
#include <string>
#include <vector>

namespace bench {

struct Launcher {
  std::string name;               // the file name, and what the extension registers as
  std::vector<std::string> argv;  // argv[0]: the program the script execs
};

// Creates dir/extensions (empty when there are no launchers) with one executable script per
// launcher and returns dir, for --opt-dir. Throws std::runtime_error.
std::string make_layer(const std::filesystem::path& dir, const std::vector<Launcher>& launchers);

// test-extension --name NAME --mode fast: registers for INVOKE and SHUTDOWN and asks for its next
// event as soon as it has one, the cheapest external extension there is.
Launcher fast_extension(const std::string& binary, const std::string& name);

}  // namespace bench

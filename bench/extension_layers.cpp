#include "extension_layers.hpp"

#include <fstream>
#include <stdexcept>

namespace bench {

namespace {

// One shell word: single-quoted, with ' written as '\''.
std::string shell_quote(const std::string& word) {
  std::string out = "'";
  for (const char c : word) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

}  // namespace

std::string make_layer(const std::filesystem::path& dir, const std::vector<Launcher>& launchers) {
  const auto extensions = dir / "extensions";
  std::error_code ec;
  std::filesystem::create_directories(extensions, ec);
  if (ec)
    throw std::runtime_error("cannot create " + extensions.string() + ": " + ec.message());
  for (const auto& launcher : launchers) {
    const auto path = extensions / launcher.name;
    {
      std::ofstream out(path, std::ios::trunc);
      out << "#!/bin/sh\nexec";
      for (const auto& word : launcher.argv)
        out << ' ' << shell_quote(word);
      out << '\n';
      if (!out.flush())
        throw std::runtime_error("cannot write " + path.string());
    }
    std::filesystem::permissions(
        path,
        std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
            std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
            std::filesystem::perms::others_exec,
        ec);
    if (ec)
      throw std::runtime_error("cannot make " + path.string() + " executable: " + ec.message());
  }
  return dir.string();
}

Launcher fast_extension(const std::string& binary, const std::string& name) {
  return {name, {binary, "--name", name, "--mode", "fast"}};
}

}  // namespace bench

#include "process/extension_files.hpp"

#include <unistd.h>

#include <filesystem>
#include <map>

namespace lambda_emu::process {

std::vector<ExtensionFile> find_extension_files(const std::vector<std::string>& opt_dirs) {
  namespace fs = std::filesystem;
  std::map<std::string, ExtensionFile> by_name;  // sorted by name, later layers win
  for (const std::string& opt : opt_dirs) {
    std::error_code ec;
    for (const fs::directory_entry& e : fs::directory_iterator(fs::path(opt) / "extensions", ec)) {
      std::error_code type_ec;
      const std::string path = fs::absolute(e.path()).lexically_normal().string();
      if (!e.is_regular_file(type_ec) || ::access(path.c_str(), X_OK) != 0) {
        continue;
      }
      const std::string name = e.path().filename().string();
      by_name[name] = ExtensionFile{name, path, fs::absolute(opt).lexically_normal().string()};
    }
  }
  std::vector<ExtensionFile> out;
  out.reserve(by_name.size());
  for (auto& [name, file] : by_name) {
    out.push_back(std::move(file));
  }
  return out;
}

}  // namespace lambda_emu::process

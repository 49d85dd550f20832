#pragma once
// External extensions on disk (section 4.1): every regular executable file directly in
// <layer>/extensions of each layer, no recursion, in name order; a later layer's file replaces an
// earlier one of the same name, as layers extracted into /opt in order would.
//
//   auto files = find_extension_files({"/opt", "./my-layer"});
//   for (auto& f : files) fn.extensions.push_back(f.name);
#include <string>
#include <vector>

namespace lambda_emu::process {

struct ExtensionFile {
  std::string name;     // the file's basename: the name it registers with
  std::string path;     // absolute host path
  std::string opt_dir;  // the layer it comes from
};

[[nodiscard]] std::vector<ExtensionFile> find_extension_files(
    const std::vector<std::string>& opt_dirs);

}  // namespace lambda_emu::process

#include "process/sandbox_paths.hpp"

#include <filesystem>
#include <optional>

namespace lambda_emu::process {
namespace fs = std::filesystem;
namespace {

// Absolute, normalized, without a trailing '/'.
fs::path absolute(const std::string& p) {
  fs::path out = fs::absolute(p).lexically_normal();
  if (!out.has_filename() && out.has_relative_path()) {
    out = out.parent_path();
  }
  return out;
}

// `path` relative to `root` when it lies inside it ("" for the root itself).
std::optional<fs::path> inside(const fs::path& path, const fs::path& root) {
  const fs::path rel = path.lexically_relative(root);
  if (rel.empty() || *rel.begin() == "..") {
    return std::nullopt;
  }
  return rel == "." ? fs::path() : rel;
}

std::string join(const fs::path& root, const fs::path& rel) {
  return rel.empty() ? root.string() : (root / rel).string();
}

// The host file /opt/<rel> stands for: the last layer that has it wins, as in the overlay.
std::string host_layer_file(const fs::path& rel, const std::vector<std::string>& layers) {
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
    const fs::path p = absolute(*it);
    std::error_code ec;
    if (fs::exists(fs::symlink_status(join(p, rel), ec))) {
      return join(p, rel);
    }
  }
  return join(absolute(layers.back()), rel);
}

}  // namespace

std::string sandbox_task_root(bool isolated, const std::string& host_task_root) {
  return isolated ? "/var/task" : absolute(host_task_root).string();
}

std::string sandbox_path_for_extension(const std::string& name, bool isolated,
                                       const std::vector<std::string>& host_opt_dirs) {
  return sandbox_path_for_lambda_path("/opt/extensions/" + name, isolated, "", host_opt_dirs);
}

std::string sandbox_path_for_host_path(const std::string& host_path, bool isolated,
                                       const std::string& host_task_root,
                                       const std::vector<std::string>& host_opt_dirs) {
  const fs::path p = absolute(host_path);
  if (!isolated) {
    return p.string();
  }
  if (!host_task_root.empty()) {
    if (auto rel = inside(p, absolute(host_task_root))) {
      return join("/var/task", *rel);
    }
  }
  // The last layer first: where two layers nest, the path sits in the innermost one that counts.
  for (auto it = host_opt_dirs.rbegin(); it != host_opt_dirs.rend(); ++it) {
    if (auto rel = inside(p, absolute(*it))) {
      return join("/opt", *rel);
    }
  }
  return p.string();
}

std::string sandbox_path_for_lambda_path(const std::string& lambda_path, bool isolated,
                                         const std::string& host_task_root,
                                         const std::vector<std::string>& host_opt_dirs) {
  if (isolated) {
    return lambda_path;
  }
  const fs::path p = fs::path(lambda_path).lexically_normal();
  if (!host_task_root.empty()) {
    if (auto rel = inside(p, "/var/task")) {
      return join(absolute(host_task_root), *rel);
    }
  }
  if (!host_opt_dirs.empty()) {
    if (auto rel = inside(p, "/opt")) {
      return host_layer_file(*rel, host_opt_dirs);
    }
  }
  return lambda_path;
}

std::optional<std::string> host_path_under_tmp(const std::vector<std::string>& host_paths) {
  for (const std::string& p : host_paths) {
    if (p.empty() || p.front() != '/') {
      continue;  // not an absolute path (a variable's value, say)
    }
    std::error_code ec;
    const fs::path real = fs::weakly_canonical(p, ec);
    if (!ec && fs::exists(real, ec) && inside(real, fs::weakly_canonical("/tmp", ec))) {
      return real.string();
    }
  }
  return std::nullopt;
}

}  // namespace lambda_emu::process

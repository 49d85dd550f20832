#include "cli/function_file.hpp"

#include <fstream>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace fs = std::filesystem;
using nlohmann::json;

namespace lambda_emu::cli {
namespace {

class FileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

bool valid_function_name(const std::string& s) {
  if (s.empty() || s.size() > 64) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

// One function's object, read on top of the defaults.
class FunctionReader {
 public:
  FunctionReader(const json& j, std::string where, const fs::path& base)
      : j_(j), where_(std::move(where)), base_(base) {}

  driver::FunctionSpec read(driver::FunctionSpec spec) {
    static const std::set<std::string> known = {"name",
                                                "bootstrap",
                                                "task_root",
                                                "layers",
                                                "handler",
                                                "environment",
                                                "memory",
                                                "timeout",
                                                "init_timeout",
                                                "init",
                                                "max_concurrency",
                                                "at_limit",
                                                "fresh_sandboxes",
                                                "provisioned_concurrency",
                                                "proactive_init",
                                                "idle_shutdown",
                                                "function_url_port",
                                                "disable_extensions",
                                                "freeze",
                                                "version"};
    if (!j_.is_object()) {
      fail("", "must be an object");
    }
    for (const auto& [key, value] : j_.items()) {
      if (!known.contains(key)) {
        fail(key, "is not a known key");
      }
    }
    core::FunctionConfig& fn = spec.function;
    fn.name = string("name").value_or("");
    if (!valid_function_name(fn.name)) {
      fail("name", "is required: 1 to 64 letters, digits, - and _");
    }
    if (auto v = string("handler")) {
      fn.handler = *v;
    }
    if (auto v = string("version")) {
      fn.version = *v;
    }
    if (auto v = number("memory", core::min_memory_mb, core::max_memory_mb)) {
      fn.memory_mb = static_cast<int>(*v);
    }
    if (auto v = number("timeout", 0.001, core::max_timeout_seconds)) {
      fn.timeout = milliseconds_of(*v);
    }
    if (auto v = number("init_timeout", 0.001, core::max_timeout_seconds)) {
      fn.init_timeout = milliseconds_of(*v);
    }
    if (auto v = number("idle_shutdown", 0, 86400)) {
      fn.idle_shutdown = milliseconds_of(*v);
    }
    if (auto v = string("init")) {
      const auto mode = parse_init_mode(*v);
      if (!mode) {
        fail("init", "is lazy or eager");
      }
      fn.init_mode = *mode;
    }
    if (auto v = number("max_concurrency", 1, max_concurrency_limit)) {
      spec.pool.max_concurrency = static_cast<std::size_t>(*v);
    }
    if (auto v = string("at_limit")) {
      const auto at_limit = parse_at_limit(*v);
      if (!at_limit) {
        fail("at_limit", "is reject or queue");
      }
      spec.pool.at_limit = *at_limit;
    }
    if (auto v = boolean("fresh_sandboxes")) {
      spec.pool.fresh_sandboxes = *v;
    }
    if (auto v = number("provisioned_concurrency", 0, max_concurrency_limit)) {
      spec.pool.provisioned = static_cast<std::size_t>(*v);
    }
    if (auto v = number("proactive_init", 0, 1)) {
      spec.pool.proactive = *v;
    }
    if (spec.pool.provisioned > spec.pool.max_concurrency) {
      fail("provisioned_concurrency", "is more than max_concurrency");
    }
    if (auto v = boolean("disable_extensions")) {
      fn.extensions_enabled = !*v;
    }
    if (auto v = boolean("freeze")) {
      fn.freeze = *v;
    }
    if (auto v = number("function_url_port", 0, 65535)) {
      spec.url_port = static_cast<std::uint16_t>(*v);
    }
    if (j_.contains("environment")) {
      const json& env = j_["environment"];
      if (!env.is_object()) {
        fail("environment", "must be an object of strings");
      }
      for (const auto& [key, value] : env.items()) {
        if (!value.is_string() || !process::valid_env_key(key)) {
          fail("environment", "has '" + key + "': keys are letters, digits and _, values strings");
        }
        std::erase_if(spec.env, [&](const auto& kv) { return kv.first == key; });
        spec.env.emplace_back(key, value.get<std::string>());
      }
    }
    if (j_.contains("layers")) {
      spec.opt_dirs.clear();
      for (const std::string& dir : strings("layers")) {
        const fs::path p = path(dir);
        std::error_code ec;
        if (!fs::is_directory(p, ec)) {
          fail("layers", p.string() + " is not a directory");
        }
        spec.opt_dirs.push_back(p.string());
      }
    }
    spec.bootstrap.clear();
    if (j_.contains("bootstrap")) {
      spec.bootstrap = j_["bootstrap"].is_string()
                           ? std::vector<std::string>{j_["bootstrap"].get<std::string>()}
                           : strings("bootstrap");
      if (spec.bootstrap.empty()) {
        fail("bootstrap", "must name an executable");
      }
      if (spec.bootstrap[0].find('/') != std::string::npos) {
        spec.bootstrap[0] = path(spec.bootstrap[0]).string();
      }
    }
    fs::path task_root;
    if (auto v = string("task_root")) {
      task_root = path(*v);
    } else if (!spec.bootstrap.empty() && spec.bootstrap[0].find('/') != std::string::npos) {
      task_root = fs::path(spec.bootstrap[0]).parent_path();
    } else {
      fail("task_root", "is required when bootstrap is not a path");
    }
    try {
      spec.task_root = checked_task_root(task_root);
    } catch (const std::runtime_error& e) {
      fail("task_root", e.what());
    }
    find_extensions(spec);
    return spec;
  }

 private:
  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw FileError(where_ + (key.empty() ? "" : "." + key) + " " + what);
  }
  std::optional<std::string> string(const char* key) const {
    if (!j_.contains(key)) {
      return std::nullopt;
    }
    if (!j_[key].is_string()) {
      fail(key, "must be a string");
    }
    return j_[key].get<std::string>();
  }
  std::optional<double> number(const char* key, double lo, double hi) const {
    if (!j_.contains(key)) {
      return std::nullopt;
    }
    const json& v = j_[key];
    if (!v.is_number() || v.get<double>() < lo || v.get<double>() > hi) {
      fail(key, "must be a number from " + json(lo).dump() + " to " + json(hi).dump());
    }
    return v.get<double>();
  }
  std::optional<bool> boolean(const char* key) const {
    if (!j_.contains(key)) {
      return std::nullopt;
    }
    if (!j_[key].is_boolean()) {
      fail(key, "must be true or false");
    }
    return j_[key].get<bool>();
  }
  std::vector<std::string> strings(const char* key) const {
    const json& v = j_[key];
    if (!v.is_array() ||
        !std::all_of(v.begin(), v.end(), [](const json& e) { return e.is_string(); })) {
      fail(key, "must be an array of strings");
    }
    return v.get<std::vector<std::string>>();
  }
  fs::path path(const std::string& p) const {
    return (base_ / p).lexically_normal();  // absolute paths stay as they are
  }

  const json& j_;
  std::string where_;
  fs::path base_;
};

}  // namespace

std::vector<driver::FunctionSpec> read_function_file(const std::string& path,
                                                     const driver::FunctionSpec& defaults) {
  std::ifstream in(path);
  if (!in) {
    throw FileError("--config " + path + ": cannot be read");
  }
  const json doc = json::parse(in, nullptr, false);
  if (doc.is_discarded()) {
    throw FileError("--config " + path + ": not valid JSON");
  }
  if (!doc.is_object() || !doc.contains("functions") || !doc["functions"].is_array() ||
      doc["functions"].empty()) {
    throw FileError("--config " + path + ": wants {\"functions\": [ {...}, ... ]}");
  }
  for (const auto& [key, value] : doc.items()) {
    if (key != "functions") {
      throw FileError("--config " + path + ": '" + key + "' is not a known key");
    }
  }
  const fs::path base = fs::absolute(path).parent_path();
  std::vector<driver::FunctionSpec> specs;
  std::set<std::string> names;
  std::set<std::uint16_t> ports;
  for (std::size_t i = 0; i < doc["functions"].size(); ++i) {
    const std::string where = "--config " + path + ": functions[" + std::to_string(i) + "]";
    driver::FunctionSpec spec = FunctionReader(doc["functions"][i], where, base).read(defaults);
    if (!names.insert(spec.function.name).second) {
      throw FileError(where + ".name '" + spec.function.name + "' is taken by another function");
    }
    if (spec.url_port && *spec.url_port != 0 && !ports.insert(*spec.url_port).second) {
      throw FileError(where + ".function_url_port " + std::to_string(*spec.url_port) +
                      " is taken by another function");
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

std::optional<core::InitMode> parse_init_mode(std::string_view text) {
  if (text == "lazy") {
    return core::InitMode::lazy;
  }
  if (text == "eager") {
    return core::InitMode::eager;
  }
  return std::nullopt;
}

std::optional<core::PoolConfig::AtLimit> parse_at_limit(std::string_view text) {
  if (text == "reject") {
    return core::PoolConfig::AtLimit::reject;
  }
  if (text == "queue") {
    return core::PoolConfig::AtLimit::queue;
  }
  return std::nullopt;
}

std::chrono::milliseconds milliseconds_of(double seconds) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000.0 + 0.5));
}

std::string checked_task_root(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw std::runtime_error("task root " + dir.string() + " is not a directory");
  }
  std::string root = fs::absolute(dir).lexically_normal().string();
  if (root.size() > 1 && root.back() == '/') {
    root.pop_back();
  }
  return root;
}

void find_extensions(driver::FunctionSpec& spec) {
  spec.extensions.clear();
  spec.function.extensions.clear();
  if (!spec.function.extensions_enabled) {
    return;
  }
  spec.extensions = process::find_extension_files(spec.opt_dirs);
  for (const process::ExtensionFile& f : spec.extensions) {
    spec.function.extensions.push_back(f.name);
  }
}

}  // namespace lambda_emu::cli

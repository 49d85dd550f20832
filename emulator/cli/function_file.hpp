#pragma once
// The --config file: several functions in one JSON document, each with its code, layers,
// handler, environment, limits, pool and URL. The command line's function options are the
// defaults every function starts from. Paths are relative to the file's directory.
//
//   {"functions": [
//     {"name": "hello", "task_root": "hello", "handler": "index.handler",
//      "environment": {"GREETING": "hi"}, "memory": 512, "timeout": 3,
//      "max_concurrency": 4, "function_url_port": 9001},
//     {"name": "worker", "bootstrap": ["worker/bootstrap", "--fast"], "layers": ["layer"]}]}
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "driver/function_spec.hpp"

namespace lambda_emu::cli {

// Throws std::runtime_error naming the file, the function and the key when something is wrong.
[[nodiscard]] std::vector<driver::FunctionSpec> read_function_file(
    const std::string& path, const driver::FunctionSpec& defaults);

// --- shared with the command line ---

// "lazy" or "eager"; nullopt for anything else.
[[nodiscard]] std::optional<core::InitMode> parse_init_mode(std::string_view text);
// "reject" or "queue"; nullopt for anything else.
[[nodiscard]] std::optional<core::PoolConfig::AtLimit> parse_at_limit(std::string_view text);
// Seconds as given (fractions allowed), rounded to milliseconds.
[[nodiscard]] std::chrono::milliseconds milliseconds_of(double seconds);
// The most sandboxes a function may have at once.
inline constexpr int max_concurrency_limit = 1000;

// The task root as an absolute path without a trailing slash; throws if it is not a directory.
[[nodiscard]] std::string checked_task_root(const std::filesystem::path& dir);
// Fills spec.extensions (and the core's names) from its layers' extensions/ directories.
void find_extensions(driver::FunctionSpec& spec);

}  // namespace lambda_emu::cli

#pragma once
// Fields: reads one JSON object of a scenario file, key by key, and refuses what it does not
// know. Every error names where it is ("variants[1].stages[0].per_invoke: p99_ms must be >=
// p50_ms"), so a user fixes a scenario from the message alone.
//
//   Fields f(spec, "handler", dir);
//   handler.work = f.cost("work");                 // required
//   handler.response_bytes = f.count("response_bytes", 64);
//   f.done();                                      // throws on a key nobody read
//
// Parsing stops at the first error: ScenarioError is thrown here and caught once, by
// parse_scenario, which returns it as a value.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "costs/cost.hpp"

namespace lambda_emu::wrapper_sim {

struct ScenarioError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Fields {
 public:
  // `where` is the object's path in the file ("" for the top level); `dir` resolves file names.
  Fields(const nlohmann::json& spec, std::string where, std::filesystem::path dir);

  [[nodiscard]] bool has(const std::string& key) const;
  [[nodiscard]] costs::Cost cost(const std::string& key);
  [[nodiscard]] costs::Cost cost(const std::string& key, const costs::Cost& fallback);
  [[nodiscard]] std::string text(const std::string& key);
  [[nodiscard]] std::string text(const std::string& key, std::string fallback);
  [[nodiscard]] bool flag(const std::string& key, bool fallback);
  // A whole number >= minimum.
  [[nodiscard]] std::uint64_t count(const std::string& key, std::uint64_t fallback,
                                    std::uint64_t minimum = 0);
  // A finite number >= 0.
  [[nodiscard]] double number(const std::string& key, double fallback);
  // Milliseconds >= 0, as a Duration.
  [[nodiscard]] Duration ms(const std::string& key, Duration fallback);
  // The value itself, for arrays and nested objects the caller reads with its own Fields.
  [[nodiscard]] const nlohmann::json& raw(const std::string& key);
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  // `key`'s path, for nested objects and errors: "handler.work".
  [[nodiscard]] std::string path(const std::string& key) const;
  // Throws unless every key was read ("comment" keys are always allowed).
  void done() const;
  [[noreturn]] void fail(const std::string& key, const std::string& message) const;

 private:
  const nlohmann::json& at(const std::string& key);

  const nlohmann::json& spec_;
  std::string where_;
  std::filesystem::path dir_;
  std::set<std::string> read_;
};

}  // namespace lambda_emu::wrapper_sim

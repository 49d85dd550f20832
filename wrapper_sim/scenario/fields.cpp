#include "scenario/fields.hpp"

#include <cmath>

namespace lambda_emu::wrapper_sim {

using nlohmann::json;

Fields::Fields(const json& spec, std::string where, std::filesystem::path dir)
    : spec_(spec), where_(std::move(where)), dir_(std::move(dir)) {
  if (!spec_.is_object()) {
    throw ScenarioError((where_.empty() ? std::string("a scenario") : where_) +
                        " must be a JSON object");
  }
}

bool Fields::has(const std::string& key) const {
  return spec_.contains(key);
}

std::string Fields::path(const std::string& key) const {
  return where_.empty() ? key : where_ + "." + key;
}

void Fields::fail(const std::string& key, const std::string& message) const {
  throw ScenarioError(path(key) + ": " + message);
}

const json& Fields::at(const std::string& key) {
  const auto it = spec_.find(key);
  if (it == spec_.end()) {
    fail(key, "is required");
  }
  read_.insert(key);
  return *it;
}

const json& Fields::raw(const std::string& key) {
  return at(key);
}

costs::Cost Fields::cost(const std::string& key) {
  auto parsed = costs::parse_cost(at(key), dir_);
  if (auto* bad = std::get_if<costs::CostError>(&parsed)) {
    fail(key, bad->message);
  }
  return std::get<costs::Cost>(std::move(parsed));
}

costs::Cost Fields::cost(const std::string& key, const costs::Cost& fallback) {
  return has(key) ? cost(key) : fallback;
}

std::string Fields::text(const std::string& key) {
  const json& v = at(key);
  if (!v.is_string() || v.get_ref<const std::string&>().empty()) {
    fail(key, "must be a non-empty string");
  }
  return v.get<std::string>();
}

std::string Fields::text(const std::string& key, std::string fallback) {
  return has(key) ? text(key) : std::move(fallback);
}

bool Fields::flag(const std::string& key, bool fallback) {
  if (!has(key)) {
    return fallback;
  }
  const json& v = at(key);
  if (!v.is_boolean()) {
    fail(key, "must be true or false");
  }
  return v.get<bool>();
}

std::uint64_t Fields::count(const std::string& key, std::uint64_t fallback, std::uint64_t minimum) {
  if (!has(key)) {
    return fallback;
  }
  const json& v = at(key);
  // A parsed 5 is unsigned, but one set from C++ is signed: accept both when not negative.
  const bool whole =
      v.is_number_unsigned() || (v.is_number_integer() && v.get<std::int64_t>() >= 0);
  if (!whole || v.get<std::uint64_t>() < minimum) {
    fail(key, "must be a whole number >= " + std::to_string(minimum));
  }
  return v.get<std::uint64_t>();
}

double Fields::number(const std::string& key, double fallback) {
  if (!has(key)) {
    return fallback;
  }
  const json& v = at(key);
  if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0) {
    fail(key, "must be a number >= 0");
  }
  return v.get<double>();
}

Duration Fields::ms(const std::string& key, Duration fallback) {
  return has(key) ? costs::cost_from_ns(number(key, 0) * 1e6) : fallback;
}

void Fields::done() const {
  for (const auto& [key, value] : spec_.items()) {
    if (key != "comment" && !read_.contains(key)) {
      fail(key, "unknown key");
    }
  }
}

}  // namespace lambda_emu::wrapper_sim

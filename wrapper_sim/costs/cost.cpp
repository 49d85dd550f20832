#include "costs/cost.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lambda_emu/core/function_config.hpp"

namespace lambda_emu::costs {
namespace {

using nlohmann::json;

// The keys each dist takes besides "kind" and "dist".
const std::map<std::string_view, std::vector<std::string_view>> dist_keys = {
    {"constant", {"ms"}},
    {"uniform", {"min_ms", "max_ms"}},
    {"normal", {"mean_ms", "sd_ms"}},
    {"lognormal", {"p50_ms", "p99_ms", "mu", "sigma"}},
    {"empirical", {"file"}},
};

std::string joined(const std::vector<std::string_view>& words) {
  std::string out;
  for (std::string_view w : words) {
    out += (out.empty() ? "" : ", ") + std::string(w);
  }
  return out;
}

std::string known_dists() {
  std::vector<std::string_view> names;
  for (const auto& [name, keys] : dist_keys) {
    names.push_back(name);
  }
  return joined(names);
}

// What a value must be, by its key: mu may be any number (a log), every other number is a
// duration or a spread and so not negative.
std::optional<std::string> bad_value(const std::string& key, const json& value) {
  if (key == "file") {
    if (!value.is_string() || value.get_ref<const std::string&>().empty()) {
      return "file must be a path";
    }
    return std::nullopt;
  }
  if (!value.is_number()) {
    return key + " must be a number";
  }
  if (key != "mu" && value.get<double>() < 0) {
    return key + " must be >= 0";
  }
  return std::nullopt;
}

// The first of `keys` that `spec` lacks, as an error for `dist`.
std::optional<CostError> missing(const json& spec, std::string_view dist,
                                 std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    if (!spec.contains(key)) {
      return CostError{std::string(dist) + " needs " + key};
    }
  }
  return std::nullopt;
}

double number(const json& spec, const char* key) {
  return spec.at(key).get<double>();
}

Duration ms(double value) {
  return cost_from_ns(value * 1e6);
}

std::string_view trimmed(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) {
    return {};
  }
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

// One number of milliseconds per line; blank lines and lines starting with # are skipped.
std::variant<Distribution, CostError> read_samples(const std::filesystem::path& path) {
  const std::string where = "file " + path.string();
  std::error_code ec;
  std::ifstream in(path);
  if (!std::filesystem::is_regular_file(path, ec) || !in) {
    return CostError{where + " cannot be read"};
  }
  std::vector<Duration> samples;
  std::string line;
  for (int line_number = 1; std::getline(in, line); ++line_number) {
    const std::string_view text = trimmed(line);
    if (text.empty() || text.front() == '#') {
      continue;
    }
    double value = 0;
    const auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (err != std::errc{} || end != text.data() + text.size() || !std::isfinite(value) ||
        value < 0) {
      return CostError{where + " line " + std::to_string(line_number) + ": \"" + std::string(text) +
                       "\" is not a number of ms >= 0"};
    }
    samples.push_back(ms(value));
  }
  if (samples.empty()) {
    return CostError{where + " has no samples"};
  }
  return Empirical::from_samples(std::move(samples));
}

std::variant<Distribution, CostError> log_normal(const json& spec) {
  const bool by_quantiles = spec.contains("p50_ms") || spec.contains("p99_ms");
  if (by_quantiles && (spec.contains("mu") || spec.contains("sigma"))) {
    return CostError{"lognormal takes p50_ms and p99_ms, or mu and sigma, not both"};
  }
  if (!by_quantiles) {
    if (auto e = missing(spec, "lognormal", {"mu", "sigma"})) {
      return *e;
    }
    return LogNormal{number(spec, "mu"), number(spec, "sigma")};
  }
  if (auto e = missing(spec, "lognormal", {"p50_ms", "p99_ms"})) {
    return *e;
  }
  const Duration p50 = ms(number(spec, "p50_ms"));
  const Duration p99 = ms(number(spec, "p99_ms"));
  // A median of zero has no logarithm.
  if (p50 <= Duration::zero()) {
    return CostError{"p50_ms must be > 0"};
  }
  if (p99 < p50) {
    return CostError{"p99_ms must be >= p50_ms"};
  }
  return LogNormal::from_p50_p99(p50, p99);
}

// Every key of `spec` is known and its value well-typed by now.
std::variant<Distribution, CostError> distribution(std::string_view dist, const json& spec,
                                                   const std::filesystem::path& dir) {
  if (dist == "constant") {
    if (auto e = missing(spec, dist, {"ms"})) {
      return *e;
    }
    return Constant{ms(number(spec, "ms"))};
  }
  if (dist == "uniform") {
    if (auto e = missing(spec, dist, {"min_ms", "max_ms"})) {
      return *e;
    }
    if (number(spec, "max_ms") < number(spec, "min_ms")) {
      return CostError{"max_ms must be >= min_ms"};
    }
    return Uniform{ms(number(spec, "min_ms")), ms(number(spec, "max_ms"))};
  }
  if (dist == "normal") {
    if (auto e = missing(spec, dist, {"mean_ms", "sd_ms"})) {
      return *e;
    }
    return Normal{ms(number(spec, "mean_ms")), ms(number(spec, "sd_ms"))};
  }
  if (dist == "lognormal") {
    return log_normal(spec);
  }
  assert(dist == "empirical");
  if (auto e = missing(spec, dist, {"file"})) {
    return *e;
  }
  return read_samples(dir / spec.at("file").get<std::string>());
}

}  // namespace

Duration cpu_wall_time(Duration cpu_time, int memory_mb) {
  assert(memory_mb > 0);
  const double share = std::min(1.0, core::vcpus_for_memory(memory_mb));
  return cost_from_ns(static_cast<double>(cpu_time.count()) / share);
}

Duration sample(const Cost& cost, Random& random, int memory_mb) {
  const Duration d = sample(cost.distribution, random);
  return cost.kind == Cost::Kind::cpu ? cpu_wall_time(d, memory_mb) : d;
}

std::variant<Cost, CostError> parse_cost(const json& spec, const std::filesystem::path& dir) {
  if (spec.is_number()) {
    if (spec.get<double>() < 0) {
      return CostError{"a cost in ms must be >= 0"};
    }
    return Cost{Constant{ms(spec.get<double>())}, Cost::Kind::sleep};
  }
  if (!spec.is_object()) {
    return CostError{"a cost is a number of ms or an object with a dist"};
  }
  const auto dist = spec.find("dist");
  if (dist == spec.end()) {
    return CostError{"dist is required (" + known_dists() + ")"};
  }
  const auto keys =
      dist->is_string() ? dist_keys.find(dist->get_ref<const std::string&>()) : dist_keys.end();
  if (keys == dist_keys.end()) {
    return CostError{"dist must be one of " + known_dists() + ", not " + dist->dump()};
  }
  Cost cost;
  for (const auto& [key, value] : spec.items()) {
    if (key == "dist") {
      continue;
    }
    if (key == "kind") {
      if (value != "sleep" && value != "cpu") {
        return CostError{R"(kind must be "sleep" or "cpu", not )" + value.dump()};
      }
      cost.kind = value == "cpu" ? Cost::Kind::cpu : Cost::Kind::sleep;
      continue;
    }
    if (std::find(keys->second.begin(), keys->second.end(), key) == keys->second.end()) {
      return CostError{"unknown key " + key + " (" + std::string(keys->first) + " takes " +
                       joined(keys->second) + ")"};
    }
    if (auto bad = bad_value(key, value)) {
      return CostError{*bad};
    }
  }
  auto parsed = distribution(keys->first, spec, dir);
  if (auto* e = std::get_if<CostError>(&parsed)) {
    return *e;
  }
  cost.distribution = std::move(std::get<Distribution>(parsed));
  return cost;
}

}  // namespace lambda_emu::costs

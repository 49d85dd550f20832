#include "scenario/scenario.hpp"

#include <algorithm>
#include <fstream>
#include <set>

#include "lambda_emu/core/function_config.hpp"

namespace lambda_emu::wrapper_sim {
namespace {

using nlohmann::json;

RuntimeBase parse_runtime(Fields f) {
  RuntimeBase r;
  r.name = f.text("name", r.name);
  r.init = f.cost("init", costs::no_cost);
  f.done();
  return r;
}

Handler parse_handler(Fields f) {
  Handler h;
  h.init = f.cost("init", costs::no_cost);
  h.work = f.cost("work", costs::no_cost);
  h.response_bytes = f.count("response_bytes", h.response_bytes);
  h.streamed = f.flag("streamed", false);
  f.done();
  return h;
}

Variant parse_variant(Fields f) {
  Variant v;
  v.name = f.text("name");
  if (f.has("stages")) {
    const json& stages = f.raw("stages");
    if (!stages.is_array()) {
      f.fail("stages", "must be an array");
    }
    std::set<std::string> extension_names;
    for (std::size_t i = 0; i < stages.size(); ++i) {
      Fields stage(stages[i], f.path("stages") + "[" + std::to_string(i) + "]", f.dir());
      v.stages.push_back(parse_stage(stage));
      const auto* x = std::get_if<ExtensionStage>(&v.stages.back());
      if (x && !extension_names.insert(x->name).second) {
        stage.fail("name", "\"" + x->name + "\" is already an extension of this variant");
      }
    }
  }
  if (v.extensions().size() > 10) {
    f.fail("stages", "at most 10 extensions (Lambda's limit)");
  }
  f.done();
  return v;
}

Work parse_work(Fields f) {
  Work w;
  w.cold_starts = f.count("cold_starts", w.cold_starts, 1);
  w.warm_invokes = f.count("warm_invokes", w.warm_invokes);
  w.think = f.ms("think_ms", w.think);
  if (f.has("payload_bytes")) {
    const json& sizes = f.raw("payload_bytes");
    if (!sizes.is_array() || sizes.empty()) {
      f.fail("payload_bytes", "must be a non-empty array of byte counts");
    }
    w.payload_bytes.clear();
    for (const json& s : sizes) {
      if (!s.is_number_unsigned() || s.get<std::uint64_t>() > 6'291'456) {
        f.fail("payload_bytes", "sizes must be whole numbers up to 6291456 (Lambda's limit)");
      }
      w.payload_bytes.push_back(s.get<std::uint64_t>());
    }
  }
  f.done();
  return w;
}

Scenario parse(const json& spec, const std::filesystem::path& dir) {
  Fields f(spec, "", dir);
  Scenario s;
  s.dir = dir;
  s.name = f.text("name");
  if (f.has("comment")) {  // where the numbers come from: a string, or anything JSON
    const json& c = spec.at("comment");
    s.comment = c.is_string() ? c.get<std::string>() : c.dump();
  }
  s.seed = f.count("seed", s.seed);
  if (f.has("function")) {
    Fields fn(f.raw("function"), "function", dir);
    s.memory_mb = static_cast<int>(fn.count("memory_mb", s.memory_mb, core::min_memory_mb));
    if (s.memory_mb > core::max_memory_mb) {
      fn.fail("memory_mb", "must be at most " + std::to_string(core::max_memory_mb));
    }
    s.timeout = std::chrono::milliseconds(fn.count("timeout_ms", s.timeout.count(), 1));
    if (s.timeout > std::chrono::seconds(core::max_timeout_seconds)) {
      fn.fail("timeout_ms", "must be at most 900000 (15 minutes)");
    }
    const std::string init = fn.text("initialization", "on-demand");
    if (init == "provisioned-concurrency") {
      s.initialization = Initialization::provisioned;
    } else if (init == "proactive") {
      s.initialization = Initialization::proactive;
    } else if (init != "on-demand") {
      fn.fail(
          "initialization",
          R"(must be "on-demand", "provisioned-concurrency" or "proactive", not ")" + init + "\"");
    }
    fn.done();
  }
  s.runtime = parse_runtime(Fields(f.raw("runtime"), "runtime", dir));
  s.handler = parse_handler(Fields(f.raw("handler"), "handler", dir));
  if (f.has("work")) {
    s.work = parse_work(Fields(f.raw("work"), "work", dir));
  }
  const json& variants = f.raw("variants");
  if (!variants.is_array() || variants.empty()) {
    f.fail("variants", "must be a non-empty array");
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < variants.size(); ++i) {
    Fields vf(variants[i], "variants[" + std::to_string(i) + "]", dir);
    Variant v = parse_variant(vf);
    if (!names.insert(v.name).second) {
      throw ScenarioError(vf.path("name") + ": \"" + v.name + "\" is used twice");
    }
    s.variants.push_back(std::move(v));
  }
  // Overheads are over `bare`: the handler on its runtime with nothing around it.
  auto bare = std::find_if(s.variants.begin(), s.variants.end(),
                           [](const Variant& v) { return v.name == "bare"; });
  if (bare == s.variants.end()) {
    s.variants.insert(s.variants.begin(), Variant{"bare", {}});
  } else if (!bare->stages.empty()) {
    f.fail("variants", "\"bare\" is the handler alone and takes no stages");
  } else {
    std::rotate(s.variants.begin(), bare, bare + 1);
  }
  f.done();
  return s;
}

}  // namespace

bool Variant::streams(const Handler& h) const {
  return h.streamed || std::any_of(stages.begin(), stages.end(), [](const Stage& s) {
           return std::holds_alternative<StreamingBridge>(s);
         });
}

std::vector<const ExtensionStage*> Variant::extensions() const {
  std::vector<const ExtensionStage*> out;
  for (const Stage& s : stages) {
    if (const auto* x = std::get_if<ExtensionStage>(&s)) {
      out.push_back(x);
    }
  }
  return out;
}

const Variant* Scenario::variant(std::string_view wanted) const {
  for (const Variant& v : variants) {
    if (v.name == wanted) {
      return &v;
    }
  }
  return nullptr;
}

std::variant<Scenario, ScenarioError> parse_scenario(const json& spec,
                                                     const std::filesystem::path& dir) {
  try {
    return parse(spec, dir);
  } catch (const ScenarioError& e) {
    return e;
  }
}

std::variant<Scenario, ScenarioError> load_scenario(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) {
    return ScenarioError(file.string() + ": cannot be read");
  }
  json spec = json::parse(in, nullptr, false, true);  // comments allowed
  if (spec.is_discarded()) {
    return ScenarioError(file.string() + ": not valid JSON");
  }
  auto parsed = parse_scenario(spec, file.parent_path());
  if (auto* bad = std::get_if<ScenarioError>(&parsed)) {
    return ScenarioError(file.string() + ": " + bad->what());
  }
  return parsed;
}

}  // namespace lambda_emu::wrapper_sim

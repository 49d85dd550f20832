#pragma once
// ExtensionLayer: a temporary opt dir for `lambda-emu serve --opt-dir`, whose extensions/
// folder holds one launcher script per external extension, as a Lambda layer does. Most
// launchers exec tests/extensions/cpp's test-extension with a mode; each of those appends what
// it sees to <dir>/records/<name>.jsonl, which the test reads back.
//
//   ExtensionLayer layer;
//   layer.add("ext-a", "slow-post:300");
//   layer.add("ext-b", "fast", {"--events", "INVOKE"});
//   EmulatorProcess emu(test_runtime("echo", {"--opt-dir", layer.dir()}));
//   ...
//   CHECK(layer.events("ext-a").at(0)["eventType"] == "INVOKE");
//
// Declare the layer before the emulator so that it outlives it. Also here: the Extensions API
// paths and calls, and the exact error bodies of section 4.6.
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "integration.hpp"

namespace lambda_emu::testing {

inline constexpr std::string_view kExtensionPrefix = "/2020-01-01/extension";
inline constexpr std::string_view kTelemetryPath = "/2022-07-01/telemetry";

// Single-quoted for /bin/sh.
inline std::string shell_quote(std::string_view s) {
  std::string out = "'";
  for (const char c : s) {
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return out + "'";
}

// Parses each line of a JSON-lines file; lines that are not JSON (a half-written last line)
// are skipped.
inline std::vector<json> read_json_lines(const std::filesystem::path& path) {
  std::vector<json> out;
  std::istringstream in(read_file(path));
  std::string line;
  while (std::getline(in, line)) {
    json j = parse_json(line);
    if (!j.is_discarded()) {
      out.push_back(std::move(j));
    }
  }
  return out;
}

class ExtensionLayer {
 public:
  // Not under /tmp, and the records beside the layer, not in it: an isolated sandbox has a
  // private /tmp and sees the layer read-only at /opt.
  ExtensionLayer() {
    const std::filesystem::path base =
        std::filesystem::path(bin_path("")).parent_path().parent_path() / "test-tmp";
    std::filesystem::create_directories(base);
    std::string pattern = (base / "lambda-emu-layer.XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
    }
    root_ = pattern;
    dir_ = root_ / "opt";
    std::filesystem::create_directories(dir_ / "extensions");
    std::filesystem::create_directories(root_ / "records");
  }
  ~ExtensionLayer() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  ExtensionLayer(const ExtensionLayer&) = delete;
  ExtensionLayer& operator=(const ExtensionLayer&) = delete;

  // extensions/<file>: exec test-extension --name <name> --record records/<name>.jsonl
  // --mode <mode> <extra...>. `name` defaults to the file name, as Lambda expects.
  void add(const std::string& file, const std::string& mode = "fast",
           const std::vector<std::string>& extra = {}, std::optional<std::string> name = {}) {
    const std::string ext_name = name.value_or(file);
    std::string script = "#!/bin/sh\nexec " + shell_quote(bin_path("test-extension")) + " --name " +
                         shell_quote(ext_name) + " --record " +
                         shell_quote(record_path(ext_name).string()) + " --mode " +
                         shell_quote(mode);
    for (const std::string& arg : extra) {
      script += " " + shell_quote(arg);
    }
    add_script(file, script + " \"$@\"\n");
  }

  // extensions/<file> with `content`, executable unless told otherwise.
  void add_script(const std::string& file, const std::string& content, bool executable = true) {
    const std::filesystem::path path = dir_ / "extensions" / file;
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << content;
    }
    ::chmod(path.c_str(), executable ? 0755 : 0644);
  }

  // extensions/<file>: a copy of `source` (an extension kept in the repository).
  void add_copy(const std::string& file, const std::filesystem::path& source) {
    const std::filesystem::path path = dir_ / "extensions" / file;
    std::filesystem::copy_file(source, path, std::filesystem::copy_options::overwrite_existing);
    ::chmod(path.c_str(), 0755);
  }

  [[nodiscard]] std::string dir() const { return dir_.string(); }
  [[nodiscard]] std::filesystem::path record_path(std::string_view name) const {
    return root_ / "records" / (std::string(name) + ".jsonl");
  }

  // Every record test-extension <name> wrote so far.
  [[nodiscard]] std::vector<json> records(std::string_view name) const {
    return read_json_lines(record_path(name));
  }
  // Its records of one kind ("register", "event", "telemetry", "exit", ...).
  [[nodiscard]] std::vector<json> records(std::string_view name, std::string_view what) const {
    std::vector<json> out;
    for (json& r : records(name)) {
      if (r.value("what", "") == what) {
        out.push_back(std::move(r));
      }
    }
    return out;
  }
  // The bodies of the events it received, in order.
  [[nodiscard]] std::vector<json> events(std::string_view name) const {
    std::vector<json> out;
    for (json& r : records(name, "event")) {
      out.push_back(std::move(r["body"]));
    }
    return out;
  }
  // The events of one eventType.
  [[nodiscard]] std::vector<json> events(std::string_view name, std::string_view type) const {
    std::vector<json> out;
    for (json& e : events(name)) {
      if (e.value("eventType", "") == type) {
        out.push_back(std::move(e));
      }
    }
    return out;
  }
  // The telemetry envelopes it received, batches concatenated in arrival order.
  [[nodiscard]] std::vector<json> telemetry(std::string_view name) const {
    std::vector<json> out;
    for (json& r : records(name, "telemetry")) {
      if (r["batch"].is_array()) {
        for (json& e : r["batch"]) {
          out.push_back(std::move(e));
        }
      }
    }
    return out;
  }
  // The pid of its latest start (the launcher execs, so this is the process the emulator
  // started).
  [[nodiscard]] std::optional<pid_t> pid(std::string_view name) const {
    const std::vector<json> starts = records(name, "start");
    if (starts.empty()) {
      return std::nullopt;
    }
    return static_cast<pid_t>(starts.back().value("pid", 0));
  }
  // The exit code it recorded last, if it exited on its own.
  [[nodiscard]] std::optional<int> exit_code(std::string_view name) const {
    const std::vector<json> exits = records(name, "exit");
    if (exits.empty()) {
      return std::nullopt;
    }
    return exits.back().value("code", -1);
  }

  // Waits until extension <name> has at least `count` records of kind `what`.
  bool wait_for(std::string_view name, std::string_view what, std::size_t count = 1,
                std::chrono::milliseconds timeout = kWait) const {
    return wait_until([&] { return records(name, what).size() >= count; }, timeout);
  }
  // Waits until extension <name> has received `count` events of eventType `type`.
  bool wait_for_event(std::string_view name, std::string_view type, std::size_t count = 1,
                      std::chrono::milliseconds timeout = kWait) const {
    return wait_until([&] { return events(name, type).size() >= count; }, timeout);
  }

 private:
  std::filesystem::path root_;  // opt/ (the layer) and records/
  std::filesystem::path dir_;
};

// An Extensions API call, path relative to /2020-01-01/extension.
inline HttpResult extension_call(const EmulatorProcess& emu, std::string_view method,
                                 std::string_view path, std::string body = {},
                                 const Headers& headers = {},
                                 std::chrono::milliseconds timeout = kDefaultHttpTimeout) {
  return request(emu.runtime_api_port(), method, std::string(kExtensionPrefix) + std::string(path),
                 std::move(body), headers, timeout);
}

// POST /register as `name` (the test process plays an internal extension, or an external one
// if a launched file has that name).
inline HttpResult register_extension(const EmulatorProcess& emu, const std::string& name,
                                     const std::string& events_json = R"({"events":["INVOKE"]})",
                                     Headers extra = {}) {
  extra.emplace_back("Lambda-Extension-Name", name);
  extra.emplace_back("Content-Type", "application/json");
  return extension_call(emu, "POST", "/register", events_json, extra);
}

// GET /event/next for `id`; blocks until an event (or `timeout`).
inline HttpResult next_event(const EmulatorProcess& emu, const std::string& id,
                             std::chrono::milliseconds timeout = kDefaultHttpTimeout) {
  return extension_call(emu, "GET", "/event/next", {}, {{"Lambda-Extension-Identifier", id}},
                        timeout);
}

// {"errorMessage":...,"errorType":...} in that key order (section 1).
inline std::string error_body(std::string_view message, std::string_view type) {
  // json objects keep keys sorted, and errorMessage < errorType is the required order.
  return json{{"errorMessage", message}, {"errorType", type}}.dump();
}

// The body, allowing the one trailing newline RIE's JSON encoder writes (section 1).
inline std::string without_newline(std::string body) {
  if (body.ends_with('\n')) {
    body.pop_back();
  }
  return body;
}

// Status, content type and exact error body of a refusal.
inline bool is_error(const HttpResult& r, int status, std::string_view type,
                     std::string_view message) {
  return r.status == status && without_newline(r.body) == error_body(message, type) &&
         r.header("Content-Type").value_or("").starts_with("application/json");
}

// Status and errorType only (when the message is parser text or not fixed by the spec).
inline bool is_error_type(const HttpResult& r, int status, std::string_view type) {
  const json body = parse_json(r.body);
  return r.status == status && body.is_object() && body.value("errorType", "") == type &&
         body.contains("errorMessage");
}

// EmulatorProcess::describe() for failure messages; it can throw while a log is still empty.
// How many telemetry envelopes of this type (e.g. "platform.report") `records` holds.
inline std::size_t count_type(const std::vector<json>& records, std::string_view type) {
  return static_cast<std::size_t>(std::count_if(
      records.begin(), records.end(), [&](const json& r) { return r.value("type", "") == type; }));
}

inline std::string logs_of(const EmulatorProcess& emu) {
  try {
    return emu.describe();
  } catch (const std::exception& e) {
    return std::string("(logs unavailable: ") + e.what() + ")";
  }
}

inline bool is_uuid(const std::string& s) {
  static const std::regex kUuid("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  return std::regex_match(s, kUuid);
}

}  // namespace lambda_emu::testing

#pragma once
// Shared helpers of the integration tests: how to start the emulator with each test runtime,
// invoke it, and read its CloudWatch-style stdout.
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <regex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "api/base64.hpp"
#include "emulator_process.hpp"
#include "http_client.hpp"

namespace lambda_emu::testing {

using namespace std::chrono_literals;
using json = nlohmann::json;

inline constexpr std::string_view kInvokePath = "/2015-03-31/functions/function/invocations";
inline constexpr std::string_view kRuntimePrefix = "/2018-06-01/runtime";
// Generous deadlines: they only bound waits for things that must happen, never measure speed.
inline constexpr std::chrono::milliseconds kWait = 10s;

// The emulator running tests/runtimes/cpp's test-runtime with `handler` as _HANDLER.
inline EmulatorSpec test_runtime(std::string handler, std::vector<std::string> args = {},
                                 std::vector<std::string> env = {}) {
  args.insert(args.begin(), {"--handler", std::move(handler)});
  return {std::move(args), {bin_path("test-runtime")}, std::move(env)};
}

// The emulator with a bootstrap that starts and then never calls the Runtime API: the test
// itself plays the runtime on runtime_api_port().
inline EmulatorSpec silent_runtime(std::vector<std::string> args = {}) {
  return {std::move(args), {"/bin/sleep", "600"}, {}};
}

inline HttpResult invoke(const EmulatorProcess& emu, std::string body, const Headers& headers = {},
                         std::chrono::milliseconds timeout = kDefaultHttpTimeout) {
  return request(emu.invoke_port(), "POST", kInvokePath, std::move(body), headers, timeout);
}

// A Runtime API call, path relative to /2018-06-01/runtime.
inline HttpResult runtime_call(const EmulatorProcess& emu, std::string_view method,
                               std::string_view path, std::string body = {},
                               const Headers& headers = {},
                               std::chrono::milliseconds timeout = kDefaultHttpTimeout) {
  return request(emu.runtime_api_port(), method, std::string(kRuntimePrefix) + std::string(path),
                 std::move(body), headers, timeout);
}

// Parses a JSON body; a json `discarded` value if it is not JSON.
inline json parse_json(const std::string& body) {
  return json::parse(body, nullptr, false);
}

// Lines of `text` that start with `prefix`.
inline std::vector<std::string> lines_starting_with(const std::string& text,
                                                    std::string_view prefix) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      end = text.size();
    }
    std::string_view line(text.data() + start, end - start);
    if (line.starts_with(prefix)) {
      out.emplace_back(line);
    }
    start = end + 1;
  }
  return out;
}

// The line that starts with `prefix` and contains `needle`; empty if none.
inline std::string line_with(const std::string& text, std::string_view prefix,
                             std::string_view needle) {
  for (std::string& line : lines_starting_with(text, prefix)) {
    if (line.find(needle) != std::string::npos) {
      return line;
    }
  }
  return {};
}

// Position of `needle` in `text`, std::string::npos if absent (for ordering checks).
inline std::size_t position_of(const std::string& text, std::string_view needle) {
  return text.find(needle);
}

// The emulator's own base64 (RFC 4648), for client contexts and streamed error bodies.
using api::base64_decode;
using api::base64_encode;

// An invoke through the RIE path whose body is handed to `on_chunk` as it arrives.
inline HttpResult invoke_streaming(const EmulatorProcess& emu, const json& event,
                                   const std::function<bool(std::string_view)>& on_chunk,
                                   std::chrono::milliseconds timeout = kDefaultHttpTimeout) {
  return request_streaming(emu.invoke_port(), "POST", kInvokePath, event.dump(), {}, on_chunk,
                           timeout);
}

// The n-th (1-based) REPORT line, once there is one.
inline std::string report_line(const EmulatorProcess& emu, std::size_t n) {
  if (!emu.wait_for_stdout("REPORT RequestId: ", kWait, n)) {
    return "(no REPORT line " + std::to_string(n) + ")";
  }
  return lines_starting_with(emu.stdout_text(), "REPORT RequestId: ").at(n - 1);
}

inline std::int64_t epoch_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A file a runtime waits for before it goes on (a handshake instead of a sleep), in a fresh
// directory under the build tree, which the sandbox shares (its /tmp is its own).
struct Marker {
  Marker() {
    const std::filesystem::path dir =
        std::filesystem::path(bin_path("")).parent_path().parent_path() / "test-tmp";
    std::filesystem::create_directories(dir);
    std::string pattern = (dir / "marker.XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp " + pattern + " failed");
    }
    path = std::filesystem::path(pattern) / "go";
  }
  ~Marker() {
    std::error_code ec;
    std::filesystem::remove_all(path.parent_path(), ec);
  }
  Marker(const Marker&) = delete;
  Marker& operator=(const Marker&) = delete;
  void create() const { std::ofstream(path) << "go"; }
  // An on_chunk callback for request_streaming: makes the marker once `text` has arrived.
  std::function<bool(std::string_view)> create_when_received(std::string text) const {
    auto received = std::make_shared<std::string>();
    return [this, received, text = std::move(text)](std::string_view piece) {
      if (!std::filesystem::exists(path)) {
        received->append(piece);
        if (received->find(text) != std::string::npos) {
          create();
        }
      }
      return true;
    };
  }
  std::filesystem::path path;
};

// An event for test-runtime that proves invokes run at the same time: each handler says it
// arrived in `go`'s directory, then waits until the test creates `go`.
inline std::string rendezvous(const Marker& go) {
  return json{{"do", "rendezvous"}, {"dir", go.path.parent_path().string()}}.dump();
}

// Waits until exactly `n` rendezvous handlers arrived in `go`'s directory.
inline bool wait_for_arrivals(const Marker& go, std::size_t n,
                              std::chrono::seconds timeout = std::chrono::seconds(60)) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::size_t arrived = 0;
    for (const auto& e : std::filesystem::directory_iterator(go.path.parent_path())) {
      arrived += e.path().filename().string().starts_with("arrived-") ? 1 : 0;
    }
    if (arrived >= n) {
      return arrived == n;
    }
    if (std::chrono::steady_clock::now() > until) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// Sends `n` rendezvous invokes at once and returns their answers, in sending order, once every
// handler has run at the same time as the others; empty when they did not all arrive.
inline std::vector<HttpResult> invoke_together(const EmulatorProcess& emu, std::size_t n) {
  Marker go;
  std::vector<std::future<HttpResult>> calls;
  for (std::size_t i = 0; i < n; ++i) {
    calls.push_back(std::async(std::launch::async, [&] {
      return invoke(emu, rendezvous(go), {}, std::chrono::seconds(60));
    }));
  }
  const bool all = wait_for_arrivals(go, n);
  go.create();
  std::vector<HttpResult> out;
  for (auto& call : calls) {
    out.push_back(call.get());
  }
  if (!all) {
    out.clear();
  }
  return out;
}

// Helpers more than one test file needs: one definition each, which the unity build (one
// translation unit for several test files) needs too.

// The Node.js tests need aws-lambda-ric (scripts/setup.sh) and skip without it.
inline bool ric_installed() {
  return std::filesystem::is_directory(
      source_path("examples/hello-node/node_modules/aws-lambda-ric"));
}

#define SKIP_WITHOUT_RIC()                                                                    \
  if (!ric_installed()) {                                                                     \
    WARN(                                                                                     \
        "aws-lambda-ric is not installed (examples/hello-node/node_modules/aws-lambda-ric); " \
        "run scripts/setup.sh. Skipping.");                                                   \
    SUCCEED("skipped: aws-lambda-ric absent");                                                \
    return;                                                                                   \
  }

// The emulator running aws-lambda-ric with tests/integration/node/handlers.mjs's `handler`.
inline EmulatorSpec node_runtime(std::string handler, std::vector<std::string> args = {}) {
  args.insert(args.end(), {"--task-root", source_path("tests/integration/node"), "--handler",
                           "handlers." + std::move(handler)});
  return {std::move(args),
          {source_path("examples/hello-node/bootstrap")},
          {"LAMBDA_EMU_NODE=" + source_path(".deps/node/bin/node")}};
}

// The first request id (a UUID) in `line`; empty if none.
inline std::string request_id_in(const std::string& line) {
  static const std::regex kUuid("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  std::smatch m;
  return std::regex_search(line, m, kUuid) ? m.str() : std::string();
}

// "Duration: 1234.56 ms" of a REPORT line, in ms; -1 if absent.
inline double report_duration(const std::string& line) {
  static const std::regex kDuration("\tDuration: ([0-9]+\\.[0-9]{2}) ms");
  std::smatch m;
  return std::regex_search(line, m, kDuration) ? std::stod(m[1]) : -1;
}

// The output of `command` run by the test runtime's "shell" handler inside the sandbox.
inline std::string shell(const EmulatorProcess& emu, const std::string& command) {
  const HttpResult r = invoke(emu, json{{"do", "shell"}, {"command", command}}.dump());
  REQUIRE(r.status == 200);
  return parse_json(r.body).value("output", "");
}

}  // namespace lambda_emu::testing

// Freeze and thaw (issue 6 item 3): work a handler leaves running after its response does not
// progress while the sandbox is frozen, and runs again while the next invoke does.
#include <filesystem>
#include <fstream>
#include <thread>

#include <catch2/catch.hpp>

#include "extension_layer.hpp"
#include "integration.hpp"

using namespace lambda_emu::testing;

namespace {

// Lines in `file` (0 when it does not exist yet).
std::size_t lines_in(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
  }
  return n;
}

// Starts, from the handler, a background loop that appends a line to `file` every 10 ms and
// outlives the invoke (as a timer left behind by a Node.js handler does).
std::string background_writer(const std::filesystem::path& file) {
  return json{{"do", "shell"},
              {"command", "(while :; do echo tick >> '" + file.string() +
                              "'; sleep 0.01; done) >/dev/null 2>&1 & echo started"}}
      .dump();
}

}  // namespace

TEST_CASE("freeze: background work does not run between invokes and runs during the next",
          "[integration][freeze]") {
  const std::string mode = GENERATE(as<std::string>{}, "on", "off");
  INFO("--freeze " << mode);
  Marker dir;  // under the build tree: visible inside the sandbox
  const std::filesystem::path file = dir.path.parent_path() / "ticks";
  EmulatorProcess emu(test_runtime("script", {"--freeze", mode}));
  REQUIRE(invoke(emu, background_writer(file)).status == 200);
  // REPORT is written after the invoke ended, and the freeze came with that end.
  REQUIRE(!report_line(emu, 1).empty());
  REQUIRE(wait_until([&] { return lines_in(file) > 0 || mode == "on"; }, kWait));

  const std::size_t before = lines_in(file);
  std::this_thread::sleep_for(500ms);
  const std::size_t idle = lines_in(file) - before;
  // A line may have been on its way when the freeze came.
  if (mode == "on") {
    CHECK(idle <= 1);
  } else {
    CHECK(idle >= 10);  // 50 at 10 ms; a loaded machine runs it slower
  }

  // The next invoke thaws the sandbox for as long as it runs.
  const std::size_t at_thaw = lines_in(file);
  REQUIRE(invoke(emu, R"({"do":"sleep","ms":300})").status == 200);
  CHECK(lines_in(file) - at_thaw >= 5);  // 30 at 10 ms

  // A shutdown thaws it first: the processes get their SIGKILL and the sandbox stops.
  CHECK(emu.stop() == 0);
}

TEST_CASE("freeze: the trace records each freeze and thaw", "[integration][freeze][trace]") {
  Marker dir;
  const std::filesystem::path trace = dir.path.parent_path() / "trace.jsonl";
  EmulatorProcess emu(test_runtime("echo", {"--trace", trace.string()}));
  // Each invoke is over (REPORT) before the next: one that arrives earlier is handed over
  // without a freeze in between.
  REQUIRE(invoke(emu, "{}").status == 200);
  REQUIRE(!report_line(emu, 1).empty());
  REQUIRE(invoke(emu, "{}").status == 200);
  REQUIRE(!report_line(emu, 2).empty());
  CHECK(emu.stop() == 0);
  std::vector<std::string> kinds;
  std::ifstream in(trace);
  for (std::string line; std::getline(in, line);) {
    const json j = parse_json(line);
    const std::string kind = j.value("kind", "");
    if (kind == "freeze" || kind == "thaw") {
      kinds.push_back(kind);
      CHECK(j.contains("us"));
    }
  }
  // Frozen after each invoke, thawed for the second and for the shutdown.
  INFO(read_file(trace));
  CHECK(kinds == std::vector<std::string>{"freeze", "thaw", "freeze", "thaw"});
}

TEST_CASE("freeze: an invoke's platform.report reaches a listener at the next thaw",
          "[integration][freeze][telemetry]") {
  ExtensionLayer layer;
  layer.add("tel", "telemetry:platform");
  EmulatorProcess emu(test_runtime("script", {"--opt-dir", layer.dir()}));
  REQUIRE(invoke(emu, R"({"do":"echo"})").status == 200);
  const std::string first = report_line(emu, 1);
  REQUIRE(!first.empty());
  // Frozen with its listener: the report waits (here 300 ms; on Lambda, minutes).
  std::this_thread::sleep_for(300ms);
  CHECK(count_type(layer.telemetry("tel"), "platform.report") == 0);
  // The next invoke thaws the sandbox for 300 ms, and the report is delivered meanwhile.
  REQUIRE(invoke(emu, R"({"do":"sleep","ms":300})").status == 200);
  REQUIRE(wait_until([&] { return count_type(layer.telemetry("tel"), "platform.report") >= 1; },
                     kWait));
  const std::vector<json> records = layer.telemetry("tel");
  for (const json& r : records) {
    if (r.value("type", "") == "platform.report") {
      CHECK(first.find(r["record"].value("requestId", "?")) != std::string::npos);
      break;
    }
  }
  CHECK(emu.stop() == 0);
}

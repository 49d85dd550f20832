// A sandbox's resources as Lambda allocates them (issue 6 items 1 and 2): a CPU share of
// memory/1769 MB of one CPU, and the memory size as a hard limit whose breach is
// Runtime.OutOfMemory. Where the kernel refuses cgroups the emulator runs unthrottled and says so;
// these tests then say so too, and the fallback is tested by forcing it (--cgroups off).
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "extension_layer.hpp"
#include "integration.hpp"

using namespace lambda_emu::testing;

namespace {

// "Init Duration: 123.45 ms" of a REPORT line, in ms; -1 when there is none.
double init_duration_ms(const std::string& report) {
  const std::string key = "Init Duration: ";
  const std::size_t at = report.find(key);
  return at == std::string::npos ? -1 : std::stod(report.substr(at + key.size()));
}

bool ready_flag(const EmulatorProcess& emu, const char* key) {
  return parse_json(emu.ready_text()).value(key, false);
}

// A fixed amount of CPU work at Init: 25 million steps, ~55 ms on one full CPU here.
constexpr const char* kCpuInit = "cpu-init:25";

// Cold-starts one function per memory size (a config file) and returns their Init Durations.
std::vector<double> init_durations(const std::vector<int>& sizes,
                                   const std::vector<std::string>& extra_args, bool* scaled) {
  Marker dir;
  const std::filesystem::path config = dir.path.parent_path() / "functions.json";
  json functions = json::array();
  for (const int mb : sizes) {
    functions.push_back({{"name", "m" + std::to_string(mb)},
                         {"bootstrap", bin_path("test-runtime")},
                         {"handler", kCpuInit},
                         {"memory", mb}});
  }
  std::ofstream(config) << json{{"functions", functions}}.dump(2);
  std::vector<std::string> args = {"--config", config.string()};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  EmulatorProcess emu({args, {}, {}});
  *scaled = ready_flag(emu, "cpu_scaling");
  std::vector<double> out;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const std::string path = "/2015-03-31/functions/m" + std::to_string(sizes[i]) + "/invocations";
    REQUIRE(request(emu.invoke_port(), "POST", path, "{}", {}, 60s).status == 200);
    out.push_back(init_duration_ms(report_line(emu, i + 1)));
    INFO(logs_of(emu));
    REQUIRE(out.back() > 0);
  }
  CHECK(emu.stop() == 0);
  return out;
}

}  // namespace

TEST_CASE("cpu: a CPU-bound Init takes about 1769/128 times longer at 128 MB than at 1,769 MB",
          "[integration][cpu]") {
  bool scaled = false;
  const std::vector<double> ms = init_durations({1769, 512, 128}, {}, &scaled);
  if (!scaled) {
    WARN("no CPU scaling here (no writable cgroups); ran unthrottled");
    return;
  }
  INFO("Init Duration at 1769, 512, 128 MB: " << ms[0] << ", " << ms[1] << ", " << ms[2] << " ms");
  // Lambda's rule gives 3.46x and 13.8x. The band is generous: a loaded machine (ctest runs
  // tests in parallel) gives the full CPU of 1,769 MB less than all of a core, which narrows the
  // ratios against it; the two throttled sizes keep their shares under load, so their own ratio
  // (the rule's 4x) is held tighter.
  // (Seen with two busy loops on the 2 cores: 1.5x and 6.4x against 1,769 MB, 4.3x between the
  // throttled sizes.)
  CHECK(ms[1] / ms[0] > 1.2);
  CHECK(ms[1] / ms[0] < 5.0);
  CHECK(ms[2] / ms[0] > 3.0);
  CHECK(ms[2] / ms[0] < 22.0);
  CHECK(ms[2] / ms[1] > 2.5);
  CHECK(ms[2] / ms[1] < 6.0);
}

TEST_CASE("cpu: without cgroups (--cgroups off) the sandboxes run unthrottled and it is said",
          "[integration][cpu]") {
  bool scaled = true;
  const std::vector<double> ms = init_durations({1769, 128}, {"--cgroups", "off"}, &scaled);
  CHECK_FALSE(scaled);
  INFO("Init Duration at 1769, 128 MB: " << ms[0] << ", " << ms[1] << " ms");
  CHECK(ms[1] / ms[0] < 3.0);  // the same work on the same CPU; 13.8x when scaled
}

TEST_CASE("memory: a handler allocating past its memory size gets Runtime.OutOfMemory",
          "[integration][memory]") {
  // Unthrottled, so the allocation is quick at 128 MB.
  EmulatorProcess emu(test_runtime("script", {"--memory", "128", "--cpu-scaling", "off"}));
  const bool limited = ready_flag(emu, "memory_limit");
  if (!limited) {
    WARN("no memory cgroup here (no writable cgroups); no limit to breach");
    return;
  }
  // Through the Invoke API, as the SDKs call it: 200 with X-Amz-Function-Error.
  const HttpResult oom =
      request(emu.invoke_port(), "POST", "/2015-03-31/functions/test_function/invocations",
              R"({"do":"allocate","mb":300})", {}, 60s);
  INFO(logs_of(emu));
  CHECK(oom.status == 200);
  CHECK(oom.header("X-Amz-Function-Error") == "Unhandled");
  const json body = parse_json(oom.body);
  CHECK(body["errorType"] == "Runtime.OutOfMemory");
  CHECK(body["errorMessage"].get<std::string>().ends_with(
      "Error: Runtime exited with error: signal: killed"));
  const std::string report = report_line(emu, 1);
  CHECK(report.find("Max Memory Used: 128 MB") != std::string::npos);
  CHECK(report.find("Error Type: Runtime.OutOfMemory") != std::string::npos);

  // The sandbox is reset: the next invoke initializes again and works, within the limit.
  const HttpResult next = invoke(emu, R"({"do":"allocate","mb":50})", {}, 60s);
  CHECK(next.status == 200);
  CHECK(next.body == "\"allocated\"");
  CHECK(lines_starting_with(emu.stdout_text(), "INIT_START").size() == 2);
  CHECK(emu.stop() == 0);
}

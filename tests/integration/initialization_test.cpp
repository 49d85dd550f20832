// Initialization types (issue 6 item 4) with real processes: provisioned concurrency initializes
// ahead of invokes and says so everywhere Lambda does; proactive initialization readies a sandbox
// before it is needed.
#include <future>
#include <set>

#include <catch2/catch.hpp>

#include "extension_layer.hpp"
#include "integration.hpp"

using namespace lambda_emu::testing;

namespace {

// The records of this type the extension received, in order.
std::vector<json> of_type(const std::vector<json>& records, std::string_view type) {
  std::vector<json> out;
  for (const json& r : records) {
    if (r.value("type", "") == type) {
      out.push_back(r);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("init types: a provisioned sandbox initializes before the first invoke, off its path",
          "[integration][init-type]") {
  ExtensionLayer layer;
  layer.add("tel", "telemetry:platform");
  // Unfrozen, so the init records reach the listener without waiting for a thaw.
  EmulatorProcess emu(
      test_runtime("script", {"--opt-dir", layer.dir(), "--max-concurrency", "2",
                              "--provisioned-concurrency", "1", "--freeze", "off"}));
  // Init runs at start, with no invoke.
  REQUIRE(wait_until(
      [&] { return !of_type(layer.telemetry("tel"), "platform.initReport").empty(); }, kWait));
  const json init_report = of_type(layer.telemetry("tel"), "platform.initReport").at(0);
  CHECK(init_report["record"]["initializationType"] == "provisioned-concurrency");
  CHECK(init_report["record"]["phase"] == "init");
  CHECK(
      of_type(layer.telemetry("tel"), "platform.initStart").at(0)["record"]["initializationType"] ==
      "provisioned-concurrency");

  const HttpResult r = invoke(emu, R"({"do":"headers"})");
  REQUIRE(r.status == 200);
  CHECK(parse_json(r.body)["env"]["AWS_LAMBDA_INITIALIZATION_TYPE"] == "provisioned-concurrency");
  // No Init on the invoke's path: its REPORT has no Init Duration, and only one Init ran.
  const std::string report = report_line(emu, 1);
  CHECK(report.find("Init Duration") == std::string::npos);
  CHECK(lines_starting_with(emu.stdout_text(), "INIT_START").size() == 1);
  REQUIRE(wait_until([&] { return !of_type(layer.telemetry("tel"), "platform.start").empty(); },
                     kWait));
  // The Init ended before the invoke started.
  CHECK(init_report["time"].get<std::string>() <
        of_type(layer.telemetry("tel"), "platform.start").at(0)["time"].get<std::string>());
  CHECK(emu.stop() == 0);
}

TEST_CASE("init types: beyond provisioned concurrency a cold start is on-demand",
          "[integration][init-type]") {
  EmulatorProcess emu(test_runtime("script", {"--max-concurrency", "2", "--provisioned-concurrency",
                                              "1", "--at-limit", "queue"}));
  REQUIRE(emu.wait_for_stdout("INIT_START", kWait, 1));
  const std::vector<HttpResult> both = invoke_together(emu, 2);
  REQUIRE(both.size() == 2);
  std::multiset<std::string> types;
  for (const HttpResult& r : both) {
    types.insert(parse_json(r.body)["env"]["AWS_LAMBDA_INITIALIZATION_TYPE"].get<std::string>());
  }
  CHECK(types == std::multiset<std::string>{"on-demand", "provisioned-concurrency"});
  // Only the on-demand cold start shows its Init in a REPORT.
  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait, 2));
  CHECK(emu.stop() == 0);
  std::size_t with_init = 0;
  for (const std::string& line : lines_starting_with(emu.stdout_text(), "REPORT RequestId: ")) {
    with_init += line.find("Init Duration") != std::string::npos ? 1 : 0;
  }
  CHECK(with_init == 1);
}

TEST_CASE("init types: --proactive-init 1 readies one more sandbox after each cold start",
          "[integration][init-type]") {
  EmulatorProcess emu(test_runtime("script", {"--max-concurrency", "3", "--proactive-init", "1"}));
  REQUIRE(invoke(emu, R"({"do":"echo"})").status == 200);
  // The cold start of sandbox 1 made sandbox 2 initialize ahead, with no invoke.
  REQUIRE(emu.wait_for_stdout("INIT_START", kWait, 2));
  const std::string report = report_line(emu, 1);
  CHECK(report.find("Init Duration") != std::string::npos);  // the on-demand cold start
  CHECK(emu.stop() == 0);
}

// AWS's Node.js runtime interface client (aws-lambda-ric, examples/hello-node/bootstrap)
// running beside two external extensions: the real runtime client must not notice them, except
// that an extension's post-invoke work shows in REPORT Duration.
#include <catch2/catch.hpp>

#include <filesystem>
#include <regex>

#include "extension_layer.hpp"

namespace lambda_emu::testing {
namespace {

std::int64_t epoch_ns_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST_CASE("node ric with extensions: cold start, warm invoke, post-invoke work, SHUTDOWN",
          "[integration][node][extensions][C39][C42][C54]") {
  SKIP_WITHOUT_RIC();
  ExtensionLayer layer;
  layer.add("ric-watcher");
  layer.add("ric-post-worker", "slow-post:300");
  EmulatorProcess emu(node_runtime("echo", {"--opt-dir", layer.dir()}));

  const HttpResult first = invoke(emu, R"({"n":1,"list":[1,2,3]})");
  const std::int64_t first_answered = epoch_ns_now();
  INFO(logs_of(emu));
  REQUIRE(first.status == 200);
  CHECK(parse_json(first.body) == parse_json(R"({"n":1,"list":[1,2,3]})"));
  const HttpResult second = invoke(emu, R"({"n":2})");
  REQUIRE(second.status == 200);
  CHECK(parse_json(second.body) == parse_json(R"({"n":2})"));
  CHECK_FALSE(first.has_header("X-Amz-Function-Error"));
  CHECK_FALSE(second.has_header("X-Amz-Function-Error"));

  // The caller had its answer before the extension's post-invoke work was done.
  REQUIRE(layer.wait_for("ric-post-worker", "work_done", 2));
  const std::vector<json> done = layer.records("ric-post-worker", "work_done");
  CHECK(first_answered < done[0]["epoch_ns"].get<std::int64_t>());
  REQUIRE(layer.wait_for_event("ric-watcher", "INVOKE", 2));

  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait, 2));
  const std::string out = emu.stdout_text();
  CHECK(lines_starting_with(out, "INIT_START ").size() == 1);
  CHECK(out.find("EXTENSION\tName: ric-watcher\tState: Ready\tEvents: [INVOKE, SHUTDOWN]\n") !=
        std::string::npos);
  CHECK(out.find("EXTENSION\tName: ric-post-worker\tState: Ready\tEvents: [INVOKE, SHUTDOWN]\n") !=
        std::string::npos);
  const auto reports = lines_starting_with(out, "REPORT RequestId: ");
  REQUIRE(reports.size() == 2);
  CHECK(reports[0].find("\tInit Duration: ") != std::string::npos);
  CHECK(reports[1].find("\tInit Duration: ") == std::string::npos);
  for (const std::string& report : reports) {
    INFO(report);
    // The post-invoke work is part of the invoke (section 6.2).
    CHECK(report_duration(report) >= 300.0);
  }
  const auto starts = lines_starting_with(out, "START RequestId: ");
  REQUIRE(starts.size() == 2);
  const std::vector<json> seen = layer.events("ric-watcher", "INVOKE");
  CHECK(starts[0].find(seen.at(0)["requestId"].get<std::string>()) != std::string::npos);
  CHECK(starts[1].find(seen.at(1)["requestId"].get<std::string>()) != std::string::npos);

  CHECK(emu.stop() == 0);
  for (const std::string name : {"ric-watcher", "ric-post-worker"}) {
    INFO(name);
    const std::vector<json> shutdown = layer.events(name, "SHUTDOWN");
    REQUIRE(shutdown.size() == 1);
    CHECK(shutdown[0]["shutdownReason"] == "spindown");
    CHECK(layer.exit_code(name) == 0);
  }
}

}  // namespace
}  // namespace lambda_emu::testing

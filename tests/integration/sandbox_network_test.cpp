// A network of its own per sandbox (--network private): extensions that listen on a fixed port
// run in several sandboxes at once, as on Lambda, the Runtime API is 127.0.0.1:9001 in each, and
// nothing of the host's network is reachable from inside. Where the kernel refuses (no
// CAP_SYS_ADMIN) the emulator says so and shares the host's network; the tests then say so too.
#include <future>
#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "extension_layer.hpp"
#include "integration.hpp"

using namespace lambda_emu::testing;

namespace {

bool private_network(const EmulatorProcess& emu) {
  return parse_json(emu.ready_text()).value("private_network", false);
}

}  // namespace

TEST_CASE("network: two sandboxes each run an extension listening on port 4243",
          "[integration][pool][network]") {
  ExtensionLayer layer;
  layer.add("fixed-port", "telemetry:platform", {"--listener-port", "4243"});
  EmulatorProcess emu(test_runtime(
      "script", {"--opt-dir", layer.dir(), "--network", "private", "--max-concurrency", "2",
                 // unfrozen: the platform.start of each reaches its listener without a next event
                 "--freeze", "off"}));
  if (!private_network(emu)) {
    WARN("no network namespaces here; sandboxes share the host's network:\n" << emu.stderr_text());
    return;
  }
  const std::vector<HttpResult> both = invoke_together(emu, 2);
  INFO(logs_of(emu));
  REQUIRE(both.size() == 2);
  const HttpResult& ra = both[0];
  const HttpResult& rb = both[1];
  REQUIRE(ra.status == 200);
  REQUIRE(rb.status == 200);
  // Each sandbox's Runtime API is where Lambda puts it.
  CHECK(parse_json(ra.body)["env"]["AWS_LAMBDA_RUNTIME_API"] == "127.0.0.1:9001");
  CHECK(parse_json(rb.body)["env"]["AWS_LAMBDA_RUNTIME_API"] == "127.0.0.1:9001");

  // Both extensions bound 4243 and subscribed there; each got its own sandbox's invoke.
  const std::vector<json> subscribed = layer.records("fixed-port", "subscribe");
  REQUIRE(subscribed.size() == 2);
  for (const json& s : subscribed) {
    CHECK(s["port"] == 4243);
  }
  std::set<std::string> started;
  REQUIRE(wait_until(
      [&] {
        for (const json& t : layer.records("fixed-port", "telemetry")) {
          for (const json& record : t["batch"]) {
            if (record.value("type", "") == "platform.start") {
              started.insert(record["record"].value("requestId", ""));
            }
          }
        }
        return started.size() == 2;
      },
      kWait));
  CHECK(emu.stop() == 0);
  CHECK(lines_starting_with(emu.stdout_text(), "INIT_START").size() == 2);
}

TEST_CASE("network: inside a private network only loopback exists, the host is unreachable",
          "[integration][network]") {
  EmulatorProcess emu(test_runtime("script", {"--network", "private"}));
  if (!private_network(emu)) {
    WARN("no network namespaces here; sandboxes share the host's network:\n" << emu.stderr_text());
    return;
  }
  // /proc/net/dev: two header lines, then one line per interface.
  CHECK(shell(emu, "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '") == "lo\n");
  // The emulator's invoke endpoint listens on the host's 127.0.0.1; inside, that is another one.
  const std::string port = std::to_string(emu.invoke_port());
  CHECK(shell(emu, "bash -c 'exec 3<>/dev/tcp/127.0.0.1/" + port +
                       "' 2>/dev/null && echo reached || echo unreachable") == "unreachable\n");
  CHECK(emu.stop() == 0);
}

TEST_CASE("network: --network shared leaves the sandboxes on the host's network",
          "[integration][network]") {
  EmulatorProcess emu(test_runtime("script", {}));
  CHECK_FALSE(private_network(emu));
  const std::string port = std::to_string(emu.invoke_port());
  CHECK(shell(emu, "bash -c 'exec 3<>/dev/tcp/127.0.0.1/" + port +
                       "' 2>/dev/null && echo reached || echo unreachable") == "reached\n");
  CHECK(emu.stop() == 0);
}

// The wrapper runtime (wrapper_sim/bootstrap) under lambda-emu: each stage type spent for real,
// cold and warm, with the scenarios of tests/integration/wrapper/. Costs are tens of ms, and
// every timing check is a lower bound: a stage's cost must show up in what Lambda reports.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <future>
#include <regex>
#include <set>

#include "extension_layer.hpp"

namespace lambda_emu::testing {
namespace {

std::string scenario(std::string_view file) {
  return source_path("tests/integration/wrapper/" + std::string(file));
}

// The emulator running lambda-emu-wrapper on `variant` of `file`, with its debug log (the
// server's and the extension's per-invoke lines) and fixed draws.
EmulatorSpec wrapper(std::string_view file, std::string_view variant,
                     std::vector<std::string> args = {}) {
  for (const std::string& env :
       {"LAMBDA_EMU_SCENARIO=" + scenario(file), "LAMBDA_EMU_VARIANT=" + std::string(variant),
        std::string("LAMBDA_EMU_WRAPPER_LOG=debug"), std::string("LAMBDA_EMU_WRAPPER_SEED=1")}) {
    args.insert(args.end(), {"-e", env});
  }
  return {std::move(args), {bin_path("lambda-emu-wrapper")}, {}};
}

// "<label>: 12.34 ms" of a REPORT line, in ms; -1 if absent.
double ms_field(const std::string& line, const std::string& label) {
  const std::regex field("(^|\t)" + label + ": ([0-9]+\\.[0-9]{2}) ms");
  std::smatch m;
  return std::regex_search(line, m, field) ? std::stod(m[2]) : -1;
}

std::string request_id_of(const std::string& report) {
  static const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  std::smatch m;
  return std::regex_search(report, m, uuid) ? m.str() : std::string();
}

// Two invokes, cold then warm, and what the function logged.
struct ColdAndWarm {
  std::string cold;  // REPORT lines
  std::string warm;
  std::string out;  // the emulator's stdout: the function's log
};

// Both invokes must succeed with `body`.
ColdAndWarm cold_and_warm(const EmulatorProcess& emu, const std::string& body) {
  const HttpResult cold = invoke(emu, R"({"n":1})");
  const HttpResult warm = invoke(emu, R"({"n":2})");
  INFO(logs_of(emu));
  REQUIRE(cold.status == 200);
  REQUIRE(warm.status == 200);
  CHECK(cold.body == body);
  CHECK(warm.body == body);
  ColdAndWarm run{report_line(emu, 1), report_line(emu, 2), {}};
  run.out = emu.stdout_text();
  // Init Duration only on the cold start.
  CHECK(ms_field(run.warm, "Init Duration") < 0);
  return run;
}

// The layer with a link per extension stage of `variant`, made by the extension's own installer.
void install_extensions(const ExtensionLayer& layer, std::string_view file,
                        std::string_view variant) {
  const std::string command = "LAMBDA_EMU_SCENARIO=" + shell_quote(scenario(file)) +
                              " LAMBDA_EMU_VARIANT=" + shell_quote(variant) + " " +
                              shell_quote(bin_path("lambda-emu-wrapper-extension")) +
                              " --install-layer " + shell_quote(layer.dir()) + " >/dev/null";
  REQUIRE(std::system(command.c_str()) == 0);
}

}  // namespace

TEST_CASE("wrapper runtime: a js_shim adds its init to Init and its per_invoke to every invoke",
          "[integration][wrapper-runtime]") {
  struct Case {
    std::string variant;
    double init_ms;    // at least
    double invoke_ms;  // at least, cold and warm
  };
  const Case c = GENERATE(
      // runtime.init 20 + handler.init 10; handler.work 15
      Case{"bare", 30.0, 15.0},
      // 20 + the shim's 30 ms of CPU (at least 30 ms of wall time on any share) + 10; the
      // shim's per_invoke 25 + 15
      Case{"shim", 60.0, 40.0});
  EmulatorProcess emu(wrapper("js_shim.json", c.variant));
  const auto [cold, warm, out] = cold_and_warm(emu, std::string(100, 'x'));
  INFO(c.variant << "\n" << out);
  CHECK(ms_field(cold, "Init Duration") >= c.init_ms);
  CHECK(ms_field(cold, "Duration") >= c.invoke_ms);
  CHECK(ms_field(warm, "Duration") >= c.invoke_ms);
}

TEST_CASE("wrapper runtime: an http_server is polled until ready and proxies every invoke",
          "[integration][wrapper-runtime]") {
  EmulatorProcess emu(wrapper("http_server.json", "polled"));
  const auto [cold, warm, out] = cold_and_warm(emu, std::string(300, 'x'));
  INFO(out);
  // The server listens after 10 ms, but the launcher polls every 120 ms from the start: the
  // first poll finds nothing, and Init lasts until the poll that sees it ready.
  REQUIRE(emu.wait_for_stdout("http_server seen ready at poll ", kWait));
  const std::string seen = line_with(emu.stdout_text(), "", "http_server seen ready at poll ");
  std::smatch ready;
  REQUIRE(std::regex_search(seen, ready, std::regex("at poll ([0-9]+)")));
  const int poll = std::stoi(ready[1]);
  CHECK(poll >= 1);
  CHECK(ms_field(cold, "Init Duration") >= 120.0 * poll);
  // Each invoke went through the server: the 7-byte event out and 300 bytes back, base64.
  for (const std::string& report : {cold, warm}) {
    CHECK(emu.wait_for_stdout("proxied request " + request_id_of(report) +
                                  ": 7 bytes in, 300 bytes out (base64 both ways)",
                              kWait));
    CHECK(ms_field(report, "Duration") >= 15.0);  // the proxy's 5 + the handler's 10
  }
}

TEST_CASE("wrapper runtime: an http_server with poll_interval 0 is ready on its own signal",
          "[integration][wrapper-runtime]") {
  EmulatorProcess emu(wrapper("http_server.json", "signalled"));
  const auto [cold, warm, out] = cold_and_warm(emu, std::string(300, 'x'));
  INFO(out);
  CHECK(ms_field(cold, "Init Duration") >= 40.0 + 10.0);  // startup, runtime and handler init
  CHECK(out.find("seen ready at poll") == std::string::npos);
  CHECK(emu.wait_for_stdout("proxied request " + request_id_of(warm) + ": 7 bytes in", kWait));
}

TEST_CASE("wrapper runtime: a streaming_bridge streams the response in chunks after the prelude",
          "[integration][wrapper-runtime]") {
  EmulatorProcess emu(wrapper("streaming.json", "bridge"));
  const std::string expected = std::string(R"({"statusCode":200,"headers":{"content-type":)"
                                           R"("application/octet-stream"}})") +
                               std::string(8, '\0') + std::string(2500, 'x');
  for (int n = 1; n <= 2; ++n) {
    std::vector<std::string> pieces;
    const HttpResult r = invoke_streaming(emu, {{"n", n}}, [&](std::string_view piece) {
      pieces.emplace_back(piece);
      return true;
    });
    INFO(r.error << logs_of(emu));
    REQUIRE(r.status == 200);
    CHECK(r.header("Transfer-Encoding") == "chunked");
    CHECK(r.header("Content-Type") == "application/vnd.awslambda.http-integration-response");
    CHECK(r.body == expected);
    // The caller got the body in pieces as the runtime wrote them, the prelude first.
    CHECK(pieces.size() >= 2);
    CHECK(pieces.front().starts_with(R"({"statusCode":200)"));
    const std::string report = report_line(emu, n);
    INFO(report);
    // work 5, first_byte 10, then 3 chunks of 1000 bytes after 5 ms each.
    CHECK(ms_field(report, "Duration") >= 30.0);
    CHECK(report.find("Status: error") == std::string::npos);
  }
}

TEST_CASE("wrapper runtime: a web server's response streamed through a bridge",
          "[integration][wrapper-runtime]") {
  EmulatorProcess emu(wrapper("streaming.json", "adapter-stream"));
  for (int n = 1; n <= 2; ++n) {
    const HttpResult r = invoke_streaming(emu, {{"n", n}}, [](std::string_view) { return true; });
    INFO(r.error << logs_of(emu));
    REQUIRE(r.status == 200);
    CHECK(r.header("Transfer-Encoding") == "chunked");
    CHECK(r.header("Content-Type") == "application/octet-stream");
    CHECK(r.body == std::string(2500, 'x'));
  }
  // The sandbox stage's placement comes before Init, outside the sandbox: not the runtime's.
  CHECK(emu.wait_for_stdout("sandbox stage: placement is not the runtime's to spend", kWait));
}

TEST_CASE("wrapper runtime: a handler that streams by itself needs no bridge",
          "[integration][wrapper-runtime]") {
  EmulatorProcess emu(wrapper("streamed_handler.json", "bare"));
  const HttpResult r = invoke_streaming(emu, {{"n", 1}}, [](std::string_view) { return true; });
  INFO(r.error << logs_of(emu));
  REQUIRE(r.status == 200);
  CHECK(r.header("Transfer-Encoding") == "chunked");
  CHECK(r.body == std::string(40000, 'x'));
}

TEST_CASE(
    "wrapper runtime: an extension stage registers, subscribes, delays the next invoke and "
    "shuts down",
    "[integration][wrapper-runtime]") {
  ExtensionLayer layer;
  install_extensions(layer, "extension.json", "traced");
  EmulatorProcess emu(wrapper("extension.json", "traced", {"--opt-dir", layer.dir()}));
  const auto [cold, warm, out] = cold_and_warm(emu, std::string(64, 'x'));
  INFO(out);
  CHECK(emu.wait_for_stdout("wrapper-agent info: registered", kWait));
  CHECK(emu.wait_for_stdout("wrapper-agent info: subscribed to platform telemetry", kWait));
  // Init waits for the extension's 30 ms of init.
  CHECK(ms_field(cold, "Init Duration") >= 30.0);
  for (const std::string& report : {cold, warm}) {
    // The extension heard the response was out, then spent 80 ms before its next
    // /event/next, and the invoke lasts until then.
    CHECK(emu.wait_for_stdout("post_invoke of " + request_id_of(report) + " done", kWait));
    CHECK(ms_field(report, "Duration") >= 80.0);
  }
  CHECK(out.find("never said") == std::string::npos);
  CHECK(out.find("END RequestId: " + request_id_of(cold)) <
        out.find("START RequestId: " + request_id_of(warm)));
  // Platform telemetry reached the extension's listener.
  CHECK(emu.wait_for_stdout("wrapper-agent debug: telemetry: ", kWait));

  REQUIRE(emu.stop() == 0);
  CHECK(emu.wait_for_stdout("wrapper-agent info: shutdown", kWait));
}

TEST_CASE("wrapper runtime: in concurrent sandboxes each runtime tells its own extension",
          "[integration][wrapper-runtime]") {
  ExtensionLayer layer;
  install_extensions(layer, "extension.json", "traced");
  EmulatorProcess emu(wrapper("extension.json", "traced", {"--opt-dir", layer.dir()}));
  // The second invoke arrives while the first sandbox is busy: a second sandbox, with its own
  // runtime, extension and port file.
  auto first = std::async(std::launch::async, [&] { return invoke(emu, "{}"); });
  auto second = std::async(std::launch::async, [&] { return invoke(emu, "{}"); });
  REQUIRE(first.get().status == 200);
  REQUIRE(second.get().status == 200);
  INFO(logs_of(emu));
  for (std::size_t n = 1; n <= 2; ++n) {
    CHECK(emu.wait_for_stdout("post_invoke of " + request_id_of(report_line(emu, n)) + " done",
                              kWait));
  }
  const auto lines = lines_starting_with(emu.stdout_text(), "");
  std::set<std::string> port_files;
  for (const std::string& line : lines) {
    if (const auto at = line.find("response-out listener on "); at != std::string::npos) {
      port_files.insert(line.substr(line.find('(', at)));
    }
  }
  CHECK(port_files.size() == 2);
  CHECK(emu.stdout_text().find("never said") == std::string::npos);
}

TEST_CASE("wrapper runtime: a scenario it cannot run fails Init with the reason",
          "[integration][wrapper-runtime]") {
  struct Case {
    std::string file;
    std::string variant;
    std::string message;
  };
  const Case c = GENERATE(Case{"bad.json", "bare", "handler.work: p99_ms must be >= p50_ms"},
                          Case{"js_shim.json", "nope", R"(no variant "nope")"},
                          Case{"missing.json", "bare", "missing.json: cannot be read"});
  EmulatorProcess emu(wrapper(c.file, c.variant));
  const HttpResult r = invoke(emu, "{}");
  INFO(logs_of(emu));
  REQUIRE(r.status == 502);
  const json error = parse_json(r.body);
  CHECK(error.value("errorType", "") == "Runtime.WrapperScenarioError");
  CHECK(error.value("errorMessage", "").find(c.message) != std::string::npos);
  REQUIRE(emu.wait_for_stdout("INIT_REPORT ", kWait));
  CHECK(line_with(emu.stdout_text(), "INIT_REPORT ", "Phase: init")
            .ends_with("Status: error\tError Type: Runtime.WrapperScenarioError"));
}

TEST_CASE("wrapper runtime: an extension the variant does not have fails Init",
          "[integration][wrapper-runtime]") {
  ExtensionLayer layer;
  install_extensions(layer, "extension.json", "traced");
  // The layer's wrapper-agent, in a function that runs the variant without it.
  EmulatorProcess emu(wrapper("extension.json", "bare", {"--opt-dir", layer.dir()}));
  const HttpResult r = invoke(emu, "{}");
  INFO(logs_of(emu));
  REQUIRE(r.status >= 400);
  CHECK(r.body.find("Extension.WrapperScenarioError") != std::string::npos);
  CHECK(emu.wait_for_stdout(R"(no extension stage named "wrapper-agent")", kWait));
}

}  // namespace lambda_emu::testing

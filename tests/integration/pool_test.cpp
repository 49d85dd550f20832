// The sandbox pool with real processes: concurrent invokes in separate sandboxes (each its own
// runtime and Runtime API), the concurrency limit's 429s, queueing, forced cold starts, several
// functions from a config file, and the configuration operations.
#include <future>
#include <set>

#include <catch2/catch.hpp>

#include "integration.hpp"

using namespace lambda_emu::testing;

namespace {

std::string function_path(std::string_view name, std::string_view what = "invocations") {
  return "/2015-03-31/functions/" + std::string(name) + "/" + std::string(what);
}

}  // namespace

TEST_CASE("pool: 32 concurrent slow invokes run at once in 32 sandboxes, each answered once",
          "[integration][pool]") {
  constexpr std::size_t n = 32;
  EmulatorProcess emu(test_runtime("script", {"--max-concurrency", std::to_string(n)}));
  Marker go;
  std::vector<std::future<HttpResult>> calls;
  for (std::size_t i = 0; i < n; ++i) {
    calls.push_back(
        std::async(std::launch::async, [&] { return invoke(emu, rendezvous(go), {}, 120s); }));
  }
  // Every handler is inside its invoke before any may answer: they run in parallel.
  REQUIRE(wait_for_arrivals(go, n));
  go.create();
  std::set<int> pids;
  std::set<std::string> runtime_apis;
  std::set<std::string> log_streams;
  for (auto& call : calls) {
    const HttpResult r = call.get();
    INFO(r.error << r.body);
    REQUIRE(r.status == 200);
    const json out = parse_json(r.body);
    pids.insert(out["pid"].get<int>());
    runtime_apis.insert(out["env"]["AWS_LAMBDA_RUNTIME_API"].get<std::string>());
    log_streams.insert(out["env"]["AWS_LAMBDA_LOG_STREAM_NAME"].get<std::string>());
  }
  CHECK(pids.size() == n);
  CHECK(runtime_apis.size() == n);  // each sandbox its own Runtime API listener
  CHECK(log_streams.size() == n);   // and its own log stream
  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait, n));
  CHECK(lines_starting_with(emu.stdout_text(), "INIT_START ").size() == n);
}

TEST_CASE("pool: at the concurrency limit invokes get 429 TooManyRequestsException",
          "[integration][pool]") {
  EmulatorProcess emu(test_runtime("script", {"--max-concurrency", "2", "--function-name",
                                              "limited", "--function-url-port", "0"}));
  Marker go;
  auto a = std::async(std::launch::async, [&] { return invoke(emu, rendezvous(go), {}, 60s); });
  auto b = std::async(std::launch::async, [&] { return invoke(emu, rendezvous(go), {}, 60s); });
  REQUIRE(wait_for_arrivals(go, 2));

  const HttpResult api = request(emu.invoke_port(), "POST", function_path("limited"), "{}");
  CHECK(api.status == 429);
  CHECK(api.header("x-amzn-ErrorType") == "TooManyRequestsException");
  CHECK(parse_json(api.body) ==
        json{{"Reason", "ReservedFunctionConcurrentInvocationLimitExceeded"},
             {"Type", "User"},
             {"message", "Rate Exceeded."}});
  CHECK(invoke(emu, "{}").status == 429);  // RIE's path
  CHECK(request(emu.function_url_port(), "GET", "/").status == 429);
  // Lambda queues Event invokes instead: this one runs once a sandbox is free.
  const HttpResult event = request(emu.invoke_port(), "POST", function_path("limited"),
                                   R"({"do":"echo"})", {{"X-Amz-Invocation-Type", "Event"}});
  CHECK(event.status == 202);

  go.create();
  CHECK(a.get().status == 200);
  CHECK(b.get().status == 200);
  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait, 3));
  // Free again, and warm: no third sandbox was ever made.
  CHECK(request(emu.invoke_port(), "POST", function_path("limited"), R"({"do":"echo"})").status ==
        200);
  CHECK(lines_starting_with(emu.stdout_text(), "INIT_START ").size() == 2);
}

TEST_CASE("pool: --at-limit queue makes invokes wait for a sandbox instead",
          "[integration][pool]") {
  EmulatorProcess emu(test_runtime("script", {"--max-concurrency", "1", "--at-limit", "queue"}));
  Marker go;
  auto held = std::async(std::launch::async, [&] { return invoke(emu, rendezvous(go), {}, 60s); });
  REQUIRE(wait_for_arrivals(go, 1));
  auto waiting = std::async(std::launch::async, [&] { return invoke(emu, R"({"do":"echo"})"); });
  CHECK(waiting.wait_for(200ms) == std::future_status::timeout);  // it waits, not 429
  go.create();
  CHECK(held.get().status == 200);
  const HttpResult r = waiting.get();
  CHECK(r.status == 200);
  CHECK(parse_json(r.body) == json{{"do", "echo"}});
}

TEST_CASE("pool: --fresh-sandboxes makes every invoke a cold start in a new sandbox",
          "[integration][pool]") {
  EmulatorProcess emu(test_runtime("script", {"--fresh-sandboxes"}));
  std::set<std::string> streams;
  for (int i = 0; i < 3; ++i) {
    const HttpResult r = invoke(emu, R"({"do":"headers"})");
    REQUIRE(r.status == 200);
    streams.insert(parse_json(r.body)["env"]["AWS_LAMBDA_LOG_STREAM_NAME"].get<std::string>());
  }
  CHECK(streams.size() == 3);
  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait, 3));
  const std::string out = emu.stdout_text();
  CHECK(lines_starting_with(out, "INIT_START ").size() == 3);
  for (const std::string& report : lines_starting_with(out, "REPORT RequestId: ")) {
    CHECK(report.find("\tInit Duration: ") != std::string::npos);
  }
}

TEST_CASE("pool: several functions from a config file, each invoked by name",
          "[integration][pool][config]") {
  Marker dir;
  const std::filesystem::path config = dir.path.parent_path() / "functions.json";
  const json functions{{"functions",
                        {{{"name", "alpha"},
                          {"bootstrap", {bin_path("test-runtime")}},
                          {"handler", "script"},
                          {"environment", {{"CUSTOM_VAR", "from alpha"}}},
                          {"memory", 256},
                          {"timeout", 3},
                          {"function_url_port", 0}},
                         {{"name", "beta"},
                          {"bootstrap", bin_path("test-runtime")},
                          {"task_root", "."},
                          {"handler", "script"},
                          {"environment", {{"CUSTOM_VAR", "from beta"}}},
                          {"max_concurrency", 1}}}}};
  std::ofstream(config) << functions.dump(2);
  EmulatorProcess emu({{"--config", config.string()}, {}, {}});

  const json alpha = parse_json(
      request(emu.invoke_port(), "POST", function_path("alpha"), R"({"do":"headers"})").body);
  CHECK(alpha["env"]["CUSTOM_VAR"] == "from alpha");
  CHECK(alpha["env"]["AWS_LAMBDA_FUNCTION_NAME"] == "alpha");
  CHECK(alpha["env"]["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256");
  const json beta = parse_json(
      request(emu.invoke_port(), "POST", function_path("beta"), R"({"do":"headers"})").body);
  CHECK(beta["env"]["CUSTOM_VAR"] == "from beta");
  CHECK(beta["env"]["AWS_LAMBDA_FUNCTION_NAME"] == "beta");
  // RIE's path is the first function's.
  CHECK(parse_json(invoke(emu, R"({"do":"headers"})").body)["env"]["CUSTOM_VAR"] == "from alpha");
  const HttpResult missing = request(emu.invoke_port(), "POST", function_path("gamma"), "{}");
  CHECK(missing.status == 404);
  CHECK(missing.header("x-amzn-ErrorType") == "ResourceNotFoundException");

  // The ready file names every function's Runtime API and URL.
  const json ready = parse_json(emu.ready_text());
  CHECK(ready["functions"]["beta"].contains("runtime_api"));
  REQUIRE(ready["functions"]["alpha"].contains("function_url"));
  const std::string url = ready["functions"]["alpha"]["function_url"];
  const auto port = static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
  CHECK(request(port, "POST", "/hello", R"({"do":"echo"})").status == 200);
  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait, 4));
}

TEST_CASE("pool: a config file with a mistake is refused with the reason",
          "[integration][pool][config]") {
  Marker dir;
  const std::filesystem::path config = dir.path.parent_path() / "functions.json";
  std::ofstream(config) << R"({"functions":[{"name":"a","task_root":".","memroy":512}]})";
  CHECK_THROWS_WITH(EmulatorProcess({{"--config", config.string()}, {}, {}}),
                    Catch::Contains("functions[0].memroy is not a known key"));
}

TEST_CASE("pool: UpdateFunctionConfiguration retires warm sandboxes, the next invoke is cold",
          "[integration][pool][config]") {
  EmulatorProcess emu(
      test_runtime("script", {"--function-name", "fn", "--memory", "512"}, {"CUSTOM_VAR=old"}));
  CHECK(invoke(emu, R"({"do":"echo"})").status == 200);
  const std::string configuration = function_path("fn", "configuration");

  const json before = parse_json(request(emu.invoke_port(), "GET", configuration).body);
  CHECK(before["MemorySize"] == 512);
  CHECK(before["LastUpdateStatus"] == "Successful");

  const HttpResult updated = request(
      emu.invoke_port(), "PUT", configuration,
      R"({"MemorySize":1024,"Timeout":5,"Environment":{"Variables":{"CUSTOM_VAR":"new"}}})");
  REQUIRE(updated.status == 200);
  const json after = parse_json(updated.body);
  CHECK(after["MemorySize"] == 1024);
  CHECK(after["Timeout"] == 5);
  CHECK(after["Environment"]["Variables"] == json{{"CUSTOM_VAR", "new"}});
  CHECK(after["RevisionId"] != before["RevisionId"]);

  const json env = parse_json(invoke(emu, R"({"do":"headers"})").body)["env"];
  CHECK(env["CUSTOM_VAR"] == "new");
  CHECK(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "1024");
  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait, 2));
  const std::string report = report_line(emu, 2);
  CHECK(report.find("\tInit Duration: ") != std::string::npos);
  CHECK(report.find("Memory Size: 1024 MB") != std::string::npos);

  // Lambda's validation.
  const HttpResult small = request(emu.invoke_port(), "PUT", configuration, R"({"MemorySize":64})");
  CHECK(small.status == 400);
  CHECK(small.header("x-amzn-ErrorType") == "ValidationException");
  const HttpResult reserved = request(emu.invoke_port(), "PUT", configuration,
                                      R"({"Environment":{"Variables":{"AWS_REGION":"x"}}})");
  CHECK(reserved.status == 400);
  CHECK(reserved.header("x-amzn-ErrorType") == "InvalidParameterValueException");
  CHECK(request(emu.invoke_port(), "PUT", function_path("nope", "configuration"), "{}").status ==
        404);
  CHECK(request(emu.invoke_port(), "PUT", configuration, "not json").status == 400);
}

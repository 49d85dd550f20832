// The Extensions API (section 4) request by request: register, /event/next, init/error and
// exit/error, their refusals with the exact bodies of section 4.6, and the INVOKE event. The
// test process often plays an internal extension itself: it registers through the Runtime API
// port while the runtime (test-runtime, _HANDLER=slow-init:<ms>) keeps Init open. Where the
// spec speaks of external extensions, real test-extension processes run from an opt dir.
#include <catch2/catch.hpp>

#include <future>
#include <regex>
#include <set>

#include "extension_layer.hpp"

namespace lambda_emu::testing {
namespace {

// The runtime sleeps this long before its first /next: registration stays open meanwhile.
constexpr std::string_view kSlowInitHandler = "slow-init:20000";

// Init starts at once (eager) and stays open for 20 s; the function is called itfn.
EmulatorSpec init_window(std::vector<std::string> args = {}) {
  args.insert(args.end(), {"--init", "eager", "--init-timeout", "30", "--function-name", "itfn"});
  return test_runtime(std::string(kSlowInitHandler), std::move(args));
}

// Waits for Init to have started (INIT_START is its first line).
void wait_for_init(const EmulatorProcess& emu) {
  REQUIRE(emu.wait_for_stdout("INIT_START ", kWait));
}

std::string state_refusal_pattern(std::string_view from, std::string_view to,
                                  std::string_view name) {
  // The extension is named by its name or its identifier (section 4.2 leaves it open).
  return R"(\{"errorMessage":"State transition from )" + std::string(from) + " to " +
         std::string(to) + " failed for extension (" + std::string(name) +
         R"(|[0-9a-f-]{36})\. Error: State transition is not allowed","errorType":"Extension\.InvalidExtensionState"\}\n?)";
}

TEST_CASE("extensions API: register answers with an identifier and the function's details",
          "[integration][extensions-api][C31][C32]") {
  EmulatorProcess emu(init_window());
  wait_for_init(emu);
  const json details = {
      {"functionName", "itfn"}, {"functionVersion", "$LATEST"}, {"handler", kSlowInitHandler}};

  const HttpResult plain = register_extension(emu, "internal-one");
  INFO(plain.body);
  REQUIRE(plain.status == 200);
  const std::string id = plain.header("Lambda-Extension-Identifier").value_or("");
  CHECK(is_uuid(id));
  CHECK(plain.header("Content-Type").value_or("").starts_with("application/json"));
  CHECK(parse_json(plain.body) == details);

  const HttpResult with_account =
      register_extension(emu, "internal-two", R"({"events":["INVOKE"]})",
                         {{"Lambda-Extension-Accept-Feature", "accountId"}});
  INFO(with_account.body);
  REQUIRE(with_account.status == 200);
  const std::string other_id = with_account.header("Lambda-Extension-Identifier").value_or("");
  CHECK(is_uuid(other_id));
  CHECK(other_id != id);
  json expected = details;
  // The account of the ARNs the emulator hands out (arn:aws:lambda:<region>:012345678912:...).
  expected["accountId"] = "012345678912";
  CHECK(parse_json(with_account.body) == expected);
  // RIE puts accountId first (section 4.3).
  CHECK(with_account.body.starts_with(R"({"accountId":"012345678912",)"));

  // Real extensions register with no Content-Type, or curl's form-urlencoded one (section 11).
  for (const auto& [name, headers] : std::vector<std::pair<std::string, Headers>>{
           {"untyped", {}}, {"form", {{"Content-Type", "application/x-www-form-urlencoded"}}}}) {
    INFO(name);
    Headers h = headers;
    h.emplace_back("Lambda-Extension-Name", name);
    const HttpResult r = extension_call(emu, "POST", "/register", R"({"events":[]})", h);
    CHECK(r.status == 200);
    CHECK(is_uuid(r.header("Lambda-Extension-Identifier").value_or("")));
  }
}

TEST_CASE("extensions API: an external extension registers under its file name",
          "[integration][extensions-api][C31][C32][C72]") {
  ExtensionLayer layer;
  layer.add("ext-plain");
  layer.add("ext-account", "fast", {"--accept-account-id"});
  EmulatorProcess emu(
      test_runtime("echo", {"--opt-dir", layer.dir(), "--function-name", "extfn", "--memory", "256",
                            "--env", "CUSTOM_VAR=for-extensions"}));
  const HttpResult r = invoke(emu, R"({"hello":"extensions"})");
  INFO(logs_of(emu));
  REQUIRE(r.status == 200);
  CHECK(r.body == R"({"hello":"extensions"})");

  for (const std::string name : {"ext-plain", "ext-account"}) {
    INFO(name);
    const std::vector<json> reg = layer.records(name, "register");
    REQUIRE(reg.size() == 1);
    CHECK(reg[0]["status"] == 200);
    CHECK(is_uuid(reg[0]["headers"].value("lambda-extension-identifier", "")));
    CHECK(reg[0]["headers"].value("content-type", "").starts_with("application/json"));
    json expected = {
        {"functionName", "extfn"}, {"functionVersion", "$LATEST"}, {"handler", "echo"}};
    if (name == "ext-account") {
      expected["accountId"] = "012345678912";
    }
    CHECK(reg[0]["body"] == expected);

    // The extension environment (section 7): the function's identity and customer variables,
    // but no _HANDLER and no LAMBDA_TASK_ROOT; the working directory is the opt dir.
    const std::vector<json> start = layer.records(name, "start");
    REQUIRE(start.size() == 1);
    const json& env = start[0]["env"];
    CHECK(env["AWS_LAMBDA_RUNTIME_API"] == "127.0.0.1:" + std::to_string(emu.runtime_api_port()));
    CHECK(env["AWS_LAMBDA_FUNCTION_NAME"] == "extfn");
    CHECK(env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST");
    CHECK(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256");
    CHECK(env["AWS_REGION"] == "us-east-1");
    CHECK(env["CUSTOM_VAR"] == "for-extensions");
    CHECK(env["_HANDLER"].is_null());
    CHECK(env["LAMBDA_TASK_ROOT"].is_null());
    // The opt dir as the extension sees it: /opt inside an isolated sandbox, else the host path.
    const std::string cwd = start[0].value("cwd", "");
    INFO("cwd " << cwd);
    std::error_code ec;
    CHECK((cwd == "/opt" || std::filesystem::equivalent(cwd, layer.dir(), ec)));
  }
  const std::string out = emu.stdout_text();
  CHECK(out.find("EXTENSION\tName: ext-plain\tState: Ready\tEvents: [INVOKE, SHUTDOWN]\n") !=
        std::string::npos);
  CHECK(out.find("EXTENSION\tName: ext-account\tState: Ready\tEvents: [INVOKE, SHUTDOWN]\n") !=
        std::string::npos);
}

TEST_CASE("extensions API: register refusals carry the exact section 4.6 bodies",
          "[integration][extensions-api][C30][C33][C34][C35][C37]") {
  EmulatorProcess emu(init_window());
  wait_for_init(emu);
  const std::string invoke_only = R"({"events":["INVOKE"]})";
  auto post_register = [&](const Headers& headers, std::string body) {
    return extension_call(emu, "POST", "/register", std::move(body), headers);
  };

  // C30: no name, or an empty one.
  HttpResult r = post_register({{"Content-Type", "application/json"}}, invoke_only);
  CHECK(is_error(r, 403, "Extension.InvalidExtensionName", "Empty extension name"));
  INFO(r.body);
  r = post_register({{"Lambda-Extension-Name", ""}}, invoke_only);
  CHECK(is_error(r, 403, "Extension.InvalidExtensionName", "Empty extension name"));

  // C33: an unknown event; SHUTDOWN from an internal extension.
  r = register_extension(emu, "with-foo", R"({"events":["INVOKE","FOO"]})");
  CHECK(is_error(r, 403, "Extension.InvalidEventType", "FOO: ErrorInvalidEventType"));
  r = register_extension(emu, "internal-shutdown", R"({"events":["INVOKE","SHUTDOWN"]})");
  CHECK(is_error(r, 403, "Extension.InvalidEventType",
                 "SHUTDOWN: ShutdownEventNotSupportedForInternalExtension"));

  // C37: a body that is not JSON; the deprecated configurationKeys.
  r = register_extension(emu, "not-json", "{events: nope");
  CHECK(is_error_type(r, 403, "InvalidRequestFormat"));
  r = register_extension(emu, "with-keys", R"({"events":["INVOKE"],"configurationKeys":["k"]})");
  CHECK(is_error(r, 403, "InvalidRequestFormat",
                 "configurationKeys are deprecated; use environment variables instead"));

  // C34: an internal name used twice.
  REQUIRE(register_extension(emu, "internal-0", invoke_only).status == 200);
  r = register_extension(emu, "internal-0", invoke_only);
  CHECK(is_error(r, 403, "Extension.InvalidExtensionState",
                 "Extension with this name already registered"));

  // C35: ten extensions at most; none of the refusals above counted.
  for (int i = 1; i < 10; ++i) {
    const HttpResult ok =
        register_extension(emu, "internal-" + std::to_string(i), R"({"events":[]})");
    INFO("extension " << i << ": " << ok.body);
    CHECK(ok.status == 200);
  }
  r = register_extension(emu, "internal-10", invoke_only);
  CHECK(is_error(r, 403, "Extension.TooManyExtensions", "Extension limit (10) reached"));
}

TEST_CASE("extensions API: an external extension cannot register twice",
          "[integration][extensions-api][C34]") {
  ExtensionLayer layer;
  // A launched file that never registers: the test registers under its name instead.
  layer.add("ext-twice", "no-register");
  EmulatorProcess emu(init_window({"--opt-dir", layer.dir()}));
  REQUIRE(layer.wait_for("ext-twice", "start"));

  // SHUTDOWN is allowed: the name is an external extension's.
  const HttpResult first =
      register_extension(emu, "ext-twice", R"({"events":["INVOKE","SHUTDOWN"]})");
  INFO(first.body);
  REQUIRE(first.status == 200);
  const HttpResult second =
      register_extension(emu, "ext-twice", R"({"events":["INVOKE","SHUTDOWN"]})");
  INFO(second.body);
  CHECK(second.status == 403);
  CHECK(std::regex_match(
      second.body, std::regex(state_refusal_pattern("Registered", "Registered", "ext-twice"))));
}

TEST_CASE("extensions API: registration closes at the runtime's first /next",
          "[integration][extensions-api][C36]") {
  EmulatorProcess emu(test_runtime("echo"));
  REQUIRE(invoke(emu, "{}").status == 200);
  const HttpResult r = register_extension(emu, "too-late");
  INFO(r.body);
  CHECK(is_error(r, 403, "Extension.RegistrationClosed", "Extension registration closed already"));
}

TEST_CASE("extensions API: /event/next and the error endpoints check identifier and headers",
          "[integration][extensions-api][C38][C45]") {
  EmulatorProcess emu(init_window());
  wait_for_init(emu);
  const HttpResult reg = register_extension(emu, "checker", R"({"events":[]})");
  REQUIRE(reg.status == 200);
  const std::string id = reg.header("Lambda-Extension-Identifier").value_or("");
  const std::string unknown = "6c3f9e62-7a8d-4b1e-9f2a-0123456789ab";
  const Headers with_type = {{"Lambda-Extension-Function-Error-Type", "Extension.Test"}};

  SECTION("/event/next (C38)") {
    HttpResult r = extension_call(emu, "GET", "/event/next");
    CHECK(is_error(r, 403, "Extension.MissingExtensionIdentifier",
                   "Missing Lambda-Extension-Identifier header"));
    r = next_event(emu, "not-a-uuid");
    CHECK(is_error(r, 403, "Extension.InvalidExtensionIdentifier",
                   "Invalid Lambda-Extension-Identifier"));
    r = next_event(emu, unknown);
    INFO(r.body);
    CHECK(is_error(r, 403, "Extension.UnknownExtensionIdentifier", "Unknown extension " + unknown));
  }

  for (const std::string endpoint : {"/init/error", "/exit/error"}) {
    DYNAMIC_SECTION(endpoint << " (C38, C45)") {
      HttpResult r = extension_call(emu, "POST", endpoint, "{}", with_type);
      CHECK(is_error(r, 403, "Extension.MissingExtensionIdentifier",
                     "Missing Lambda-Extension-Identifier header"));
      Headers h = with_type;
      h.emplace_back("Lambda-Extension-Identifier", "not-a-uuid");
      r = extension_call(emu, "POST", endpoint, "{}", h);
      CHECK(is_error(r, 403, "Extension.InvalidExtensionIdentifier",
                     "Invalid Lambda-Extension-Identifier"));
      h.back().second = unknown;
      r = extension_call(emu, "POST", endpoint, "{}", h);
      CHECK(is_error(r, 403, "Extension.UnknownExtensionIdentifier",
                     "Unknown Lambda-Extension-Identifier"));
      // C45: a known extension without the error type header.
      r = extension_call(emu, "POST", endpoint, "{}", {{"Lambda-Extension-Identifier", id}});
      INFO(r.body);
      CHECK(is_error(r, 403, "Extension.MissingHeader",
                     "Lambda-Extension-Function-Error-Type not found"));
    }
  }
}

TEST_CASE(
    "extensions API: init/error is accepted twice, then /event/next is refused and Init "
    "fails with Extension.InitError",
    "[integration][extensions-api][C46]") {
  // A shorter Init window: Init fails at the latest when the runtime's first /next arrives.
  EmulatorProcess emu(test_runtime(
      "slow-init:3000", {"--init", "eager", "--init-timeout", "30", "--function-name", "itfn"}));
  wait_for_init(emu);
  const HttpResult reg = register_extension(emu, "failing", R"({"events":["INVOKE"]})");
  REQUIRE(reg.status == 200);
  const Headers headers = {
      {"Lambda-Extension-Identifier", reg.header("Lambda-Extension-Identifier").value_or("")},
      {"Lambda-Extension-Function-Error-Type", "Extension.ConfigInvalid"},
      {"Content-Type", "application/json"}};
  const std::string body =
      R"({"errorMessage":"bad config","errorType":"Extension.ConfigInvalid","stackTrace":[]})";

  const HttpResult first = extension_call(emu, "POST", "/init/error", body, headers);
  INFO(first.body);
  CHECK(first.status == 202);
  CHECK(without_newline(first.body) == R"({"status":"OK"})");
  const HttpResult again = extension_call(emu, "POST", "/init/error", body, headers);
  CHECK(again.status == 202);
  CHECK(without_newline(again.body) == R"({"status":"OK"})");

  const HttpResult next = next_event(emu, headers[0].second, 5s);
  INFO(next.body);
  CHECK(next.status == 403);
  CHECK(std::regex_match(next.body,
                         std::regex(state_refusal_pattern("InitError", "Ready", "failing"))));

  REQUIRE(emu.wait_for_stdout("INIT_REPORT ", kWait));
  const std::string report = line_with(emu.stdout_text(), "INIT_REPORT ", "Phase: init");
  INFO(emu.stdout_text());
  CHECK(std::regex_match(report, std::regex("INIT_REPORT Init Duration: [0-9]+\\.[0-9]{2} "
                                            "ms\tPhase: init\tStatus: error\tError Type: "
                                            "Extension.InitError")));
}

TEST_CASE("extensions API: an external extension's init/error fails the invoke",
          "[integration][extensions-api][C46]") {
  ExtensionLayer layer;
  layer.add("bad-config", "init-error");
  layer.add("bystander");
  EmulatorProcess emu(test_runtime("echo", {"--opt-dir", layer.dir()}));
  const HttpResult r = invoke(emu, "{}");
  INFO(r.body);
  INFO(logs_of(emu));
  CHECK(r.header("X-Amz-Function-Error").has_value());
  CHECK(r.body.find("Extension.InitError") != std::string::npos);

  REQUIRE(layer.wait_for("bad-config", "init_error"));
  const std::vector<json> posted = layer.records("bad-config", "init_error");
  REQUIRE_FALSE(posted.empty());
  CHECK(posted[0]["status"] == 202);
  CHECK(posted[0]["body"] == json{{"status", "OK"}});
  REQUIRE(emu.wait_for_stdout("INIT_REPORT ", kWait));
  CHECK(line_with(emu.stdout_text(), "INIT_REPORT ", "Phase: init")
            .ends_with("\tStatus: error\tError Type: Extension.InitError"));
  // Init was retried inside the invoke (section 6.1): the extension ran twice.
  CHECK(layer.records("bad-config", "start").size() == 2);
}

TEST_CASE("extensions API: exit/error is accepted, the exit fails the environment",
          "[integration][extensions-api][C47]") {
  ExtensionLayer layer;
  layer.add("quitter", "exit-error");
  EmulatorProcess emu(test_runtime("script", {"--opt-dir", layer.dir()}));
  // The runtime takes its time, so the extension gives up before the response.
  const HttpResult r = invoke(emu, R"({"do":"sleep","ms":1000})");
  INFO(r.body);
  INFO(logs_of(emu));
  CHECK(r.header("X-Amz-Function-Error").has_value());
  CHECK(parse_json(r.body).value("errorType", "") == "Extension.ExitError");

  // The caller may have its answer before the extension wrote down the 202 it got.
  REQUIRE(layer.wait_for("quitter", "exit_error"));
  const std::vector<json> posted = layer.records("quitter", "exit_error");
  REQUIRE(posted.size() == 1);
  CHECK(posted[0]["status"] == 202);
  CHECK(posted[0]["body"] == json{{"status", "OK"}});
  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait));
  CHECK(lines_starting_with(emu.stdout_text(), "REPORT RequestId: ")
            .at(0)
            .ends_with("\tStatus: error\tError Type: Extension.ExitError"));

  // The environment was reset: the next invoke runs a new Init with a new extension process.
  const HttpResult next = invoke(emu, R"({"do":"echo"})");
  CHECK(emu.wait_for_stdout("INIT_START ", kWait, 2));
  CHECK(layer.records("quitter", "start").size() == 2);
  CHECK(next.status != 0);
}

TEST_CASE("extensions API: the INVOKE event matches the runtime's event",
          "[integration][extensions-api][C41][C3]") {
  ExtensionLayer layer;
  layer.add("watcher");
  EmulatorProcess emu(test_runtime(
      "script", {"--opt-dir", layer.dir(), "--function-name", "itfn", "--timeout", "30"}));
  const std::string trace_id =
      "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1";

  const HttpResult traced = invoke(emu, R"({"do":"headers"})", {{"X-Amzn-Trace-Id", trace_id}});
  REQUIRE(traced.status == 200);
  const HttpResult untraced = invoke(emu, R"({"do":"headers"})");
  REQUIRE(untraced.status == 200);
  REQUIRE(layer.wait_for_event("watcher", "INVOKE", 2));

  const std::vector<json> records = layer.records("watcher", "event");
  for (std::size_t i = 0; i < 2; ++i) {
    const json runtime_saw = parse_json(i == 0 ? traced.body : untraced.body);
    const json& record = records.at(i);
    const json& event = record["body"];
    INFO(record.dump());
    CHECK(event["eventType"] == "INVOKE");
    CHECK(event["requestId"] == runtime_saw["lambda-runtime-aws-request-id"]);
    REQUIRE(event["deadlineMs"].is_number_integer());
    CHECK(event["deadlineMs"].get<std::int64_t>() ==
          std::stoll(runtime_saw.value("lambda-runtime-deadline-ms", "0")));
    CHECK(event["invokedFunctionArn"] == runtime_saw["lambda-runtime-invoked-function-arn"]);
    CHECK(event["invokedFunctionArn"] == "arn:aws:lambda:us-east-1:012345678912:function:itfn");
    CHECK(record["headers"].value("content-type", "").starts_with("application/json"));
    // Keys in rapid's order, tracing only with a trace context (section 4.4).
    const std::string raw = record["raw"];
    std::vector<std::string> keys = {"eventType", "deadlineMs", "requestId", "invokedFunctionArn"};
    if (i == 0) {
      keys.push_back("tracing");
      CHECK(event["tracing"] == json{{"type", "X-Amzn-Trace-Id"}, {"value", trace_id}});
    } else {
      CHECK_FALSE(event.contains("tracing"));
    }
    CHECK(event.size() == keys.size());
    for (std::size_t k = 0; k + 1 < keys.size(); ++k) {
      CHECK(raw.find('"' + keys[k] + '"') < raw.find('"' + keys[k + 1] + '"'));
    }
  }
}

TEST_CASE("extensions API: --disable-extensions answers 404 with an empty body",
          "[integration][extensions-api][C49]") {
  ExtensionLayer layer;
  layer.add("ignored");
  EmulatorProcess emu(test_runtime("echo", {"--opt-dir", layer.dir(), "--disable-extensions"}));
  const HttpResult r = invoke(emu, R"({"plain":true})");
  REQUIRE(r.status == 200);
  CHECK(r.body == R"({"plain":true})");

  const std::string id = "6c3f9e62-7a8d-4b1e-9f2a-0123456789ab";
  const std::vector<HttpResult> calls = {
      register_extension(emu, "late-internal"), next_event(emu, id),
      extension_call(emu, "POST", "/init/error", "{}",
                     {{"Lambda-Extension-Identifier", id},
                      {"Lambda-Extension-Function-Error-Type", "Extension.X"}}),
      extension_call(emu, "POST", "/exit/error", "{}",
                     {{"Lambda-Extension-Identifier", id},
                      {"Lambda-Extension-Function-Error-Type", "Extension.X"}}),
      request(emu.runtime_api_port(), "PUT", kTelemetryPath,
              R"({"schemaVersion":"2022-12-13","types":["platform"],)"
              R"("destination":{"protocol":"HTTP","URI":"http://sandbox.localdomain:1/"}})",
              {{"Lambda-Extension-Identifier", id}, {"Content-Type", "application/json"}})};
  for (const HttpResult& call : calls) {
    INFO(call.status << " " << call.body);
    CHECK(call.status == 404);
    CHECK(call.body.empty());
  }
  // Nothing in the opt dir ran.
  CHECK(layer.records("ignored").empty());
  CHECK(emu.stdout_text().find("EXTENSION\t") == std::string::npos);
}

}  // namespace
}  // namespace lambda_emu::testing

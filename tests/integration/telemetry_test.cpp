// The Telemetry API (section 5): subscription rules, delivery over HTTP (to test-extension's
// listener, to an HTTP/1.0 listener, to a slow one, and to a Node.js extension written with
// only Node's http module) and over TCP, and the records themselves against the schema of
// section 5.3: envelope, time format, cold start order, metrics and spans.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "extension_layer.hpp"

namespace lambda_emu::testing {
namespace {

// Subscriptions close at the runtime's first /next (section 6.1), and the runtime starts as
// soon as every extension registered: its Init takes a second so that the subscribers, which
// subscribe right after registering, are not racing it. Events with "do" still work.
const std::string kSubscriberRuntime = "slow-init:1000";
// The tests of delivery itself run with --freeze off: a frozen sandbox holds what an invoke's end
// emitted until the next event, as Lambda does (freeze_test.cpp checks that).

const std::regex kTime(R"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z)");

std::string subscription(
    const std::string& types_json, const std::string& destination_json,
    const std::string& buffering_json = R"({"maxItems":1000,"maxBytes":262144,"timeoutMs":100})") {
  return R"({"schemaVersion":"2022-12-13","types":)" + types_json + R"(,"buffering":)" +
         buffering_json + R"(,"destination":)" + destination_json + "}";
}

const std::string kNowhere = R"({"protocol":"HTTP","URI":"http://sandbox.localdomain:9/"})";

HttpResult subscribe(const EmulatorProcess& emu, const std::string& id, std::string body,
                     std::string_view path = kTelemetryPath) {
  Headers headers = {{"Content-Type", "application/json"}};
  if (!id.empty()) {
    headers.emplace_back("Lambda-Extension-Identifier", id);
  }
  return request(emu.runtime_api_port(), "PUT", path, std::move(body), headers);
}

// Section 5.3's envelope: exactly time, type, record; time in UTC with milliseconds.
void check_envelope(const json& e) {
  INFO(e.dump());
  REQUIRE(e.is_object());
  CHECK(e.size() == 3);
  CHECK(std::regex_match(e.value("time", ""), kTime));
  const std::string type = e.value("type", "");
  if (type == "function" || type == "extension") {
    CHECK(e["record"].is_string());
  } else {
    CHECK(type.starts_with("platform."));
    CHECK(e["record"].is_object());
  }
}

void check_span(const json& span) {
  INFO(span.dump());
  CHECK(span["name"].is_string());
  CHECK(std::regex_match(span.value("start", ""), kTime));
  CHECK(span["durationMs"].is_number());
  CHECK(span.value("durationMs", -1.0) >= 0);
}

// The record of the first envelope of `type` at or after `from`; npos-safe.
std::size_t find_type(const std::vector<json>& records, std::string_view type,
                      std::size_t from = 0) {
  for (std::size_t i = from; i < records.size(); ++i) {
    if (records[i].value("type", "") == type) {
      return i;
    }
  }
  return std::string::npos;
}

std::string trimmed_line(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) {
    s.pop_back();
  }
  return s;
}

struct ColdStartExpectations {
  std::set<std::string> extensions;         // names of every registered extension
  std::string subscriber;                   // whose telemetrySubscription must show
  std::vector<std::string> request_ids;     // the invokes, in order (first one is the cold start)
  std::vector<std::size_t> produced_bytes;  // their response sizes
  int memory_mb = 3008;
  std::string function_line;  // printed by the first invoke
};

// C58, C62, C63, C65-C68 on what one subscriber (types platform, function) received.
void check_cold_start(const std::vector<json>& records, const ColdStartExpectations& x) {
  std::string listing;
  for (const json& r : records) {
    listing += r.dump() + "\n";
  }
  INFO("records received:\n" << listing);
  for (const json& r : records) {
    check_envelope(r);
  }

  // C65: the platform records of Init and the first invoke, in exactly this order (the
  // subscription notice aside). C63: initStart, emitted before anyone subscribed, is there.
  std::vector<std::string> order;
  std::size_t first_report = std::string::npos;
  for (std::size_t i = 0; i < records.size() && first_report == std::string::npos; ++i) {
    const std::string type = records[i].value("type", "");
    if (type.starts_with("platform.") && type != "platform.telemetrySubscription") {
      order.push_back(type);
    }
    if (type == "platform.report") {
      first_report = i;
    }
  }
  std::vector<std::string> expected = {"platform.initStart", "platform.initRuntimeDone"};
  expected.insert(expected.end(), x.extensions.size(), "platform.extension");
  expected.insert(expected.end(), {"platform.initReport", "platform.start", "platform.runtimeDone",
                                   "platform.report"});
  CHECK(order == expected);

  // C58: the subscription notice comes during Init. It may come before or after
  // initRuntimeDone: the runtime starts once the extensions registered, while they subscribe.
  const std::size_t init_start = find_type(records, "platform.initStart");
  const std::size_t runtime_done_init = find_type(records, "platform.initReport");
  bool subscription_seen = false;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (records[i].value("type", "") != "platform.telemetrySubscription") {
      continue;
    }
    CHECK(init_start < i);
    CHECK(i < runtime_done_init);
    const json& rec = records[i]["record"];
    if (rec.value("name", "") == x.subscriber) {
      subscription_seen = true;
      CHECK(rec["state"] == "Subscribed");
      CHECK(rec["types"].is_array());
    }
  }
  CHECK(subscription_seen);

  REQUIRE(init_start != std::string::npos);
  const json& start_rec = records[init_start]["record"];
  CHECK(start_rec["initializationType"] == "on-demand");
  CHECK(start_rec["phase"] == "init");
  REQUIRE(runtime_done_init != std::string::npos);
  CHECK(records[runtime_done_init]["record"]["initializationType"] == "on-demand");
  CHECK(records[runtime_done_init]["record"]["status"] == "success");
  const std::size_t init_report = find_type(records, "platform.initReport");
  REQUIRE(init_report != std::string::npos);
  const json& init_rec = records[init_report]["record"];
  CHECK(init_rec["initializationType"] == "on-demand");
  CHECK(init_rec["phase"] == "init");
  CHECK(init_rec["metrics"]["durationMs"].is_number());

  std::set<std::string> ext_names;
  for (const json& r : records) {
    if (r.value("type", "") == "platform.extension") {
      ext_names.insert(r["record"].value("name", ""));
      CHECK(r["record"]["state"] == "Ready");
      CHECK(r["record"]["events"] == json::array({"INVOKE", "SHUTDOWN"}));
    }
  }
  CHECK(ext_names == x.extensions);

  // C66, C67 per invoke.
  std::size_t from = 0;
  for (std::size_t n = 0; n < x.request_ids.size(); ++n) {
    INFO("invoke " << n << " " << x.request_ids[n]);
    const std::size_t start = find_type(records, "platform.start", from);
    const std::size_t done = find_type(records, "platform.runtimeDone", from);
    const std::size_t report = find_type(records, "platform.report", from);
    REQUIRE(start != std::string::npos);
    REQUIRE(done != std::string::npos);
    REQUIRE(report != std::string::npos);
    CHECK(start < done);
    CHECK(done < report);
    CHECK(records[start]["record"]["requestId"] == x.request_ids[n]);
    CHECK(records[start]["record"]["version"] == "$LATEST");

    const json& rd = records[done]["record"];
    CHECK(rd["requestId"] == x.request_ids[n]);
    CHECK(rd["status"] == "success");
    CHECK(rd["metrics"]["durationMs"].is_number());
    CHECK(rd["metrics"]["producedBytes"] == x.produced_bytes[n]);
    std::set<std::string> span_names;
    for (const json& span : rd.value("spans", json::array())) {
      check_span(span);
      span_names.insert(span.value("name", ""));
    }
    CHECK(span_names.count("responseLatency") == 1);
    CHECK(span_names.count("responseDuration") == 1);

    const json& rp = records[report]["record"];
    CHECK(rp["requestId"] == x.request_ids[n]);
    CHECK(rp["status"] == "success");
    const json& m = rp["metrics"];
    CHECK(m["durationMs"].is_number());
    CHECK(m["billedDurationMs"].is_number_integer());
    CHECK(m["memorySizeMB"] == x.memory_mb);
    CHECK(m["maxMemoryUsedMB"].is_number_integer());
    CHECK(m.contains("initDurationMs") == (n == 0));
    const double billed_from = m.value("durationMs", 0.0) + m.value("initDurationMs", 0.0);
    // ceil of the unrounded sum; the printed figures may be rounded by a few microseconds.
    CHECK(std::abs(m.value("billedDurationMs", 0.0) - std::ceil(billed_from)) <= 1.0);

    // C68: the runtime's output as function records, inside the invoke that printed it.
    if (n == 0 && !x.function_line.empty()) {
      std::size_t line_at = std::string::npos;
      for (std::size_t i = 0; i < records.size(); ++i) {
        if (records[i].value("type", "") == "function" &&
            trimmed_line(records[i].value("record", "")) == x.function_line) {
          line_at = i;
        }
      }
      REQUIRE(line_at != std::string::npos);
      CHECK(start < line_at);
      CHECK(line_at < done);
    }
    from = report + 1;
  }
}

TEST_CASE(
    "telemetry: a subscriber gets the cold start and warm invokes in order, per the "
    "schema of section 5.3",
    "[integration][telemetry][C58][C62][C63][C65][C66][C67][C68]") {
  ExtensionLayer layer;
  layer.add("tel", "telemetry:platform,function,extension");
  layer.add("plain-ext");
  EmulatorProcess emu(test_runtime(
      kSubscriberRuntime, {"--opt-dir", layer.dir(), "--memory", "512", "--freeze", "off"}));
  const HttpResult first = invoke(emu, R"({"do":"print","lines":["hello telemetry"]})");
  const HttpResult second = invoke(emu, R"({"do":"echo","pad":"abc"})");
  INFO(logs_of(emu));
  REQUIRE(first.status == 200);
  REQUIRE(second.status == 200);
  REQUIRE(emu.wait_for_stdout("REPORT RequestId: ", kWait, 2));
  REQUIRE(wait_until([&] { return count_type(layer.telemetry("tel"), "platform.report") >= 2; },
                     kWait));

  // C58: 200 "OK", and the TELEMETRY line.
  const std::vector<json> sub = layer.records("tel", "subscribe");
  REQUIRE(sub.size() == 1);
  CHECK(sub[0]["status"] == 200);
  CHECK(sub[0]["body"] == "OK");
  const std::string out = emu.stdout_text();
  CHECK(out.find("TELEMETRY\tName: tel\tState: Subscribed\tTypes: [Platform, Function, "
                 "Extension]\n") != std::string::npos);

  // C62: POSTed JSON arrays to the subscribed path.
  for (const json& delivery : layer.records("tel", "telemetry")) {
    CHECK(delivery["method"] == "POST");
    CHECK(delivery["path"] == "/");
    CHECK(delivery["content_type"].get<std::string>().starts_with("application/json"));
    CHECK(delivery["batch"].is_array());
    CHECK_FALSE(delivery["batch"].empty());
  }

  const auto starts = lines_starting_with(out, "START RequestId: ");
  REQUIRE(starts.size() == 2);
  const std::vector<json> records = layer.telemetry("tel");
  check_cold_start(records, {.extensions = {"tel", "plain-ext"},
                             .subscriber = "tel",
                             .request_ids = {request_id_in(starts[0]), request_id_in(starts[1])},
                             .produced_bytes = {first.body.size(), second.body.size()},
                             .memory_mb = 512,
                             .function_line = "hello telemetry"});

  // C68: an extension's output arrives as extension records.
  const std::string plain_line = "test-extension plain-ext: INVOKE " + request_id_in(starts[0]);
  bool extension_line = false;
  for (const json& r : records) {
    extension_line = extension_line || (r.value("type", "") == "extension" &&
                                        trimmed_line(r.value("record", "")) == plain_line);
  }
  CHECK(extension_line);
}

TEST_CASE("telemetry: subscriptions are validated and only open during Init",
          "[integration][telemetry][C58][C59][C60]") {
  EmulatorProcess emu(test_runtime(
      "slow-init:20000", {"--init", "eager", "--init-timeout", "30", "--function-name", "itfn"}));
  REQUIRE(emu.wait_for_stdout("INIT_START ", kWait));
  const HttpResult reg = register_extension(emu, "tel-internal", R"({"events":[]})");
  REQUIRE(reg.status == 200);
  const std::string id = reg.header("Lambda-Extension-Identifier").value_or("");
  const std::string platform = R"(["platform"])";

  // C59
  HttpResult r = subscribe(emu, "", subscription(platform, kNowhere));
  CHECK(is_error(r, 403, "Extension.MissingExtensionIdentifier",
                 "Missing Lambda-Extension-Identifier header"));

  // C60
  const std::vector<std::pair<std::string, std::string>> invalid = {
      {"maxItems 999",
       subscription(platform, kNowhere, R"({"maxItems":999,"maxBytes":262144,"timeoutMs":100})")},
      {"maxItems 10001",
       subscription(platform, kNowhere, R"({"maxItems":10001,"maxBytes":262144,"timeoutMs":100})")},
      {"maxBytes 262143",
       subscription(platform, kNowhere, R"({"maxItems":1000,"maxBytes":262143,"timeoutMs":100})")},
      {"timeoutMs 24",
       subscription(platform, kNowhere, R"({"maxItems":1000,"maxBytes":262144,"timeoutMs":24})")},
      {"timeoutMs 30001", subscription(platform, kNowhere,
                                       R"({"maxItems":1000,"maxBytes":262144,"timeoutMs":30001})")},
      {"empty types", subscription("[]", kNowhere)},
      {"unknown type", subscription(R"(["platform","bogus"])", kNowhere)},
      {"no destination", R"({"schemaVersion":"2022-12-13","types":["platform"]})"},
      {"unknown schemaVersion",
       R"({"schemaVersion":"1999-01-01","types":["platform"],"destination":)" + kNowhere + "}"},
  };
  for (const auto& [what, body] : invalid) {
    r = subscribe(emu, id, body);
    INFO(what << ": " << r.status << " " << r.body);
    CHECK(is_error_type(r, 400, "ValidationError"));
  }

  // A valid one (the listener need not exist for the subscription to be accepted).
  r = subscribe(emu, id, subscription(R"(["platform","function"])", kNowhere));
  INFO(r.body);
  CHECK(r.status == 200);
  CHECK(without_newline(r.body) == "\"OK\"");
  CHECK(emu.wait_for_stdout(
      "TELEMETRY\tName: tel-internal\tState: Subscribed\tTypes: [Platform, Function]\n", kWait));
}

// Registration closes at the runtime's first /next, subscriptions only when Init ends: the
// runtime starts as soon as the extensions registered, and they subscribe after that (RIE
// turns the subscription API off once every extension is ready).
TEST_CASE("telemetry: subscriptions stay open until Init ends, then close",
          "[integration][telemetry][C61]") {
  ExtensionLayer layer;
  SECTION("after Init") {
    layer.add("holder");
    EmulatorProcess emu(test_runtime("echo", {"--opt-dir", layer.dir()}));
    REQUIRE(invoke(emu, "{}").status == 200);
    const std::vector<json> reg = layer.records("holder", "register");
    REQUIRE(reg.size() == 1);
    const std::string id = reg[0]["headers"].value("lambda-extension-identifier", "");
    const HttpResult r = subscribe(emu, id, subscription(R"(["platform"])", kNowhere));
    INFO(r.body);
    CHECK(r.status == 403);
    CHECK(parse_json(r.body).contains("errorType"));
  }
  SECTION("after the runtime's first /next, while an extension is still in Init: accepted") {
    // A launched file that never registers: the test registers under its name and never
    // calls /event/next, so Init stays open after the runtime's first /next.
    layer.add("hold", "no-register");
    EmulatorProcess emu(test_runtime(
        "echo", {"--opt-dir", layer.dir(), "--init", "eager", "--trace", "{tmp}/trace.jsonl"}));
    REQUIRE(layer.wait_for("hold", "start"));
    const HttpResult reg = register_extension(emu, "hold", R"({"events":["INVOKE","SHUTDOWN"]})");
    REQUIRE(reg.status == 200);
    const bool runtime_asked = wait_until(
        [&] {
          for (const json& line : read_json_lines(emu.temp_dir() / "trace.jsonl")) {
            if (line.value("kind", "") == "request" &&
                line.value("path", "") == "/2018-06-01/runtime/invocation/next") {
              return true;
            }
          }
          return false;
        },
        kWait);
    REQUIRE(runtime_asked);
    const HttpResult r = subscribe(emu, reg.header("Lambda-Extension-Identifier").value_or(""),
                                   subscription(R"(["platform"])", kNowhere));
    INFO(r.body);
    CHECK(r.status == 200);
  }
}

TEST_CASE("telemetry: one extension cannot subscribe through both the Logs and Telemetry APIs",
          "[integration][telemetry][C69]") {
  EmulatorProcess emu(test_runtime(
      "slow-init:20000", {"--init", "eager", "--init-timeout", "30", "--function-name", "itfn"}));
  REQUIRE(emu.wait_for_stdout("INIT_START ", kWait));
  const std::string logs_body =
      R"({"schemaVersion":"2021-03-18","types":["platform","function"],"destination":)" + kNowhere +
      "}";
  const std::string telemetry_body = subscription(R"(["platform"])", kNowhere);

  SECTION("Logs API first") {
    const HttpResult reg = register_extension(emu, "logs-first", R"({"events":[]})");
    const std::string id = reg.header("Lambda-Extension-Identifier").value_or("");
    const HttpResult logs = subscribe(emu, id, logs_body, "/2020-08-15/logs");
    INFO(logs.status << " " << logs.body);
    REQUIRE(logs.status == 200);
    const HttpResult telemetry = subscribe(emu, id, telemetry_body);
    INFO(telemetry.status << " " << telemetry.body);
    CHECK(telemetry.status >= 400);
    CHECK(telemetry.status < 500);
  }
  SECTION("Telemetry API first") {
    const HttpResult reg = register_extension(emu, "telemetry-first", R"({"events":[]})");
    const std::string id = reg.header("Lambda-Extension-Identifier").value_or("");
    const HttpResult telemetry = subscribe(emu, id, telemetry_body);
    REQUIRE(telemetry.status == 200);
    const HttpResult logs = subscribe(emu, id, logs_body, "/2020-08-15/logs");
    INFO(logs.status << " " << logs.body);
    CHECK(logs.status >= 400);
    CHECK(logs.status < 500);
  }
}

TEST_CASE("telemetry: a batch is flushed when it reaches maxItems",
          "[integration][telemetry][C64]") {
  ExtensionLayer layer;
  // A timeout far beyond this test's waits: only maxItems can flush in time.
  layer.add("batcher", "telemetry:function",
            {"--buffering", R"({"maxItems":1000,"timeoutMs":30000})"});
  EmulatorProcess emu(
      test_runtime(kSubscriberRuntime, {"--opt-dir", layer.dir(), "--freeze", "off"}));
  json lines = json::array();
  for (int i = 0; i < 2500; ++i) {
    lines.push_back("flood line " + std::to_string(i));
  }
  const HttpResult r = invoke(emu, json{{"do", "print"}, {"lines", lines}}.dump());
  REQUIRE(r.status == 200);
  REQUIRE(wait_until([&] { return layer.telemetry("batcher").size() >= 2000; }, kWait));
  const std::vector<json> deliveries = layer.records("batcher", "telemetry");
  REQUIRE(deliveries.size() >= 2);
  CHECK(deliveries[0]["batch"].size() == 1000);
  CHECK(deliveries[1]["batch"].size() == 1000);
  // In order, none lost or repeated so far.
  const std::vector<json> records = layer.telemetry("batcher");
  for (std::size_t i = 0; i < 2000; ++i) {
    INFO(records[i].dump());
    CHECK(records[i]["type"] == "function");
    CHECK(trimmed_line(records[i].value("record", "")) == "flood line " + std::to_string(i));
  }
}

TEST_CASE("telemetry: batches a listener keeps refusing are dropped and reported",
          "[integration][telemetry][C64]") {
  ExtensionLayer layer;
  // The first deliveries fail, more than any bounded retry can outlast.
  layer.add("refuser", "telemetry:platform,function", {"--fail-first", "8"});
  EmulatorProcess emu(test_runtime(kSubscriberRuntime, {"--opt-dir", layer.dir()}));
  bool dropped = false;
  for (int i = 0; i < 40 && !dropped; ++i) {
    REQUIRE(invoke(emu, R"({"do":"print","lines":["line )" + std::to_string(i) + R"("]})").status ==
            200);
    dropped = wait_until(
        [&] { return count_type(layer.telemetry("refuser"), "platform.logsDropped") > 0; }, 500ms);
  }
  INFO(logs_of(emu));
  REQUIRE(dropped);
  for (const json& r : layer.telemetry("refuser")) {
    if (r.value("type", "") == "platform.logsDropped") {
      check_envelope(r);
      INFO(r.dump());
      CHECK(r["record"].value("droppedRecords", 0) > 0);
      CHECK(r["record"].value("droppedBytes", 0) > 0);
      CHECK(r["record"]["reason"].is_string());
    }
  }
}

TEST_CASE("telemetry: HTTP/1.0 and slow listeners get every record once, in order",
          "[integration][telemetry][C62][C64]") {
  ExtensionLayer layer;
  layer.add("old-listener", "telemetry:platform,function", {"--http10"});
  layer.add("slow-listener", "telemetry:platform,function", {"--listener-delay", "200"});
  EmulatorProcess emu(
      test_runtime(kSubscriberRuntime, {"--opt-dir", layer.dir(), "--freeze", "off"}));
  constexpr int kInvokes = 3;
  for (int i = 0; i < kInvokes; ++i) {
    REQUIRE(
        invoke(emu, R"({"do":"print","lines":["invoke )" + std::to_string(i) + R"("]})").status ==
        200);
  }
  for (const std::string name : {"old-listener", "slow-listener"}) {
    INFO(name);
    REQUIRE(wait_until(
        [&] { return count_type(layer.telemetry(name), "platform.report") >= kInvokes; }, kWait));
    CHECK(layer.records(name, "telemetry_error").empty());
    const std::vector<json> records = layer.telemetry(name);
    std::vector<std::string> lines;
    std::vector<std::string> reports;
    for (const json& r : records) {
      check_envelope(r);
      if (r["type"] == "function") {
        lines.push_back(trimmed_line(r["record"]));
      } else if (r["type"] == "platform.report") {
        reports.push_back(r["record"].value("requestId", ""));
      }
    }
    CHECK(lines == std::vector<std::string>{"invoke 0", "invoke 1", "invoke 2"});
    CHECK(reports.size() == static_cast<std::size_t>(kInvokes));
    CHECK(std::set<std::string>(reports.begin(), reports.end()).size() == reports.size());
  }
}

// A TCP listener on 127.0.0.1 collecting what connections send, for TCP destinations.
class TcpSink {
 public:
  TcpSink() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_, 8) != 0) {
      throw std::runtime_error("TcpSink: cannot listen");
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~TcpSink() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  TcpSink(const TcpSink&) = delete;
  TcpSink& operator=(const TcpSink&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::string received() const {
    std::lock_guard lock(mutex_);
    return data_;
  }

 private:
  void run() {
    std::vector<pollfd> fds = {{fd_, POLLIN, 0}};
    while (!stop_) {
      if (::poll(fds.data(), fds.size(), 50) <= 0) {
        continue;
      }
      for (std::size_t i = 0; i < fds.size(); ++i) {
        if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
          continue;
        }
        if (i == 0) {
          const int conn = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
          if (conn >= 0) {
            fds.push_back({conn, POLLIN, 0});
          }
          continue;
        }
        char buf[4096];
        const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
        if (n <= 0) {
          ::close(fds[i].fd);
          fds[i].fd = -1;  // poll ignores negative descriptors
          continue;
        }
        std::lock_guard lock(mutex_);
        data_.append(buf, static_cast<std::size_t>(n));
      }
    }
    for (std::size_t i = 1; i < fds.size(); ++i) {
      if (fds[i].fd >= 0) {
        ::close(fds[i].fd);
      }
    }
  }

  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::string data_;
  std::thread thread_;
};

TEST_CASE("telemetry: a TCP destination receives newline-delimited JSON",
          "[integration][telemetry][C62][C63]") {
  TcpSink sink;
  EmulatorProcess emu(test_runtime(
      "slow-init:20000", {"--init", "eager", "--init-timeout", "30", "--function-name", "itfn"}));
  REQUIRE(emu.wait_for_stdout("INIT_START ", kWait));
  const HttpResult reg = register_extension(emu, "tcp-sub", R"({"events":[]})");
  REQUIRE(reg.status == 200);
  const HttpResult r =
      subscribe(emu, reg.header("Lambda-Extension-Identifier").value_or(""),
                subscription(R"(["platform"])",
                             R"({"protocol":"TCP","port":)" + std::to_string(sink.port()) + "}",
                             R"({"timeoutMs":25})"));
  INFO(r.body);
  REQUIRE(r.status == 200);

  // The Init records so far arrive as one JSON object per line, the replayed initStart first.
  REQUIRE(wait_until(
      [&] { return sink.received().find("platform.telemetrySubscription") != std::string::npos; },
      kWait));
  std::istringstream in(sink.received());
  std::string line;
  std::vector<json> records;
  while (std::getline(in, line)) {
    INFO(line);
    const json j = parse_json(line);
    REQUIRE(j.is_object());
    check_envelope(j);
    records.push_back(j);
  }
  REQUIRE_FALSE(records.empty());
  CHECK(records[0]["type"] == "platform.initStart");
}

bool node_available(std::string& node) {
  node = source_path(".deps/node/bin/node");
  if (::access(node.c_str(), X_OK) == 0) {
    return true;
  }
  node = "node";
  return std::system("command -v node >/dev/null 2>&1") == 0;
}

TEST_CASE("telemetry: a Node.js extension built on the http module receives the records",
          "[integration][telemetry][node][C58][C62][C65][C66][C67][C68]") {
  std::string node;
  if (!node_available(node)) {
    WARN("Node.js is not installed (.deps/node or PATH); run scripts/setup.sh. Skipping.");
    SUCCEED("skipped: no node");
    return;
  }
  ExtensionLayer layer;
  // The extension's name is its file name here; the launcher lives in the repository.
  layer.add_script("node-telemetry",
                   "#!/bin/sh\nLAMBDA_EXTENSION_NAME=node-telemetry exec " +
                       shell_quote(source_path("tests/extensions/node/telemetry-extension")) +
                       "\n");
  layer.add("plain-ext");
  EmulatorProcess emu(
      test_runtime(kSubscriberRuntime,
                   {"--opt-dir", layer.dir(), "--env", "TELEMETRY_OUT={tmp}/node-telemetry.jsonl",
                    "--freeze", "off", "--env", "LAMBDA_EMU_NODE=" + node}));
  const HttpResult first = invoke(emu, R"({"do":"print","lines":["hello from the node test"]})");
  const HttpResult second = invoke(emu, R"({"do":"echo"})");
  INFO(logs_of(emu));
  REQUIRE(first.status == 200);
  REQUIRE(second.status == 200);
  const std::filesystem::path out_file = emu.temp_dir() / "node-telemetry.jsonl";
  REQUIRE(wait_until([&] { return count_type(read_json_lines(out_file), "platform.report") >= 2; },
                     kWait));
  CHECK(emu.stop() == 0);

  const std::string out = emu.stdout_text();
  CHECK(out.find("TELEMETRY\tName: node-telemetry\tState: Subscribed\tTypes: [Platform, "
                 "Function, Extension]\n") != std::string::npos);
  CHECK(out.find("\n[extension:node-telemetry] [node-telemetry] SHUTDOWN: spindown\n") !=
        std::string::npos);
  const auto starts = lines_starting_with(out, "START RequestId: ");
  REQUIRE(starts.size() == 2);
  const std::vector<json> records = read_json_lines(out_file);
  check_cold_start(records, {.extensions = {"node-telemetry", "plain-ext"},
                             .subscriber = "node-telemetry",
                             .request_ids = {request_id_in(starts[0]), request_id_in(starts[1])},
                             .produced_bytes = {first.body.size(), second.body.size()},
                             .function_line = "hello from the node test"});
  // Its own console output comes back as extension records.
  bool own_line = false;
  for (const json& r : records) {
    own_line = own_line || (r.value("type", "") == "extension" &&
                            trimmed_line(r.value("record", "")) ==
                                "[node-telemetry] INVOKE " + request_id_in(starts[0]));
  }
  CHECK(own_line);
}

}  // namespace
}  // namespace lambda_emu::testing

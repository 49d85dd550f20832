// test-extension: a Lambda external extension whose behaviour each integration test chooses.
//
// The tests put a launcher script per extension into <opt-dir>/extensions (the emulator runs
// every executable there, named by its basename) that execs this program with options:
//
//   --name NAME             Lambda-Extension-Name (default: basename of argv[0])
//   --events LIST           comma-separated events to register for (default INVOKE,SHUTDOWN;
//                           "" registers "events": [])
//   --record FILE           append one JSON line per thing seen, the test reads it back:
//                           every line has "what", "name" and "epoch_ns" (wall clock), and
//                           what is one of start (pid, env, cwd), register (sent_epoch_ns,
//                           status, headers, body), ready (just before the first
//                           /event/next), event (body, raw, headers), next_error, work_done,
//                           init_error, exit_error, subscribe, telemetry (method, path,
//                           content_type, batch), telemetry_refused, telemetry_error, exit
//   --mode MODE             fast | slow-post:<ms> | crash-invoke | hang-shutdown |
//                           next-after-shutdown | init-error | exit-error | no-register |
//                           never-next | telemetry:<types>
//   --listener-delay MS     telemetry listener answers each batch after MS
//   --listener-port N       telemetry listener on this port (default: any free one), as
//                           published extensions fix theirs (4243); a port in use aborts
//   --fail-first N          telemetry listener answers the first N deliveries with 500
//   --http10                telemetry listener answers HTTP/1.0 + Connection: close and refuses
//                           chunked bodies (listeners that read exactly Content-Length)
//   --buffering JSON        merged into the subscription's "buffering" (default timeoutMs 25)
//   --accept-account-id     send Lambda-Extension-Accept-Feature: accountId
//   --register-delay MS     wait before registering (an extension with a slow start)
//   --init-delay MS         wait between registering and the first /event/next
//
// By default it exits 0 after recording a SHUTDOWN event. Everything here is synchronous and
// blocking: the test wants a plain, predictable client, as most published extensions are.

// <utility> must come before any Boost.Asio header: Boost 1.74 + g++ 12 otherwise fail to
// compile (some Asio headers use std::exchange without including <utility>).
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <unistd.h>
#include <algorithm>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using json = nlohmann::ordered_json;

namespace {

constexpr std::string_view kExtensionPrefix = "/2020-01-01/extension";
constexpr std::string_view kTelemetryPath = "/2022-07-01/telemetry";

struct Options {
  std::string name;
  std::vector<std::string> events = {"INVOKE", "SHUTDOWN"};
  std::string record;
  std::string mode = "fast";
  std::int64_t listener_delay_ms = 0;
  std::uint16_t listener_port = 0;
  std::int64_t fail_first = 0;
  bool http10 = false;
  json buffering = json::object();
  bool accept_account_id = false;
  std::int64_t register_delay_ms = 0;
  std::int64_t init_delay_ms = 0;
};

std::int64_t epoch_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void sleep_ms(std::int64_t ms) {
  if (ms > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

[[noreturn]] void sleep_forever() {
  for (;;)
    pause();
}

std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const std::size_t at = text.find(sep);
    std::string_view part = text.substr(0, at);
    if (!part.empty())
      out.emplace_back(part);
    if (at == std::string_view::npos)
      break;
    text.remove_prefix(at + 1);
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// A body as JSON when it parses, else as the string it is (error bodies, "OK", garbage).
json body_value(std::string_view body) {
  json j = json::parse(body.begin(), body.end(), nullptr, false);
  return j.is_discarded() ? json(std::string(body)) : j;
}

template <class Fields>
json header_object(const Fields& fields) {
  json out = json::object();
  for (const auto& field : fields)
    out[lower(field.name_string())] = std::string(field.value());
  return out;
}

// Appends JSON lines to --record; one write(2) per line on an O_APPEND descriptor, so lines
// from the listener thread and the main thread never interleave.
class Recorder {
 public:
  void open(const std::string& path, std::string name) {
    name_ = std::move(name);
    if (path.empty())
      return;
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0)
      std::fprintf(stderr, "test-extension %s: cannot open record file %s\n", name_.c_str(),
                   path.c_str());
  }

  void write(std::string_view what, json fields = json::object()) {
    json line = json::object();
    line["what"] = what;
    line["name"] = name_;
    line["epoch_ns"] = epoch_ns();
    for (auto& [k, v] : fields.items())
      line[k] = std::move(v);
    std::string text = line.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    std::lock_guard lock(mutex_);
    if (fd_ >= 0 && ::write(fd_, text.data(), text.size()) < 0)
      std::perror("test-extension: record");
  }

  // Records the exit code, then ends the process at once (the listener thread may be busy).
  [[noreturn]] void exit(int code) {
    write("exit", {{"code", code}});
    std::fflush(stdout);
    std::fflush(stderr);
    _exit(code);
  }

 private:
  std::mutex mutex_;
  int fd_ = -1;
  std::string name_;
};

Recorder g_record;

// One keep-alive HTTP/1.1 connection to the Extensions/Telemetry API, used by one thread.
class ApiClient {
 public:
  ApiClient(std::string api, std::string name) : api_(std::move(api)), name_(std::move(name)) {}

  // Sends `req` and returns the reply, or nullopt with the reason printed on stderr. A failure
  // on a reused connection (the server closed it while idle) gets one retry on a new one.
  std::optional<http::response<http::string_body>> send(http::request<http::string_body> req) {
    req.version(11);
    req.set(http::field::host, api_);
    req.set(http::field::user_agent, "lambda-emu-test-extension");
    req.prepare_payload();
    beast::error_code ec;
    for (int attempt = 0; attempt < 2; ++attempt) {
      const bool reused = sock_.is_open();
      if (!reused && !connect(ec))
        break;
      http::write(sock_, req, ec);
      if (!ec) {
        http::response_parser<http::string_body> parser;
        parser.body_limit(std::numeric_limits<std::uint64_t>::max());
        http::read(sock_, buf_, parser, ec);
        if (!ec) {
          auto res = parser.release();
          if (!res.keep_alive())
            close();
          return res;
        }
      }
      close();
      if (!reused)
        break;
    }
    std::fprintf(stderr, "test-extension %s: %s %s to %s failed: %s\n", name_.c_str(),
                 std::string(req.method_string()).c_str(), std::string(req.target()).c_str(),
                 api_.c_str(), ec.message().c_str());
    return std::nullopt;
  }

 private:
  bool connect(beast::error_code& ec) {
    const std::size_t colon = api_.rfind(':');
    if (colon == std::string::npos) {
      ec = asio::error::invalid_argument;
      return false;
    }
    auto endpoints = tcp::resolver(io_).resolve(api_.substr(0, colon), api_.substr(colon + 1), ec);
    if (ec)
      return false;
    asio::connect(sock_, endpoints, ec);
    if (ec)
      return false;
    sock_.set_option(tcp::no_delay(true), ec);
    return true;
  }

  void close() {
    beast::error_code ignored;
    sock_.shutdown(tcp::socket::shutdown_both, ignored);
    sock_.close(ignored);
    buf_.clear();
  }

  std::string api_;
  std::string name_;
  asio::io_context io_;
  tcp::socket sock_{io_};
  beast::flat_buffer buf_;
};

// The Telemetry API destination: an HTTP server on 127.0.0.1 that records every POSTed batch.
// One thread accepts, one thread per connection serves (the emulator may open several).
class TelemetryListener {
 public:
  TelemetryListener(std::int64_t delay_ms, bool http10, std::int64_t fail_first, std::uint16_t port)
      : delay_ms_(delay_ms), http10_(http10), fail_left_(fail_first) {
    acceptor_.open(tcp::v4());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind({asio::ip::make_address_v4("127.0.0.1"), port});
    acceptor_.listen();
    std::thread([this] { accept_loop(); }).detach();
  }

  [[nodiscard]] std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  void accept_loop() {
    for (;;) {
      auto sock = std::make_shared<tcp::socket>(io_);
      beast::error_code ec;
      acceptor_.accept(*sock, ec);
      if (ec)
        continue;
      std::thread([this, sock] { serve(*sock); }).detach();
    }
  }

  void serve(tcp::socket& sock) {
    beast::flat_buffer buf;
    for (;;) {
      beast::error_code ec;
      http::request_parser<http::string_body> parser;
      parser.body_limit(std::numeric_limits<std::uint64_t>::max());
      http::read(sock, buf, parser, ec);
      if (ec)
        break;
      const bool chunked = parser.chunked();
      http::request<http::string_body> req = parser.release();
      sleep_ms(delay_ms_);

      http::response<http::string_body> res;
      res.version(http10_ ? 10 : 11);
      if (take_failure()) {
        g_record.write("telemetry_refused",
                       {{"path", std::string(req.target())}, {"batch", body_value(req.body())}});
        res.result(http::status::internal_server_error);
      } else if (http10_ && chunked) {
        // A listener that reads exactly Content-Length bytes cannot take a chunked body.
        g_record.write("telemetry_error",
                       {{"reason", "chunked body"}, {"path", std::string(req.target())}});
        res.result(http::status::length_required);
      } else {
        g_record.write("telemetry", {{"method", std::string(req.method_string())},
                                     {"path", std::string(req.target())},
                                     {"content_type", std::string(req[http::field::content_type])},
                                     {"batch", body_value(req.body())}});
        res.result(http::status::ok);
      }
      const bool keep = !http10_ && req.keep_alive();
      res.keep_alive(keep);
      if (http10_)
        res.set(http::field::connection, "close");
      res.prepare_payload();
      http::write(sock, res, ec);
      if (ec || !keep)
        break;
    }
    beast::error_code ignored;
    sock.shutdown(tcp::socket::shutdown_both, ignored);
    sock.close(ignored);
  }

  // True for the first --fail-first deliveries: the listener answers them 500.
  bool take_failure() {
    std::lock_guard lock(mutex_);
    if (fail_left_ <= 0)
      return false;
    --fail_left_;
    return true;
  }

  asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  std::int64_t delay_ms_;
  bool http10_;
  std::mutex mutex_;
  std::int64_t fail_left_;
};

std::int64_t ms_arg(std::string_view mode, std::string_view prefix) {
  return std::atoll(std::string(mode.substr(prefix.size())).c_str());
}

class Extension {
 public:
  explicit Extension(Options opt, std::string api)
      : opt_(std::move(opt)), client_(std::move(api), opt_.name) {}

  [[noreturn]] void run() {
    if (opt_.mode == "no-register") {
      say("not registering, sleeping");
      sleep_forever();
    }
    sleep_ms(opt_.register_delay_ms);
    register_();
    if (opt_.mode == "init-error")
      init_error();
    sleep_ms(opt_.init_delay_ms);
    if (opt_.mode.starts_with("telemetry:"))
      subscribe(opt_.mode.substr(10));
    // Init work is done: the first /event/next follows (tests order other things against it).
    g_record.write("ready");
    for (;;) {
      const json event = next();
      const std::string type = event.value("eventType", "");
      if (type == "INVOKE") {
        on_invoke(event);
      } else if (type == "SHUTDOWN") {
        on_shutdown();
      }
    }
  }

 private:
  void say(const std::string& text) {
    std::printf("test-extension %s: %s\n", opt_.name.c_str(), text.c_str());
    std::fflush(stdout);
  }

  [[noreturn]] void fail(const std::string& text) {
    std::fprintf(stderr, "test-extension %s: %s\n", opt_.name.c_str(), text.c_str());
    g_record.exit(1);
  }

  std::optional<http::response<http::string_body>> call(http::verb verb, std::string target,
                                                        std::string body = {},
                                                        bool with_id = true) {
    http::request<http::string_body> req{verb, target, 11};
    if (with_id)
      req.set("Lambda-Extension-Identifier", id_);
    if (!body.empty()) {
      req.set(http::field::content_type, "application/json");
      req.body() = std::move(body);
    }
    return client_.send(std::move(req));
  }

  void register_() {
    json events = json::array();
    for (const std::string& e : opt_.events)
      events.push_back(e);
    http::request<http::string_body> req{http::verb::post,
                                         std::string(kExtensionPrefix) + "/register", 11};
    req.set("Lambda-Extension-Name", opt_.name);
    if (opt_.accept_account_id)
      req.set("Lambda-Extension-Accept-Feature", "accountId");
    req.set(http::field::content_type, "application/json");
    req.body() = json{{"events", events}}.dump();
    const std::int64_t sent = epoch_ns();
    auto res = client_.send(std::move(req));
    if (!res)
      fail("cannot reach the Extensions API to register");
    g_record.write("register", {{"sent_epoch_ns", sent},
                                {"status", res->result_int()},
                                {"headers", header_object(*res)},
                                {"body", body_value(res->body())}});
    if (res->result() != http::status::ok)
      fail("register refused: " + std::to_string(res->result_int()) + " " + res->body());
    id_ = std::string((*res)["Lambda-Extension-Identifier"]);
    say("registered as " + id_ + " for " + events.dump());
  }

  [[noreturn]] void init_error() {
    http::request<http::string_body> req{http::verb::post,
                                         std::string(kExtensionPrefix) + "/init/error", 11};
    req.set("Lambda-Extension-Identifier", id_);
    req.set("Lambda-Extension-Function-Error-Type", "Extension.ConfigInvalid");
    req.set(http::field::content_type, "application/json");
    req.body() =
        R"({"errorMessage":"test-extension: bad configuration","errorType":"Extension.ConfigInvalid","stackTrace":[]})";
    auto res = client_.send(std::move(req));
    if (res)
      g_record.write("init_error",
                     {{"status", res->result_int()}, {"body", body_value(res->body())}});
    say("reported an init error, exiting");
    g_record.exit(1);
  }

  void subscribe(std::string_view types) {
    listener_.emplace(opt_.listener_delay_ms, opt_.http10, opt_.fail_first, opt_.listener_port);
    json buffering = {{"timeoutMs", 25}};
    buffering.update(opt_.buffering);
    json type_list = json::array();
    for (const std::string& t : split(types, ','))
      type_list.push_back(t);
    const json request = {
        {"schemaVersion", "2022-12-13"},
        {"types", type_list},
        {"buffering", buffering},
        {"destination",
         {{"protocol", "HTTP"},
          {"URI", "http://sandbox.localdomain:" + std::to_string(listener_->port()) + "/"}}}};
    auto res = call(http::verb::put, std::string(kTelemetryPath), request.dump());
    if (!res)
      fail("cannot reach the Telemetry API");
    g_record.write("subscribe", {{"status", res->result_int()},
                                 {"body", body_value(res->body())},
                                 {"request", request},
                                 {"port", listener_->port()}});
    say("subscribed to telemetry on port " + std::to_string(listener_->port()) + ": " +
        std::to_string(res->result_int()));
  }

  // GET /event/next; records the event. Exits when the API refuses or goes away.
  json next() {
    auto res = call(http::verb::get, std::string(kExtensionPrefix) + "/event/next");
    if (!res)
      fail("lost the Extensions API while waiting for an event");
    if (res->result() != http::status::ok) {
      g_record.write("next_error",
                     {{"status", res->result_int()}, {"body", body_value(res->body())}});
      fail("/event/next refused: " + std::to_string(res->result_int()) + " " + res->body());
    }
    json event = body_value(res->body());
    g_record.write("event",
                   {{"body", event}, {"raw", res->body()}, {"headers", header_object(*res)}});
    if (!event.is_object())
      fail("/event/next body is not a JSON object: " + res->body());
    return event;
  }

  void on_invoke(const json& event) {
    const std::string request_id = event.value("requestId", "");
    say("INVOKE " + request_id);
    const std::string& mode = opt_.mode;
    if (mode == "crash-invoke") {
      say("crashing on INVOKE");
      g_record.exit(1);
    }
    if (mode == "exit-error") {
      http::request<http::string_body> req{http::verb::post,
                                           std::string(kExtensionPrefix) + "/exit/error", 11};
      req.set("Lambda-Extension-Identifier", id_);
      req.set("Lambda-Extension-Function-Error-Type", "Extension.TestExit");
      req.set(http::field::content_type, "application/json");
      req.body() =
          R"({"errorMessage":"test-extension: giving up","errorType":"Extension.TestExit","stackTrace":[]})";
      auto res = client_.send(std::move(req));
      if (res)
        g_record.write("exit_error",
                       {{"status", res->result_int()}, {"body", body_value(res->body())}});
      say("reported an exit error, exiting");
      g_record.exit(1);
    }
    if (mode == "never-next") {
      say("never calling next again");
      sleep_forever();
    }
    if (mode.starts_with("slow-post:")) {
      sleep_ms(ms_arg(mode, "slow-post:"));
      g_record.write("work_done", {{"requestId", request_id}});
    }
  }

  [[noreturn]] void on_shutdown() {
    say("SHUTDOWN");
    if (opt_.mode == "hang-shutdown") {
      std::signal(SIGTERM, SIG_IGN);
      say("hanging in SHUTDOWN");
      sleep_forever();
    }
    if (opt_.mode == "next-after-shutdown") {
      say("calling next after SHUTDOWN");
      next();  // blocks until killed; if it ever returns, that is worth recording
      fail("/event/next after SHUTDOWN returned");
    }
    g_record.exit(0);
  }

  Options opt_;
  ApiClient client_;
  std::string id_;
  std::optional<TelemetryListener> listener_;
};

bool known_mode(std::string_view m) {
  static constexpr std::string_view kPlain[] = {"fast",       "crash-invoke",       "hang-shutdown",
                                                "init-error", "exit-error",         "no-register",
                                                "never-next", "next-after-shutdown"};
  return std::find(std::begin(kPlain), std::end(kPlain), m) != std::end(kPlain) ||
         m.starts_with("slow-post:") || m.starts_with("telemetry:");
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "test-extension: %s\nusage: test-extension [--name N] [--events LIST] [--record "
               "FILE] [--mode M] [--listener-delay MS] [--listener-port N] [--fail-first N] "
               "[--http10] [--buffering JSON] "
               "[--accept-account-id] [--register-delay MS] [--init-delay MS]\n",
               why);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options opt;
  opt.name = std::filesystem::path(argv[0]).filename().string();
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        usage(("missing value after " + std::string(arg)).c_str());
      return argv[++i];
    };
    if (arg == "--name") {
      opt.name = value();
    } else if (arg == "--events") {
      opt.events = split(value(), ',');
    } else if (arg == "--record") {
      opt.record = value();
    } else if (arg == "--mode") {
      opt.mode = value();
    } else if (arg == "--listener-port") {
      opt.listener_port = static_cast<std::uint16_t>(std::atoi(value().c_str()));
    } else if (arg == "--listener-delay") {
      opt.listener_delay_ms = std::atoll(value().c_str());
    } else if (arg == "--fail-first") {
      opt.fail_first = std::atoll(value().c_str());
    } else if (arg == "--http10") {
      opt.http10 = true;
    } else if (arg == "--buffering") {
      opt.buffering = json::parse(value(), nullptr, false);
      if (!opt.buffering.is_object())
        usage("--buffering takes a JSON object");
    } else if (arg == "--accept-account-id") {
      opt.accept_account_id = true;
    } else if (arg == "--register-delay") {
      opt.register_delay_ms = std::atoll(value().c_str());
    } else if (arg == "--init-delay") {
      opt.init_delay_ms = std::atoll(value().c_str());
    } else {
      usage(("unknown option " + std::string(arg)).c_str());
    }
  }
  if (!known_mode(opt.mode))
    usage(("unknown mode " + opt.mode).c_str());
  return opt;
}

// What the extension was started with, so tests can check the extension environment (section 7).
json start_record(const Options& opt) {
  static constexpr const char* kVars[] = {"AWS_LAMBDA_RUNTIME_API",
                                          "_HANDLER",
                                          "LAMBDA_TASK_ROOT",
                                          "AWS_LAMBDA_FUNCTION_NAME",
                                          "AWS_LAMBDA_FUNCTION_VERSION",
                                          "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                                          "AWS_REGION",
                                          "AWS_DEFAULT_REGION",
                                          "AWS_LAMBDA_LOG_GROUP_NAME",
                                          "AWS_LAMBDA_INITIALIZATION_TYPE",
                                          "AWS_EXECUTION_ENV",
                                          "CUSTOM_VAR"};
  json env = json::object();
  for (const char* var : kVars) {
    const char* v = std::getenv(var);
    env[var] = v != nullptr ? json(v) : json(nullptr);
  }
  std::error_code ec;
  const auto cwd = std::filesystem::current_path(ec);
  return {{"pid", static_cast<std::int64_t>(getpid())},
          {"mode", opt.mode},
          {"env", env},
          {"cwd", ec ? json(nullptr) : json(cwd.string())}};
}

}  // namespace

int main(int argc, char** argv) {
  // Our stdout is a pipe to the emulator: line-buffer it so each line reaches the log at once.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const Options opt = parse(argc, argv);
  g_record.open(opt.record, opt.name);
  g_record.write("start", start_record(opt));

  const char* api = std::getenv("AWS_LAMBDA_RUNTIME_API");
  if (api == nullptr || *api == '\0') {
    std::fprintf(stderr, "test-extension %s: AWS_LAMBDA_RUNTIME_API is not set\n",
                 opt.name.c_str());
    g_record.exit(2);
  }
  try {
    Extension(opt, api).run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "test-extension %s: %s\n", opt.name.c_str(), e.what());
    g_record.exit(1);
  }
}

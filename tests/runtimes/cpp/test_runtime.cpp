// test-runtime: a Lambda custom runtime ("bootstrap") whose behaviour each test chooses.
//
// _HANDLER picks the init behaviour and the default per-invoke behaviour (echo, error,
// crash-init, exit0-init, init-error, slow-init:<ms>, cpu-init:<millions>, script, stream). An
// event that is a JSON object with a string field "do" overrides the default for that one invoke
// (see handle_script()).
//
// It is also the runtime of the latency benchmark, so the echo path is kept lean: one
// keep-alive connection, request/response objects and buffers reused across invokes, events
// only JSON-parsed when they could contain "do", and no logging per invoke.

// <utility> must come before any Boost.Asio header: Boost 1.74 + g++ 12 otherwise fail to
// compile (some Asio headers use std::exchange without including <utility>).
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>
#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using json = nlohmann::json;

namespace {

constexpr std::string_view kInvocationPrefix = "/2018-06-01/runtime/invocation/";
constexpr std::string_view kTestErrorType = "Function.TestError";
constexpr std::string_view kTestErrorBody =
    R"({"errorMessage":"test error","errorType":"Function.TestError","stackTrace":[]})";

const char* env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : fallback;
}

void sleep_ms(std::int64_t ms) {
  if (ms > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

// Reply bodies end with '\n' (RIE uses Go's JSON encoder); strip it so each stderr report
// stays on one line.
std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
    s.remove_suffix(1);
  return s;
}

std::int64_t int_field(const json& j, const char* key, std::int64_t fallback) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<std::int64_t>() : fallback;
}

std::string string_field(const json& j, const char* key, std::string fallback) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::move(fallback);
}

// One HTTP/1.1 keep-alive connection to the Runtime API, used synchronously for every call.
class Client {
 public:
  explicit Client(std::string_view api) : host_(api) {
    auto colon = api.rfind(':');
    if (colon == std::string_view::npos) {
      std::fprintf(stderr, "test-runtime: AWS_LAMBDA_RUNTIME_API must be host:port, got '%s'\n",
                   host_.c_str());
      std::exit(2);
    }
    // Resolve once; reconnects reuse the endpoints.
    endpoints_ = tcp::resolver(io_).resolve(std::string(api.substr(0, colon)),
                                            std::string(api.substr(colon + 1)));
    buf_.reserve(64 * 1024);
    req_.version(11);
    req_.set(http::field::host, host_);
    req_.set(http::field::user_agent, "lambda-emu-test-runtime");
  }

  // Starts a new request; headers that vary between calls are erased, the rest is reused.
  http::request<http::string_body>& start(http::verb verb, std::string_view target) {
    req_.method(verb);
    req_.target(target);
    req_.erase(http::field::content_type);
    req_.erase("Lambda-Runtime-Function-Error-Type");
    req_.erase("Lambda-Runtime-Function-Response-Mode");
    req_.body().clear();  // keeps its capacity
    return req_;
  }

  // Sends the started request and reads the reply into `res`. A connection error (e.g. the
  // server closed the idle keep-alive connection) gets one reconnect and retry.
  beast::error_code send(http::response<http::string_body>& res) {
    req_.prepare_payload();
    beast::error_code ec;
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!sock_.is_open()) {
        asio::connect(sock_, endpoints_, ec);
        if (ec)
          continue;
        sock_.set_option(tcp::no_delay(true), ec);
      }
      http::write(sock_, req_, ec);
      if (!ec) {
        // Parse into the caller's message so its body string keeps its capacity across calls.
        res.clear();
        res.body().clear();
        http::response_parser<http::string_body> parser(std::move(res));
        // No practical limit: /next may carry a 6 MiB event, or more in tests. Not boost::none:
        // Beast 1.74 compares `len > body_limit_` with an empty optional as true and rejects
        // every body that has a Content-Length.
        parser.body_limit(std::numeric_limits<std::uint64_t>::max());
        http::read(sock_, buf_, parser, ec);
        res = parser.release();
        if (!ec) {
          if (!res.keep_alive())
            close();
          return ec;
        }
      }
      close();
    }
    return ec;
  }

  // The keep-alive connection, for a request written by hand (a streamed POST); its reply is
  // read with read_reply().
  tcp::socket& raw_socket() {
    if (!sock_.is_open()) {
      asio::connect(sock_, endpoints_);
      sock_.set_option(tcp::no_delay(true));
    }
    return sock_;
  }
  beast::error_code read_reply(http::response<http::string_body>& res) {
    beast::error_code ec;
    res.clear();
    res.body().clear();
    http::read(sock_, buf_, res, ec);
    if (ec || !res.keep_alive())
      close();
    return ec;
  }
  [[nodiscard]] const std::string& host() const { return host_; }

  void close() {
    beast::error_code ignored;
    sock_.shutdown(tcp::socket::shutdown_both, ignored);
    sock_.close(ignored);
    buf_.clear();  // leftovers belong to the dead connection
  }

 private:
  std::string host_;
  asio::io_context io_;
  tcp::socket sock_{io_};
  tcp::resolver::results_type endpoints_;
  beast::flat_buffer buf_;
  http::request<http::string_body> req_;
};

enum class Mode { kEcho, kError };

class Runtime {
 public:
  explicit Runtime(std::string_view api) : client_(api) {}

  // GET /next into event_. Exits the process when no event can be had.
  void next() {
    client_.start(http::verb::get, "/2018-06-01/runtime/invocation/next");
    if (auto ec = client_.send(event_)) {
      std::fprintf(stderr, "test-runtime: GET /next failed: %s\n", ec.message().c_str());
      std::exit(1);
    }
    if (event_.result() != http::status::ok) {
      std::fprintf(stderr, "test-runtime: GET /next status %u %.*s\n", event_.result_int(),
                   static_cast<int>(trimmed(event_.body()).size()), trimmed(event_.body()).data());
      std::exit(1);
    }
    auto id = event_["Lambda-Runtime-Aws-Request-Id"];
    request_id_.assign(id.data(), id.size());
  }

  // init behaviour `init-error`: report, then show what /next answers afterwards.
  [[noreturn]] void init_error() {
    auto& req = client_.start(http::verb::post, "/2018-06-01/runtime/init/error");
    req.set("Lambda-Runtime-Function-Error-Type", "Runtime.TestInitError");
    req.set(http::field::content_type, "application/json");
    req.body() = R"({"errorMessage":"init failed","errorType":"Runtime.TestInitError"})";
    report("init error", post());
    client_.start(http::verb::get, "/2018-06-01/runtime/invocation/next");
    report("next after init error", post(), true);
    std::exit(1);
  }

  void handle(Mode mode) {
    std::string_view body = event_.body();
    // Cheap pre-check so plain events (the benchmark) never pay for a JSON parse.
    if (body.find("\"do") != std::string_view::npos) {
      json cmd = json::parse(body.begin(), body.end(), nullptr, false);
      // A function URL's event: the script is the HTTP request's body.
      if (cmd.is_object() && cmd.contains("requestContext") && cmd.contains("body") &&
          cmd["body"].is_string()) {
        cmd = json::parse(cmd["body"].get<std::string>(), nullptr, false);
      }
      if (cmd.is_object() && cmd.contains("do") && cmd["do"].is_string()) {
        handle_script(cmd);
        return;
      }
    }
    if (mode == Mode::kError) {
      post_error(kTestErrorType);
    } else {
      echo();
    }
  }

 private:
  void handle_script(const json& cmd) {
    const std::string& what = cmd["do"].get_ref<const std::string&>();
    if (what == "echo") {
      echo();
    } else if (what == "error") {
      std::string type = string_field(cmd, "type", std::string(kTestErrorType));
      auto no_header_it = cmd.find("no_header");
      bool no_header = no_header_it != cmd.end() && *no_header_it == true;
      post_error(no_header ? std::string_view() : std::string_view(type));
    } else if (what == "crash") {
      std::exit(static_cast<int>(int_field(cmd, "code", 3)));
    } else if (what == "hang") {
      for (;;)
        pause();  // never answer; the emulator's timeout kills us
    } else if (what == "sleep") {
      std::int64_t ms = int_field(cmd, "ms", 0);
      sleep_ms(ms);
      respond(R"({"slept":)" + std::to_string(ms) + "}");
    } else if (what == "size") {
      auto n = static_cast<std::size_t>(std::max<std::int64_t>(0, int_field(cmd, "bytes", 0)));
      report("response", respond(std::string(n, 'x'), "application/octet-stream"));
    } else if (what == "double") {
      respond("\"first\"");
      report("second response", respond("\"second\""), true);
    } else if (what == "error_after_response") {
      respond("\"ok\"");
      report("error after response", post_error(kTestErrorType));
    } else if (what == "print") {
      if (auto it = cmd.find("lines"); it != cmd.end() && it->is_array()) {
        for (const auto& line : *it) {
          std::string text = line.is_string() ? line.get<std::string>() : line.dump();
          std::fprintf(stdout, "%s\n", text.c_str());
        }
      }
      std::fflush(stdout);
      respond("\"printed\"");
    } else if (what == "headers") {
      respond(describe_environment().dump());
    } else if (what == "rendezvous") {
      // Proves invokes run at the same time: each says it arrived (dir/arrived-<pid>) and waits
      // (up to 60 s) until the test, having seen them all, creates dir/go.
      const std::filesystem::path dir = string_field(cmd, "dir", "");
      std::FILE* f = std::fopen((dir / ("arrived-" + std::to_string(getpid()))).c_str(), "w");
      if (f != nullptr)
        std::fclose(f);
      for (int i = 0; i < 6000 && !std::filesystem::exists(dir / "go"); ++i)
        sleep_ms(10);
      json out = describe_environment();
      out["pid"] = getpid();
      respond(out.dump());
    } else if (what == "shell") {
      respond(json{{"output", run_shell(string_field(cmd, "command", "true"))}}.dump());
    } else if (what == "allocate") {
      allocate(int_field(cmd, "mb", 0));
      respond("\"allocated\"");
    } else if (what == "raw") {
      auto& req = start_response(request_id_);
      req.set("Lambda-Runtime-Function-Response-Mode", string_field(cmd, "response_mode", ""));
      req.set(http::field::content_type, "application/json");
      req.body() = "\"raw\"";
      report("response-mode", post(), true);
    } else if (what == "stream") {
      stream(cmd);
    } else if (what == "respond") {
      respond(string_field(cmd, "body", ""), string_field(cmd, "content_type", "application/json"));
    } else if (what == "bad_id") {
      auto& req = start_response("00000000-0000-0000-0000-000000000000");
      req.set(http::field::content_type, "application/json");
      req.body() = "\"bad id\"";
      report("bad id", post(), true);
      respond("\"after bad id\"");
    } else {
      std::fprintf(stderr, "test-runtime: unknown \"do\":\"%s\", echoing\n", what.c_str());
      echo();
    }
  }

  // A streamed /response written by hand (section 3.1), on the keep-alive connection:
  //   chunks      strings, each sent as one chunk
  //   wait_for    a file: after the first chunk, wait (up to 10 s) until it exists, so a test can
  //               prove the caller had the first chunk before the runtime sent the rest
  //   bytes       then this many bytes of 'x' in 64 KiB chunks
  //   error_type, error_body_b64   trailers; truncate: close the connection instead of ending
  void stream(const json& cmd) {
    tcp::socket& s = client_.raw_socket();
    target_.assign(kInvocationPrefix).append(request_id_).append("/response");
    const std::string head =
        "POST " + target_ + " HTTP/1.1\r\nHost: " + client_.host() +
        "\r\nLambda-Runtime-Function-Response-Mode: streaming\r\nTransfer-Encoding: chunked\r\n"
        "Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n"
        "Content-Type: " +
        string_field(cmd, "content_type", "text/plain") + "\r\n\r\n";
    asio::write(s, asio::buffer(head));
    auto chunk = [&](std::string_view data) {
      char size[32];
      const int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
      std::array<asio::const_buffer, 3> parts{asio::buffer(size, static_cast<std::size_t>(n)),
                                              asio::buffer(data), asio::buffer("\r\n", 2)};
      asio::write(s, parts);
    };
    bool first = true;
    for (const auto& c : cmd.value("chunks", json::array())) {
      chunk(c.get<std::string>());
      if (first && cmd.contains("wait_for")) {
        const std::filesystem::path marker = cmd["wait_for"].get<std::string>();
        for (int i = 0; i < 2000 && !std::filesystem::exists(marker); ++i)
          sleep_ms(5);
      }
      first = false;
    }
    const std::string block(64 * 1024, 'x');
    for (std::int64_t left = int_field(cmd, "bytes", 0); left > 0;) {
      const auto n = static_cast<std::size_t>(std::min<std::int64_t>(left, block.size()));
      chunk(std::string_view(block).substr(0, n));
      left -= static_cast<std::int64_t>(n);
    }
    if (cmd.value("truncate", false)) {
      std::fprintf(stderr, "test-runtime: stream truncated\n");
      client_.close();  // mid-body
      return;
    }
    std::string last = "0\r\n";
    if (cmd.contains("error_type")) {
      last += "Lambda-Runtime-Function-Error-Type: " + cmd["error_type"].get<std::string>() +
              "\r\nLambda-Runtime-Function-Error-Body: " + string_field(cmd, "error_body_b64", "") +
              "\r\n";
    }
    last += "\r\n";
    asio::write(s, asio::buffer(last));
    const beast::error_code ec = client_.read_reply(reply_);
    report("stream", ec ? http::status::unknown : reply_.result(), true);
  }

  // POST /response with the event's own bytes and Content-Type.
  void echo() {
    auto& req = start_response(request_id_);
    auto ct = event_[http::field::content_type];
    if (!ct.empty())
      req.set(http::field::content_type, ct);
    // Swap instead of copy: the event is not needed any more and both strings keep capacity.
    req.body().swap(event_.body());
    post();
  }

  http::status respond(std::string body, std::string_view content_type = "application/json") {
    auto& req = start_response(request_id_);
    req.set(http::field::content_type, content_type);
    req.body() = std::move(body);
    return post();
  }

  // An empty type sends no Lambda-Runtime-Function-Error-Type header.
  http::status post_error(std::string_view type) {
    target_.assign(kInvocationPrefix).append(request_id_).append("/error");
    auto& req = client_.start(http::verb::post, target_);
    if (!type.empty())
      req.set("Lambda-Runtime-Function-Error-Type", type);
    req.set(http::field::content_type, "application/json");
    req.body().assign(kTestErrorBody);
    return post();
  }

  http::request<http::string_body>& start_response(std::string_view id) {
    target_.assign(kInvocationPrefix).append(id).append("/response");
    return client_.start(http::verb::post, target_);
  }

  // Sends the started request; a POST that cannot reach the API at all ends the runtime.
  http::status post() {
    if (auto ec = client_.send(reply_)) {
      std::fprintf(stderr, "test-runtime: request failed: %s\n", ec.message().c_str());
      std::exit(1);
    }
    return reply_.result();
  }

  void report(const char* what, http::status status, bool with_body = false) {
    auto body = with_body ? trimmed(reply_.body()) : std::string_view();
    std::fprintf(stderr, "test-runtime: %s status %u%s%.*s\n", what, static_cast<unsigned>(status),
                 with_body ? " " : "", static_cast<int>(body.size()), body.data());
  }

  // What the runtime was given: lambda-runtime-* headers of this event, environment, cwd.
  json describe_environment() const {
    json out = json::object();
    for (const auto& field : event_) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (name.rfind("lambda-runtime-", 0) == 0)
        out[name] = std::string(field.value());
    }
    static constexpr const char* kVars[] = {"AWS_LAMBDA_RUNTIME_API",
                                            "_HANDLER",
                                            "LAMBDA_TASK_ROOT",
                                            "AWS_LAMBDA_FUNCTION_NAME",
                                            "AWS_LAMBDA_FUNCTION_VERSION",
                                            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                                            "AWS_LAMBDA_LOG_GROUP_NAME",
                                            "AWS_LAMBDA_LOG_STREAM_NAME",
                                            "AWS_REGION",
                                            "AWS_DEFAULT_REGION",
                                            "TZ",
                                            "LANG",
                                            "PATH",
                                            "LD_LIBRARY_PATH",
                                            "AWS_LAMBDA_INITIALIZATION_TYPE",
                                            "AWS_EXECUTION_ENV",
                                            "LAMBDA_RUNTIME_DIR",
                                            "CUSTOM_VAR"};
    json env = json::object();
    for (const char* var : kVars) {
      const char* v = std::getenv(var);
      env[var] = v != nullptr ? json(v) : json(nullptr);
    }
    out["env"] = std::move(env);
    std::error_code ec;
    auto cwd = std::filesystem::current_path(ec);
    out["cwd"] = ec ? json(nullptr) : json(cwd.string());
    return out;
  }

  // What `sh -c command` prints on stdout (how a sandbox test looks around inside).
  static std::string run_shell(const std::string& command) {
    std::string out;
    if (FILE* p = ::popen(command.c_str(), "r")) {
      char buf[4096];
      std::size_t n = 0;
      while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) {
        out.append(buf, n);
      }
      ::pclose(p);
    }
    return out;
  }

  // Touches every page so the memory is really resident, and keeps it until exit.
  static void allocate(std::int64_t mb) {
    static std::vector<std::unique_ptr<char[]>> kept;
    if (mb <= 0)
      return;
    const auto bytes = static_cast<std::size_t>(mb) * 1024 * 1024;
    auto block = std::make_unique_for_overwrite<char[]>(bytes);
    const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    for (std::size_t i = 0; i < bytes; i += page)
      block[i] = 1;
    kept.push_back(std::move(block));
  }

  Client client_;
  http::response<http::string_body> event_;  // the current /next response
  http::response<http::string_body> reply_;  // replies to POSTs
  std::string request_id_;
  std::string target_;
};

}  // namespace

int main() {
  // Lambda sends SIGTERM at shutdown; end cleanly with status 0 (_exit is signal-safe).
  std::signal(SIGTERM, [](int) { _exit(0); });

  const char* api = std::getenv("AWS_LAMBDA_RUNTIME_API");
  if (api == nullptr || *api == '\0') {
    std::fprintf(stderr, "test-runtime: AWS_LAMBDA_RUNTIME_API is not set\n");
    return 2;
  }
  std::string_view handler = env_or("_HANDLER", "");
  if (handler.empty())
    handler = "echo";

  // Init behaviours that never reach the Runtime API.
  if (handler == "crash-init")
    return std::atoi(env_or("TEST_RUNTIME_EXIT_CODE", "1"));
  if (handler == "exit0-init")
    return 0;

  Mode mode = Mode::kEcho;
  if (handler == "error") {
    mode = Mode::kError;
  } else if (handler.starts_with("slow-init:")) {
    sleep_ms(std::atoll(std::string(handler.substr(10)).c_str()));
  } else if (handler.starts_with("cpu-init:")) {
    // A fixed amount of CPU work (millions of steps), whatever the CPU share, like parsing a
    // large bundle at Init.
    std::uint64_t x = 88172645463325252ull;
    const std::uint64_t steps = std::strtoull(std::string(handler.substr(9)).c_str(), nullptr, 10);
    for (std::uint64_t i = 0; i < steps * 1'000'000; ++i) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
    }
    std::fprintf(stderr, "test-runtime: cpu-init %llu\n", static_cast<unsigned long long>(x & 1));
  } else if (handler != "echo" && handler != "script" && handler != "init-error") {
    std::fprintf(stderr, "test-runtime: unknown _HANDLER '%.*s', behaving as echo\n",
                 static_cast<int>(handler.size()), handler.data());
  }

  try {
    Runtime runtime(api);
    if (handler == "init-error")
      runtime.init_error();
    for (;;) {
      runtime.next();
      runtime.handle(mode);
    }
  } catch (const std::exception& e) {  // e.g. the API host does not resolve
    std::fprintf(stderr, "test-runtime: %s\n", e.what());
    return 1;
  }
}

#include "cli/options.hpp"

#include <algorithm>
#include <filesystem>
#include <initializer_list>
#include <sstream>
#include <string_view>

#include <boost/program_options.hpp>

#include "cli/function_file.hpp"
#include "process/environment.hpp"
#include "process/extension_files.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace lambda_emu::cli {
namespace {

constexpr const char* usage_text =
    "lambda-emu: the AWS Lambda execution environment, locally.\n"
    "\n"
    "Usage:\n"
    "  lambda-emu serve [options] [--] [BOOTSTRAP [ARGS...]]\n"
    "  lambda-emu sim SCENARIO [--format json|md|html] [--seed N] [--out FILE]\n"
    "  lambda-emu calibrate [--out FILE]\n"
    "  lambda-emu validate SCENARIO [--calibration FILE] [--cold-starts N] [--warm-invokes M]\n"
    "                      [--variant NAME]... [--format md|json]\n"
    "  lambda-emu --help | --version\n"
    "\n"
    "Commands:\n"
    "  serve      Run one function: start its runtime (BOOTSTRAP, else <task-root>/bootstrap)\n"
    "             under the Lambda Runtime API and take invokes on the RIE-compatible endpoint\n"
    "             POST http://<listen>/2015-03-31/functions/function/invocations\n"
    "             With --config FILE: every function FILE describes, invoked by name.\n"
    "  sim        Model a wrapper_sim scenario on virtual time: every variant's phases and\n"
    "             its overhead over bare, the same output for the same seed.\n"
    "  calibrate  Measure this machine's constants for the model (a loopback round trip, the\n"
    "             emulator's cost per warm and cold invoke, base64's speed) as a calibration\n"
    "             file for sim and validate.\n"
    "  validate   Run a scenario both ways, modeled and for real under the emulator with the\n"
    "             wrapper runtime, and print per variant and phase modeled vs measured p50 and\n"
    "             p99 and whether they agree (within 5% or 0.5 ms, whichever is larger).\n"
    "             calibrate and validate run lambda-emu-bench, built beside lambda-emu.\n"
    "\n"
    "Run `lambda-emu COMMAND --help` for a command's options.\n";

struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};

HostPort parse_host_port(const std::string& text, const std::string& flag) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    throw po::error(flag + " wants HOST:PORT, got '" + text + "'");
  }
  HostPort hp{text.substr(0, colon), 0};
  try {
    const int port = std::stoi(text.substr(colon + 1));
    if (port < 0 || port > 65535) {
      throw std::out_of_range("port");
    }
    hp.port = static_cast<std::uint16_t>(port);
  } catch (const std::exception&) {
    throw po::error(flag + ": bad port in '" + text + "'");
  }
  return hp;
}

po::options_description serve_options() {
  po::options_description o("serve options");
  // clang-format off
  o.add_options()
    ("help,h", "show this help")
    ("listen", po::value<std::string>()->default_value("127.0.0.1:9000"),
     "HOST:PORT of the invoke endpoint (port 0: any free port)")
    ("config", po::value<std::string>(),
     "a JSON file describing several functions (README: \"Several functions\"); the other "
     "function options are their defaults")
    ("max-concurrency", po::value<int>()->default_value(10),
     "sandboxes at once for the function (its reserved concurrency): concurrent invokes run in "
     "separate sandboxes, each with its own Runtime API")
    ("at-limit", po::value<std::string>()->default_value("reject"),
     "when every sandbox is busy at --max-concurrency: reject (429 TooManyRequestsException, "
     "as Lambda throttles) or queue (wait for a sandbox); Event invokes always wait")
    ("fresh-sandboxes", "every invoke gets a new sandbox, shut down after it: a cold start each "
     "time")
    ("provisioned-concurrency", po::value<int>()->default_value(0),
     "sandboxes initialized at start, ahead of any invoke (AWS_LAMBDA_INITIALIZATION_TYPE "
     "provisioned-concurrency), kept warm and used first; at most --max-concurrency")
    ("proactive-init", po::value<double>()->default_value(0),
     "share (0-1) of cold starts after which one more sandbox initializes ahead of need, as "
     "Lambda does now and then for on-demand functions")
    ("function-url-port", po::value<int>(),
     "serve the function's URL on this port of --listen's host (0: any free port): every "
     "request becomes a payload format 2.0 event, the result the HTTP response")
    ("runtime-api", po::value<std::string>()->default_value("127.0.0.1:0"),
     "HOST:PORT of the Runtime API the bootstrap talks to (AWS_LAMBDA_RUNTIME_API)")
    ("timeout", po::value<double>()->default_value(300),
     "function timeout in seconds (Lambda allows 1 to 900)")
    ("init-timeout", po::value<double>()->default_value(10),
     "Init phase limit in seconds (on-demand Lambda: 10)")
    ("memory", po::value<int>()->default_value(3008), "memory size in MB (128 to 10240)")
    ("handler", po::value<std::string>()->default_value(""), "the handler, as _HANDLER")
    ("task-root", po::value<std::string>(),
     "function code directory, the runtime's working directory and LAMBDA_TASK_ROOT "
     "(default: BOOTSTRAP's directory, else /var/task)")
    ("function-name", po::value<std::string>()->default_value("test_function"), "function name")
    ("function-version", po::value<std::string>()->default_value("$LATEST"), "function version")
    ("region", po::value<std::string>()->default_value("us-east-1"), "AWS region")
    ("env,e", po::value<std::vector<std::string>>()->composing(),
     "K=V: a function environment variable (repeatable)")
    ("opt-dir", po::value<std::vector<std::string>>()->composing(),
     "a layer, as /opt: its extensions/ holds external extensions (repeatable; later layers "
     "win; default: /opt when /opt/extensions exists)")
    ("disable-extensions", "launch no extensions; the Extensions and Telemetry APIs answer 404")
    ("idle-shutdown", po::value<double>()->default_value(0),
     "seconds without invokes after which a sandbox spins down (SHUTDOWN spindown; "
     "the next invoke there is a cold start); 0: never")
    ("cpu-scaling", po::value<std::string>()->default_value("on"),
     "on: each sandbox gets memory/1769 MB of one CPU, as on Lambda (a cgroup CPU quota, capped "
     "at the host's CPUs); off: sandboxes run unthrottled")
    ("cgroups", po::value<std::string>()->default_value("auto"),
     "auto: CPU share, memory limit and freezer from cgroups where the kernel allows it; off: "
     "none of them (as where it refuses): no CPU scaling, no memory limit, freezing by signals")
    ("freeze", po::value<std::string>()->default_value("on"),
     "on: freeze each sandbox's processes between invokes, as Lambda does (cgroup freezer, else "
     "SIGSTOP/SIGCONT of their process groups); signals: always SIGSTOP/SIGCONT (faster, seen by "
     "the processes); off: let them run")
    ("isolation", po::value<std::string>()->default_value("auto"),
     "auto: run the runtime and extensions with Lambda's paths (/var/task, /opt, private /tmp, "
     "sandbox.localdomain) in a private mount namespace where the kernel allows it; off: the "
     "host's paths")
    ("network", po::value<std::string>()->default_value("shared"),
     "shared: the sandboxes use the host's network; private: each sandbox has a network of its "
     "own with only a loopback (fixed ports per sandbox, Runtime API at 127.0.0.1:9001, nothing "
     "outside reachable), where the kernel allows it")
    ("event-retries", po::value<int>()->default_value(2),
     "asynchronous (Event) invokes: how often a failed one is sent again (0-2, Lambda: 2)")
    ("event-retry-delay", po::value<double>()->default_value(60),
     "seconds before the first retry of a failed Event invoke; the second waits twice that "
     "(Lambda: 60)")
    ("stream-throttle", po::value<std::string>()->default_value("on"),
     "on: streamed responses flow at Lambda's rate (the first 6 MiB at once, then 2 MiB/s); "
     "off: as fast as the loopback allows")
    ("init", po::value<std::string>()->default_value("lazy"),
     "lazy: Init on the first invoke, as Lambda does; eager: Init at startup")
    ("trace", po::value<std::string>(), "write the lifecycle trace (JSON lines) to FILE")
    ("ready-file", po::value<std::string>(),
     "once listening, write {\"invoke\":HOST:PORT,\"runtime_api\":HOST:PORT} to FILE "
     "(and \"function_url\":HOST:PORT with --function-url-port)")
    ("log-level", po::value<std::string>()->default_value("info"),
     "emulator diagnostics on stderr: trace, debug, info, warn, error, off");
  // clang-format on
  return o;
}

// A flag that takes one of a few words: its value, or "--NAME is a, b or c, not 'x'".
std::string choice(const po::variables_map& vm, const char* name,
                   std::initializer_list<std::string_view> allowed) {
  const std::string value = vm[name].as<std::string>();
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) {
    return value;
  }
  std::string words;
  for (auto it = allowed.begin(); it != allowed.end(); ++it) {
    words += it == allowed.begin() ? "" : std::next(it) == allowed.end() ? " or " : ", ";
    words += *it;
  }
  throw po::error(std::string("--") + name + " is " + words + ", not '" + value + "'");
}

bool on_off(const po::variables_map& vm, const char* name) {
  return choice(vm, name, {"on", "off"}) == "on";
}

std::chrono::milliseconds seconds_flag(double s, double lo, double hi, const char* name) {
  if (!(s >= lo && s <= hi)) {
    std::ostringstream m;
    m << "--" << name << " must be between " << lo << " and " << hi << " seconds";
    throw po::error(m.str());
  }
  return milliseconds_of(s);
}

// The function options of the command line: the short form's function, and the defaults of
// every function a --config file describes.
driver::FunctionSpec function_from_flags(const po::variables_map& vm) {
  driver::FunctionSpec spec;
  core::FunctionConfig& fn = spec.function;
  fn.timeout =
      seconds_flag(vm["timeout"].as<double>(), 0.001, core::max_timeout_seconds, "timeout");
  fn.init_timeout = seconds_flag(vm["init-timeout"].as<double>(), 0.001, core::max_timeout_seconds,
                                 "init-timeout");
  fn.memory_mb = vm["memory"].as<int>();
  if (fn.memory_mb < core::min_memory_mb || fn.memory_mb > core::max_memory_mb) {
    throw po::error("--memory must be between " + std::to_string(core::min_memory_mb) + " and " +
                    std::to_string(core::max_memory_mb) + " MB");
  }
  fn.handler = vm["handler"].as<std::string>();
  fn.name = vm["function-name"].as<std::string>();
  fn.version = vm["function-version"].as<std::string>();
  fn.region = vm["region"].as<std::string>();
  const std::string init = vm["init"].as<std::string>();
  const auto mode = parse_init_mode(init);
  if (!mode) {
    throw po::error("--init is lazy or eager, not '" + init + "'");
  }
  fn.init_mode = *mode;
  if (vm.count("opt-dir")) {
    spec.opt_dirs = vm["opt-dir"].as<std::vector<std::string>>();
    for (const std::string& d : spec.opt_dirs) {
      std::error_code dir_ec;
      if (!fs::is_directory(d, dir_ec)) {
        throw po::error("--opt-dir " + d + " is not a directory");
      }
    }
  } else if (std::error_code opt_ec; fs::is_directory("/opt/extensions", opt_ec)) {
    spec.opt_dirs = {"/opt"};
  }
  fn.extensions_enabled = vm.count("disable-extensions") == 0;
  fn.freeze = vm["freeze"].as<std::string>() != "off";  // checked with the emulator's options
  if (const double idle = vm["idle-shutdown"].as<double>(); idle != 0) {
    fn.idle_shutdown = seconds_flag(idle, 0.001, 86400, "idle-shutdown");
  }
  const int max = vm["max-concurrency"].as<int>();
  if (max < 1 || max > max_concurrency_limit) {
    throw po::error("--max-concurrency must be between 1 and " +
                    std::to_string(max_concurrency_limit));
  }
  spec.pool.max_concurrency = static_cast<std::size_t>(max);
  const std::string at_limit_text = vm["at-limit"].as<std::string>();
  const auto at_limit = parse_at_limit(at_limit_text);
  if (!at_limit) {
    throw po::error("--at-limit is reject or queue, not '" + at_limit_text + "'");
  }
  spec.pool.at_limit = *at_limit;
  spec.pool.fresh_sandboxes = vm.count("fresh-sandboxes") != 0;
  const int provisioned = vm["provisioned-concurrency"].as<int>();
  if (provisioned < 0 || provisioned > max) {
    throw po::error("--provisioned-concurrency must be between 0 and --max-concurrency");
  }
  spec.pool.provisioned = static_cast<std::size_t>(provisioned);
  const double proactive = vm["proactive-init"].as<double>();
  if (!(proactive >= 0 && proactive <= 1)) {
    throw po::error("--proactive-init is a share from 0 to 1");
  }
  spec.pool.proactive = proactive;
  if (vm.count("env")) {
    for (const std::string& kv : vm["env"].as<std::vector<std::string>>()) {
      const std::size_t eq = kv.find('=');
      const std::string key = kv.substr(0, eq);
      if (eq == std::string::npos || !process::valid_env_key(key)) {
        throw po::error(
            "--env wants KEY=VALUE with a key of letters, digits and _ "
            "starting with a letter, got '" +
            kv + "'");
      }
      spec.env.emplace_back(key, kv.substr(eq + 1));
    }
  }
  return spec;
}

ParsedCommand parse_serve(const std::vector<std::string>& args) {
  ParsedCommand cmd;
  po::options_description opts = serve_options();
  po::options_description hidden;
  hidden.add_options()("bootstrap", po::value<std::vector<std::string>>());
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("bootstrap", -1);

  po::variables_map vm;
  po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::ostringstream help;
    help << "Usage: lambda-emu serve [options] [--] [BOOTSTRAP [ARGS...]]\n\n"
         << "Runs BOOTSTRAP (else <task-root>/bootstrap) as a Lambda runtime and serves\n"
         << "invokes at POST http://<listen>/2015-03-31/functions/function/invocations.\n"
         << "Put -- before BOOTSTRAP when its arguments start with '-'.\n\n"
         << opts;
    cmd.exit_code = 0;
    cmd.message = help.str();
    return cmd;
  }

  driver::EmulatorConfig& c = cmd.config;
  const HostPort listen = parse_host_port(vm["listen"].as<std::string>(), "--listen");
  c.listen_host = listen.host;
  c.listen_port = listen.port;
  const HostPort rapi = parse_host_port(vm["runtime-api"].as<std::string>(), "--runtime-api");
  c.runtime_api_host = rapi.host;
  c.runtime_api_port = rapi.port;
  c.isolate = choice(vm, "isolation", {"auto", "off"}) == "auto";
  c.private_network = choice(vm, "network", {"shared", "private"}) == "private";
  c.cpu_scaling = on_off(vm, "cpu-scaling");
  c.freeze_by_signals = choice(vm, "freeze", {"on", "signals", "off"}) == "signals";
  c.cgroups = choice(vm, "cgroups", {"auto", "off"}) == "auto";
  c.async.retries = vm["event-retries"].as<int>();
  if (c.async.retries < 0 || c.async.retries > 2) {
    throw po::error("--event-retries is 0, 1 or 2");
  }
  c.async.first_delay =
      seconds_flag(vm["event-retry-delay"].as<double>(), 0, 21600, "event-retry-delay");
  c.stream_throttle = on_off(vm, "stream-throttle");
  if (vm.count("trace")) {
    c.trace_path = vm["trace"].as<std::string>();
  }
  if (vm.count("ready-file")) {
    c.ready_file = vm["ready-file"].as<std::string>();
  }

  driver::FunctionSpec fn = function_from_flags(vm);
  if (vm.count("config")) {
    if (vm.count("bootstrap") || vm.count("task-root") || vm.count("function-url-port")) {
      throw po::error(
          "--config describes the functions: give their bootstrap, task root and URL port "
          "there");
    }
    try {
      c.functions = read_function_file(vm["config"].as<std::string>(), fn);
    } catch (const std::runtime_error& e) {
      throw po::error(e.what());
    }
  } else {
    if (vm.count("bootstrap")) {
      fn.bootstrap = vm["bootstrap"].as<std::vector<std::string>>();
    }
    fs::path task_root;
    if (vm.count("task-root")) {
      task_root = vm["task-root"].as<std::string>();
    } else if (!fn.bootstrap.empty() && fn.bootstrap[0].find('/') != std::string::npos) {
      task_root = fs::path(fn.bootstrap[0]).parent_path();
    } else {
      task_root = "/var/task";
    }
    fn.task_root = checked_task_root(task_root);
    if (vm.count("function-url-port")) {
      const int port = vm["function-url-port"].as<int>();
      if (port < 0 || port > 65535) {
        throw po::error("--function-url-port must be between 0 and 65535");
      }
      fn.url_port = static_cast<std::uint16_t>(port);
    }
    find_extensions(fn);
    c.functions.push_back(std::move(fn));
  }
  cmd.log_level = vm["log-level"].as<std::string>();
  return cmd;
}

}  // namespace

ParsedCommand parse_command_line(int argc, const char* const argv[]) {
  std::vector<std::string> args(argv + 1, argv + argc);
  ParsedCommand cmd;
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    cmd.exit_code = args.empty() ? 2 : 0;
    cmd.message = usage_text;
    return cmd;
  }
  if (args[0] == "--version") {
    cmd.exit_code = 0;
    cmd.message = "lambda-emu 0.1.0\n";
    return cmd;
  }
  if (args[0] != "serve") {
    cmd.exit_code = 2;
    cmd.message = "lambda-emu: unknown command '" + args[0] + "'\n\n" + usage_text;
    return cmd;
  }
  try {
    return parse_serve({args.begin() + 1, args.end()});
  } catch (const std::exception& e) {  // po::error, and what the task root or --config said
    cmd.exit_code = 2;
    cmd.message = std::string("lambda-emu serve: ") + e.what() +
                  "\nRun `lambda-emu serve --help` for the options.\n";
    return cmd;
  }
}

}  // namespace lambda_emu::cli

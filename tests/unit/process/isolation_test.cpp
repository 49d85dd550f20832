#include "process/isolation.hpp"

#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>
#include <catch2/catch.hpp>

#include "http/net.hpp"
#include "process/sandbox_files.hpp"
#include "process/supervisor.hpp"

using namespace lambda_emu;
namespace fs = std::filesystem;

namespace {

// Probed once per test binary, as the driver does once per run.
const process::IsolationSupport& plain_support() {
  static const process::IsolationSupport s = process::probe_isolation(*spdlog::default_logger());
  return s;
}

const process::IsolationSupport& user_ns_support() {
  static const process::IsolationSupport s =
      process::probe_isolation(*spdlog::default_logger(), {.allow_plain_mount_namespace = false});
  return s;
}

std::string unique_name(const char* what) {
  static std::atomic<int> n{0};
  return std::string("lambda-emu-") + what + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(n++);
}

// A temporary host directory, removed at scope exit.
struct TempDir {
  fs::path path = fs::temp_directory_path() / unique_name("iso-test");
  TempDir() { fs::create_directories(path); }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  void write(const std::string& rel, const std::string& content) const {
    fs::create_directories((path / rel).parent_path());
    std::ofstream(path / rel) << content << '\n';
  }
  std::string sub(const std::string& rel) const { return (path / rel).string(); }
};

// A task root with a marker and two layers that both have x, on the host.
struct Function {
  TempDir dir;
  std::string task_root = dir.sub("task");
  std::vector<std::string> layers = {dir.sub("layer1"), dir.sub("layer2")};
  Function() {
    dir.write("task/marker", "task-marker");
    dir.write("layer1/x", "one");
    dir.write("layer1/only1", "1");
    dir.write("layer2/x", "two");
    dir.write("layer2/only2", "2");
  }
};

struct Output {
  std::string error;
  std::vector<std::string> lines;
  core::ExitStatus exit;
};

// Launches argv on `ioc` and runs it until the process exited and printed its last line, "END".
Output run(net::io_context& ioc, process::Supervisor& sup, std::vector<std::string> argv,
           const std::string& cwd, const process::IsolationSpec* isolation) {
  Output out;
  bool exited = false;
  bool ended = false;
  const process::Launched l = sup.launch(
      {std::move(argv), {"PATH=/usr/bin:/bin"}, cwd, isolation, {}},
      [&](std::string_view line) {
        if (line == "END") {
          ended = true;
        } else {
          out.lines.emplace_back(line);
        }
      },
      [&](core::ExitStatus s) {
        out.exit = s;
        exited = true;
      });
  out.error = l.error;
  while (out.error.empty() && !(exited && ended)) {
    ioc.run_one();
  }
  return out;
}

Output run_sh(const std::string& script, const std::string& cwd,
              const process::IsolationSpec* isolation) {
  net::io_context ioc;
  process::Supervisor sup(ioc, *spdlog::default_logger());
  return run(ioc, sup, {"/bin/sh", "-c", script + "\necho END"}, cwd, isolation);
}

bool skip_unless(const process::IsolationSupport& s) {
  if (!s.available) {
    WARN("sandbox isolation unavailable here, skipped: " << s.reason);
  }
  return !s.available;
}

void check_lambda_paths(const process::IsolationSupport& support) {
  const Function fn;
  std::string error;
  const auto files = process::SandboxFiles::create(error);
  REQUIRE(files);
  const process::IsolationSpec spec{support, fn.task_root, fn.layers, files->tmp_dir(),
                                    files->hosts_file()};
  const std::string name = unique_name("tmp-file");
  const Output out = run_sh(
      "cat /var/task/marker\n"
      "cat /opt/x\n"
      "ls /opt | tr '\\n' ' '; echo\n"
      "touch /var/task/new 2>/dev/null && echo task-writable || echo task-read-only\n"
      "touch /opt/new 2>/dev/null && echo opt-writable || echo opt-read-only\n"
      "echo hello > /tmp/" +
          name +
          "\n"
          "ls /tmp\n"
          "getent hosts sandbox.localdomain\n"
          "getent hosts sandbox\n"
          "pwd\n",
      "/var/task", &spec);
  REQUIRE(out.error.empty());
  INFO("output:\n"
       << [&] {
            std::string all;
            for (const auto& l : out.lines)
              all += l + "\n";
            return all;
          }());
  REQUIRE(out.lines.size() == 9);
  CHECK(out.lines[0] == "task-marker");
  CHECK(out.lines[1] == "two");  // the later layer wins
  if (support.overlay) {
    CHECK(out.lines[2] == "only1 only2 x ");
  } else {
    CHECK(out.lines[2] == "only2 x ");  // overlay refused: the last layer alone
  }
  CHECK(out.lines[3] == "task-read-only");
  CHECK(out.lines[4] == "opt-read-only");
  CHECK(out.lines[5] == name);  // the sandbox's own /tmp, empty but for this file
  CHECK(out.lines[6].starts_with("127.0.0.1"));
  CHECK(out.lines[6].find("sandbox.localdomain") != std::string::npos);
  CHECK(out.lines[7].starts_with("127.0.0.1"));
  CHECK(out.lines[8] == "/var/task");
  CHECK(fs::exists(fs::path(files->tmp_dir()) / name));
  CHECK_FALSE(fs::exists(fs::path("/tmp") / name));
  CHECK_FALSE(fs::exists(fs::path(fn.task_root) / "new"));
  CHECK(out.exit.code == 0);
}

}  // namespace

TEST_CASE("isolation: the sandbox shows Lambda's paths and names", "[process][isolation]") {
  if (skip_unless(plain_support())) {
    return;
  }
  check_lambda_paths(plain_support());
}

TEST_CASE("isolation: the same in a user namespace", "[process][isolation]") {
  if (skip_unless(user_ns_support())) {
    return;
  }
  CHECK(user_ns_support().kind == process::NamespaceKind::user_and_mount);
  check_lambda_paths(user_ns_support());
}

TEST_CASE("isolation: without overlayfs, /opt is the last layer", "[process][isolation]") {
  if (skip_unless(plain_support())) {
    return;
  }
  process::IsolationSupport no_overlay = plain_support();
  no_overlay.overlay = false;
  check_lambda_paths(no_overlay);
}

TEST_CASE("isolation: /tmp survives the sandbox's process restarts", "[process][isolation]") {
  if (skip_unless(plain_support())) {
    return;
  }
  const Function fn;
  std::string error;
  const auto files = process::SandboxFiles::create(error);
  REQUIRE(files);
  const process::IsolationSpec spec{plain_support(), fn.task_root, fn.layers, files->tmp_dir(),
                                    files->hosts_file()};
  CHECK(run_sh("echo kept > /tmp/state", "/var/task", &spec).error.empty());
  const Output second = run_sh("cat /tmp/state", "/var/task", &spec);
  CHECK(second.lines == std::vector<std::string>{"kept"});
}

TEST_CASE("isolation: an exec failure reads as without isolation", "[process][isolation][C51]") {
  if (skip_unless(plain_support())) {
    return;
  }
  const Function fn;
  std::string error;
  const auto files = process::SandboxFiles::create(error);
  REQUIRE(files);
  const process::IsolationSpec spec{plain_support(), fn.task_root, fn.layers, files->tmp_dir(),
                                    files->hosts_file()};
  const Output isolated = run_sh("", "/var/task", &spec);  // warm-up: the setup itself works
  REQUIRE(isolated.error.empty());

  net::io_context ioc;
  process::Supervisor sup(ioc, *spdlog::default_logger());
  const Output inside = run(ioc, sup, {"/var/task/bootstrap"}, "/var/task", &spec);
  const Output outside = run(ioc, sup, {"/var/task/bootstrap"}, "/", nullptr);
  CHECK(inside.error == "fork/exec /var/task/bootstrap: no such file or directory");
  CHECK(inside.error == outside.error);
}

TEST_CASE("isolation: a failed mount is reported, not exec'd", "[process][isolation]") {
  if (skip_unless(plain_support())) {
    return;
  }
  const TempDir dir;
  const process::IsolationSpec spec{plain_support(), dir.sub("no-such-task-root"), {}, "", ""};
  net::io_context ioc;
  process::Supervisor sup(ioc, *spdlog::default_logger());
  const Output out = run(ioc, sup, {"/bin/true"}, "/var/task", &spec);
  CHECK(out.error == "sandbox setup failed: bind " + dir.sub("no-such-task-root") +
                         " on /var/task: no such file or directory");
}

TEST_CASE("isolation: 127.0.0.1 still reaches the emulator", "[process][isolation]") {
  if (skip_unless(plain_support())) {
    return;
  }
  const Function fn;
  std::string error;
  const auto files = process::SandboxFiles::create(error);
  REQUIRE(files);
  const process::IsolationSpec spec{plain_support(), fn.task_root, fn.layers, files->tmp_dir(),
                                    files->hosts_file()};
  net::io_context ioc;
  tcp::acceptor acceptor(ioc, {net::ip::make_address("127.0.0.1"), 0});
  std::string received;
  net::co_spawn(
      ioc,
      [&]() -> net::awaitable<void> {
        tcp::socket s = co_await acceptor.async_accept(net::use_awaitable);
        error_code ec;
        co_await net::async_read_until(s, net::dynamic_buffer(received), '\n',
                                       net::redirect_error(net::use_awaitable, ec));
      },
      net::detached);
  const std::string port = std::to_string(acceptor.local_endpoint().port());
  process::Supervisor sup(ioc, *spdlog::default_logger());
  // sandbox.localdomain is 127.0.0.1 inside, so the name reaches the same listener.
  const Output out =
      run(ioc, sup,
          {"/bin/bash", "-c", "echo ping >/dev/tcp/sandbox.localdomain/" + port + " && echo END"},
          "/var/task", &spec);
  REQUIRE(out.error.empty());
  while (received.empty()) {
    ioc.run_one();
  }
  CHECK(received == "ping\n");
}

// --- pure parts ----------------------------------------------------------------------------------

TEST_CASE("isolation: the sandbox's hosts file", "[process][isolation]") {
  const std::string hosts = process::sandbox_hosts("127.0.0.1 localhost\n10.0.0.9 sandbox");
  // Lambda's names come first: the first matching line wins.
  CHECK(hosts.starts_with(
      "# lambda-emu: Lambda's sandbox names\n127.0.0.1\tsandbox.localdomain sandbox\n"));
  CHECK(hosts.ends_with("127.0.0.1 localhost\n10.0.0.9 sandbox\n"));
  CHECK(process::sandbox_hosts("") ==
        "# lambda-emu: Lambda's sandbox names\n127.0.0.1\tsandbox.localdomain sandbox\n");
}

TEST_CASE("isolation: overlay options put the last layer on top", "[process][isolation]") {
  CHECK(process::overlay_options({"/l1", "/l2"}) == "lowerdir=/l2:/l1");
  CHECK(process::overlay_options({"/a:b", "/c,d", "/e\\f"}) == "lowerdir=/e\\\\f:/c\\,d:/a\\:b");
}

TEST_CASE("isolation: the setup mounts /tmp last", "[process][isolation]") {
  process::IsolationSpec spec{{true, process::NamespaceKind::user_and_mount, true, ""},
                              "/t",
                              {"/l1", "/l2"},
                              "/host-tmp",
                              "/h"};
  const process::SandboxSetup setup(spec);
  std::vector<std::string> steps;
  for (std::size_t i = 0; i < setup.size(); ++i) {
    steps.push_back(setup.describe(i));
  }
  const std::vector<std::string> expected = {
      "unshare(CLONE_NEWUSER|CLONE_NEWNS)",
      "write /proc/self/setgroups",
      "write /proc/self/uid_map",
      "write /proc/self/gid_map",
      "make / private",
      "bind /t on /var/task",
      "remount /var/task read-only",
      "mount /opt (overlay of 2 layers)",
      "bind /h on /etc/hosts",
      "remount /etc/hosts read-only",
      "bind /host-tmp on /tmp",
  };
  CHECK(steps == expected);
  CHECK(setup.is_namespace_step(0));
  CHECK(setup.is_overlay_step(7));
  CHECK_FALSE(setup.drops_layers());

  spec.support.overlay = false;  // refused: the last layer alone, said so by the supervisor
  spec.support.kind = process::NamespaceKind::mount;
  const process::SandboxSetup fallback(spec);
  CHECK(fallback.drops_layers());
  CHECK(fallback.describe(0) == "unshare(CLONE_NEWNS)");
  CHECK(fallback.describe(4) == "bind /l2 on /opt");
}

TEST_CASE("isolation: deciding from what the probe found", "[process][isolation]") {
  process::ProbeFindings f;
  f.root = true;
  f.var_task_exists = true;
  f.mount_ns_error = 0;
  f.overlay_error = 0;

  SECTION("real root: a plain mount namespace with overlay") {
    const auto d = process::decide_isolation(f);
    CHECK(d.support.available);
    CHECK(d.support.kind == process::NamespaceKind::mount);
    CHECK(d.support.overlay);
    CHECK(d.support.reason.empty());
    CHECK_FALSE(d.create_var_task);
  }
  SECTION("overlay refused: still available, the last layer only") {
    f.overlay_error = EPERM;
    const auto d = process::decide_isolation(f);
    CHECK(d.support.available);
    CHECK_FALSE(d.support.overlay);
  }
  SECTION("unprivileged: a user namespace") {
    f.root = false;
    f.mount_ns_error = EPERM;
    f.mount_ns_step = "unshare(CLONE_NEWNS)";
    f.user_ns_error = 0;
    const auto d = process::decide_isolation(f);
    CHECK(d.support.available);
    CHECK(d.support.kind == process::NamespaceKind::user_and_mount);
  }
  SECTION("neither: the host's paths, and the reason names both refusals") {
    f.mount_ns_error = EPERM;
    f.mount_ns_step = "unshare(CLONE_NEWNS)";
    f.user_ns_error = ENOSPC;
    f.user_ns_step = "unshare(CLONE_NEWUSER|CLONE_NEWNS)";
    const auto d = process::decide_isolation(f);
    CHECK_FALSE(d.support.available);
    CHECK(d.support.reason ==
          "no private mount namespace (unshare(CLONE_NEWNS): " + std::string(strerror(EPERM)) +
              "; unshare(CLONE_NEWUSER|CLONE_NEWNS): " + std::string(strerror(ENOSPC)) + ")");
  }
  SECTION("no /var/task: root creates it") {
    f.var_task_exists = false;
    const auto d = process::decide_isolation(f);
    CHECK(d.support.available);
    CHECK(d.create_var_task);
  }
  SECTION("no /var/task and not root: the host's paths") {
    f.var_task_exists = false;
    f.root = false;
    f.mount_ns_error = EPERM;
    f.user_ns_error = 0;
    const auto d = process::decide_isolation(f);
    CHECK_FALSE(d.support.available);
    CHECK(d.support.reason == "/var/task does not exist on the host and only root can create it");
  }
}

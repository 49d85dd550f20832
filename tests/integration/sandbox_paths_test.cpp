// Lambda's paths and names inside the sandbox (issue 3 item 8): /var/task, /opt, a private /tmp
// that survives resets, sandbox.localdomain, and AWS_LAMBDA_EXEC_WRAPPER. Where the kernel
// refuses a private mount namespace the emulator uses the host's paths, and so do these checks.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "integration.hpp"

using namespace lambda_emu::testing;
namespace fs = std::filesystem;

namespace {

// A task root and a layer under the build tree (not /tmp: the sandbox has its own).
struct SandboxDirs {
  SandboxDirs() {
    const fs::path base = fs::path(bin_path("")).parent_path().parent_path() / "test-tmp";
    fs::create_directories(base);
    std::string pattern = (base / "sandbox-dirs.XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    root = pattern;
    fs::create_directories(task_root());
    fs::create_directories(layer() / "extensions");
    std::ofstream(task_root() / "marker") << "task root";
    std::ofstream(layer() / "opt-marker") << "layer";
    const fs::path wrapper = layer() / "wrapper";
    std::ofstream(wrapper) << "#!/bin/sh\nexport WRAPPED_BY=\"$0\"\nexec \"$@\"\n";
    ::chmod(wrapper.c_str(), 0755);
  }
  ~SandboxDirs() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  [[nodiscard]] fs::path task_root() const { return root / "task"; }
  [[nodiscard]] fs::path layer() const { return root / "layer"; }
  fs::path root;
};

}  // namespace

TEST_CASE("sandbox: the runtime sees Lambda's paths and names", "[integration][sandbox][C72]") {
  const std::string isolation = GENERATE(as<std::string>{}, "auto", "off");
  SandboxDirs dirs;
  EmulatorProcess emu(test_runtime(
      "script", {"--task-root", dirs.task_root().string(), "--opt-dir", dirs.layer().string(),
                 "--env", "AWS_LAMBDA_EXEC_WRAPPER=/opt/wrapper", "--isolation", isolation}));
  INFO("--isolation " << isolation);
  if (isolation == "off") {
    REQUIRE_FALSE(emu.sandbox_paths());
  } else if (!emu.sandbox_paths()) {
    WARN("no private mount namespace here; the sandbox uses the host's paths:\n"
         << emu.stderr_text());
  }
  const std::string task_root = emu.task_root_seen(fs::canonical(dirs.task_root()).string());
  const std::string opt = emu.sandbox_paths() ? "/opt" : fs::canonical(dirs.layer()).string();

  CHECK(shell(emu, "pwd") == task_root + "\n");
  CHECK(shell(emu, "cat " + task_root + "/marker") == "task root");
  CHECK(shell(emu, "cat " + opt + "/opt-marker") == "layer");
  // The runtime was started through the wrapper script, named as Lambda names it.
  CHECK(shell(emu, "echo $WRAPPED_BY") == opt + "/wrapper\n");
  if (emu.sandbox_paths()) {
    CHECK(shell(emu, "getent hosts sandbox.localdomain") ==
          "127.0.0.1       sandbox.localdomain sandbox\n");
    CHECK(shell(emu, "touch /var/task/x 2>/dev/null && echo writable || echo read-only") ==
          "read-only\n");
  }
}

TEST_CASE("sandbox: /tmp is the sandbox's own and survives a reset", "[integration][sandbox]") {
  SandboxDirs dirs;
  EmulatorProcess emu(test_runtime("script", {"--task-root", dirs.task_root().string()}));
  const std::string name = "lambda-emu-sandbox-test-" + std::to_string(::getpid());
  shell(emu, "echo kept > /tmp/" + name);
  // A checkout under /tmp keeps the host's /tmp (the next test); elsewhere /tmp is private.
  CHECK(fs::exists("/tmp/" + name) == !emu.private_tmp());
  if (emu.sandbox_paths() && !fs::weakly_canonical(bin_path("")).string().starts_with("/tmp/")) {
    CHECK(emu.private_tmp());
  }
  REQUIRE(invoke(emu, R"({"do":"crash"})").status == 502);  // the environment is reset
  CHECK(shell(emu, "cat /tmp/" + name) == "kept\n");
  std::error_code ec;
  fs::remove("/tmp/" + name, ec);
}

TEST_CASE("sandbox: a bootstrap under the host's /tmp keeps the host's /tmp visible",
          "[integration][sandbox]") {
  std::string pattern = "/tmp/lambda-emu-bootstrap.XXXXXX";
  REQUIRE(::mkdtemp(pattern.data()) != nullptr);
  const fs::path dir = pattern;
  const fs::path bootstrap = dir / "bootstrap";
  fs::copy_file(bin_path("test-runtime"), bootstrap);
  std::ofstream(dir / "marker") << "host tmp";

  {
    EmulatorProcess emu({{"--handler", "script"}, {bootstrap.string()}, {}});
    CHECK_FALSE(emu.private_tmp());
    if (emu.sandbox_paths()) {
      CHECK(emu.stderr_text().find("keeps the host's /tmp") != std::string::npos);
    }
    CHECK(shell(emu, "cat " + (dir / "marker").string()) == "host tmp");
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

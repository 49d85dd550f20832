#include "process/sandbox_paths.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

using namespace lambda_emu;
namespace fs = std::filesystem;

namespace {

struct Layers {
  fs::path dir = fs::temp_directory_path() / ("lambda-emu-paths-" + std::to_string(::getpid()));
  std::vector<std::string> opt = {(dir / "l1").string(), (dir / "l2").string()};
  Layers() {
    fs::create_directories(dir / "l1" / "extensions");
    fs::create_directories(dir / "l2" / "extensions");
    std::ofstream(dir / "l1" / "extensions" / "both");
    std::ofstream(dir / "l2" / "extensions" / "both");
    std::ofstream(dir / "l1" / "extensions" / "first-only");
    std::ofstream(dir / "l1" / "wrapper");
  }
  ~Layers() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

}  // namespace

TEST_CASE("sandbox paths: Lambda's inside, the host's outside", "[process][isolation]") {
  CHECK(process::sandbox_task_root(true, "/srv/fn") == "/var/task");
  CHECK(process::sandbox_task_root(false, "/srv/fn/") == "/srv/fn");
  CHECK(process::sandbox_task_root(false, "/srv/x/../fn") == "/srv/fn");
  CHECK(process::sandbox_task_root(false, "fn") == (fs::current_path() / "fn").string());
}

TEST_CASE("sandbox paths: extensions", "[process][isolation]") {
  const Layers l;
  CHECK(process::sandbox_path_for_extension("both", true, l.opt) == "/opt/extensions/both");
  // Outside, the later layer wins, as in the overlay.
  CHECK(process::sandbox_path_for_extension("both", false, l.opt) ==
        (l.dir / "l2" / "extensions" / "both").string());
  CHECK(process::sandbox_path_for_extension("first-only", false, l.opt) ==
        (l.dir / "l1" / "extensions" / "first-only").string());
  CHECK(process::sandbox_path_for_extension("x", false, {}) == "/opt/extensions/x");
}

TEST_CASE("sandbox paths: host files as the sandbox sees them", "[process][isolation]") {
  const std::vector<std::string> opt = {"/layers/a", "/layers/b"};
  CHECK(process::sandbox_path_for_host_path("/srv/fn/bootstrap", true, "/srv/fn", opt) ==
        "/var/task/bootstrap");
  CHECK(process::sandbox_path_for_host_path("/srv/fn", true, "/srv/fn/", opt) == "/var/task");
  CHECK(process::sandbox_path_for_host_path("/layers/a/bin/tool", true, "/srv/fn", opt) ==
        "/opt/bin/tool");
  CHECK(process::sandbox_path_for_host_path("/srv/fnx/bootstrap", true, "/srv/fn", opt) ==
        "/srv/fnx/bootstrap");
  CHECK(process::sandbox_path_for_host_path("/usr/bin/node", true, "/srv/fn", opt) ==
        "/usr/bin/node");
  CHECK(process::sandbox_path_for_host_path("/srv/fn/bootstrap", false, "/srv/fn", opt) ==
        "/srv/fn/bootstrap");
}

TEST_CASE("sandbox paths: Lambda's paths without isolation", "[process][isolation]") {
  const Layers l;
  CHECK(process::sandbox_path_for_lambda_path("/opt/wrapper", true, "/srv/fn", l.opt) ==
        "/opt/wrapper");
  CHECK(process::sandbox_path_for_lambda_path("/opt/wrapper", false, "/srv/fn", l.opt) ==
        (l.dir / "l1" / "wrapper").string());
  CHECK(process::sandbox_path_for_lambda_path("/opt/missing", false, "/srv/fn", l.opt) ==
        (l.dir / "l2" / "missing").string());
  CHECK(process::sandbox_path_for_lambda_path("/var/task/bootstrap", false, "/srv/fn", l.opt) ==
        "/srv/fn/bootstrap");
  CHECK(process::sandbox_path_for_lambda_path("/usr/bin/env", false, "/srv/fn", l.opt) ==
        "/usr/bin/env");
  CHECK(process::sandbox_path_for_lambda_path("/opt/wrapper", false, "/srv/fn", {}) ==
        "/opt/wrapper");
}

#include "process/sandbox_files.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

using namespace lambda_emu;
namespace fs = std::filesystem;

TEST_CASE("sandbox files: a private /tmp and hosts file, removed at the end",
          "[process][isolation]") {
  const fs::path host_hosts =
      fs::temp_directory_path() / ("lambda-emu-hosts-" + std::to_string(::getpid()));
  std::ofstream(host_hosts) << "127.0.0.1 localhost";
  std::string dir;
  {
    std::string error;
    const auto files = process::SandboxFiles::create(error, host_hosts.string());
    REQUIRE(files);
    dir = files->dir();
    CHECK(fs::is_directory(files->tmp_dir()));
    CHECK((fs::status(files->tmp_dir()).permissions() & fs::perms::sticky_bit) ==
          fs::perms::sticky_bit);
    std::ostringstream hosts;
    hosts << std::ifstream(files->hosts_file()).rdbuf();
    CHECK(hosts.str() ==
          "# lambda-emu: Lambda's sandbox names\n127.0.0.1\tsandbox.localdomain sandbox\n"
          "127.0.0.1 localhost\n");
    std::ofstream(fs::path(files->tmp_dir()) / "left-behind") << "x";
  }
  CHECK_FALSE(fs::exists(dir));
  fs::remove(host_hosts);
}

TEST_CASE("sandbox files: kept in an optional member, replaced, moved", "[process][isolation]") {
  std::string error;
  std::optional<process::SandboxFiles> files;
  files = process::SandboxFiles::create(error);  // as a driver member is set
  REQUIRE(files);
  const std::string first = files->dir();
  files = process::SandboxFiles::create(error);
  REQUIRE(files);
  CHECK_FALSE(fs::exists(first));
  CHECK(fs::exists(files->dir()));
  process::SandboxFiles moved = std::move(*files);
  files.reset();
  CHECK(fs::exists(moved.dir()));
}

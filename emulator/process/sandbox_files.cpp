#include "process/sandbox_files.hpp"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "process/isolation.hpp"

namespace lambda_emu::process {
namespace fs = std::filesystem;

std::optional<SandboxFiles> SandboxFiles::create(std::string& error,
                                                 const std::string& host_hosts) {
  std::error_code ec;
  fs::path base = fs::temp_directory_path(ec);
  if (ec) {
    base = "/tmp";
  }
  std::string pattern = (base / "lambda-emu-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    error = "cannot create " + pattern + ": " + std::strerror(errno);
    return std::nullopt;
  }
  SandboxFiles files(pattern);  // from here on, a failure removes what was made

  // Like the real /tmp: anyone may write, only the owner may delete.
  if (!fs::create_directory(files.tmp_dir_, ec)) {
    error = "cannot create " + files.tmp_dir_ + ": " + ec.message();
    return std::nullopt;
  }
  fs::permissions(files.tmp_dir_, fs::perms::all | fs::perms::sticky_bit, ec);

  std::ostringstream host;
  if (std::ifstream in(host_hosts); in) {
    host << in.rdbuf();
  }
  std::ofstream out(files.hosts_file_, std::ios::trunc);
  out << sandbox_hosts(host.str());
  out.close();
  if (!out) {
    error = "cannot write " + files.hosts_file_;
    return std::nullopt;
  }
  return files;
}

SandboxFiles::SandboxFiles(std::string dir)
    : dir_(std::move(dir)), tmp_dir_(dir_ + "/tmp"), hosts_file_(dir_ + "/hosts") {}

SandboxFiles::SandboxFiles(SandboxFiles&& other) noexcept
    : dir_(std::move(other.dir_)),
      tmp_dir_(std::move(other.tmp_dir_)),
      hosts_file_(std::move(other.hosts_file_)) {
  other.dir_.clear();
}

SandboxFiles& SandboxFiles::operator=(SandboxFiles&& other) noexcept {
  if (this != &other) {
    remove();
    dir_ = std::move(other.dir_);
    tmp_dir_ = std::move(other.tmp_dir_);
    hosts_file_ = std::move(other.hosts_file_);
    other.dir_.clear();
  }
  return *this;
}

SandboxFiles::~SandboxFiles() {
  remove();
}

void SandboxFiles::remove() noexcept {
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    dir_.clear();
  }
}

}  // namespace lambda_emu::process

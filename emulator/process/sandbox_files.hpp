#pragma once
// The host side of one sandbox's private files: a directory under $TMPDIR (lambda-emu-XXXXXX)
// holding tmp/, the sandbox's /tmp (it outlives the sandbox's processes, as Lambda's /tmp survives
// a reset), and hosts, its /etc/hosts (sandbox_hosts() of the host's). Removed when destroyed:
// keep it until every process of the sandbox is reaped.
//
//   std::string error;
//   std::optional<SandboxFiles> files = SandboxFiles::create(error);
//   spec.tmp_dir = files->tmp_dir();
//   spec.hosts_file = files->hosts_file();
#include <optional>
#include <string>

namespace lambda_emu::process {

class SandboxFiles {
 public:
  // nullopt, with `error` set, when the directory or a file cannot be created.
  [[nodiscard]] static std::optional<SandboxFiles> create(
      std::string& error, const std::string& host_hosts = "/etc/hosts");

  SandboxFiles(SandboxFiles&& other) noexcept;
  SandboxFiles& operator=(SandboxFiles&& other) noexcept;  // removes this one's files first
  SandboxFiles(const SandboxFiles&) = delete;
  SandboxFiles& operator=(const SandboxFiles&) = delete;
  ~SandboxFiles();

  [[nodiscard]] const std::string& dir() const { return dir_; }
  [[nodiscard]] const std::string& tmp_dir() const { return tmp_dir_; }
  [[nodiscard]] const std::string& hosts_file() const { return hosts_file_; }

 private:
  explicit SandboxFiles(std::string dir);
  void remove() noexcept;

  std::string dir_;
  std::string tmp_dir_;
  std::string hosts_file_;
};

}  // namespace lambda_emu::process

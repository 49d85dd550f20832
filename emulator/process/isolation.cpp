#include "process/isolation.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "process/cgroup.hpp"

namespace lambda_emu::process {
namespace fs = std::filesystem;
namespace {

std::string absolute(const std::string& path) {
  return fs::absolute(path).lexically_normal().string();
}

// A bind mount keeps the source's nosuid/nodev/noexec/atime flags, and in a user namespace they
// are locked: a read-only remount must repeat them or the kernel refuses it.
unsigned long locked_flags(const std::string& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) {
    return 0;
  }
  unsigned long flags = 0;
  if (st.f_flag & ST_NOSUID)
    flags |= MS_NOSUID;
  if (st.f_flag & ST_NODEV)
    flags |= MS_NODEV;
  if (st.f_flag & ST_NOEXEC)
    flags |= MS_NOEXEC;
  if (st.f_flag & ST_NOATIME)
    flags |= MS_NOATIME;
  if (st.f_flag & ST_NODIRATIME)
    flags |= MS_NODIRATIME;
  if (st.f_flag & ST_RELATIME)
    flags |= MS_RELATIME;
  return flags;
}

const char* or_null(const std::string& s) {
  return s.empty() ? nullptr : s.c_str();
}

std::string error_text(int err) {
  return std::strerror(err);
}

// --- the probe -----------------------------------------------------------------------------------

struct Attempt {
  int error = 0;
  std::string step;
  bool overlay_step = false;
};

struct ChildReport {
  int error;
  int step;  // -1: the check after the setup
};

// Runs the setup in a throwaway child that exits right after; with `check_opt`, the child also
// reads /opt/probe, which must come from the last layer.
Attempt try_setup(const IsolationSpec& spec, bool check_opt) {
  const SandboxSetup setup(spec);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return {errno, "pipe", false};
  }
  sigset_t all, old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);  // no handler of ours may run in the child
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::size_t step = 0;
    ChildReport r{setup.enter(&step), 0};
    r.step = static_cast<int>(step);
    if (r.error == 0 && check_opt) {
      char c = 0;
      const int fd = ::open("/opt/probe", O_RDONLY | O_CLOEXEC);
      if (fd < 0 || ::read(fd, &c, 1) != 1 || c != 'b') {
        r = {EIO, -1};
      }
    }
    (void)!::write(fds[1], &r, sizeof r);
    ::_exit(0);
  }
  const int fork_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ::close(fds[1]);
  if (pid < 0) {
    ::close(fds[0]);
    return {fork_errno, "fork", false};
  }
  ChildReport r{0, 0};
  ssize_t n;
  do {
    n = ::read(fds[0], &r, sizeof r);
  } while (n < 0 && errno == EINTR);
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (n != static_cast<ssize_t>(sizeof r)) {
    return {EIO, "the probe's child died", false};
  }
  if (r.error == 0) {
    return {};
  }
  if (r.step < 0) {
    return {r.error, "/opt does not show the last layer on top", true};
  }
  const auto step = static_cast<std::size_t>(r.step);
  return {r.error, setup.describe(step), setup.is_overlay_step(step)};
}

// Scratch stand-ins for the task root, two layers, /tmp and the hosts file; removed on scope exit.
class ProbeScratch {
 public:
  ProbeScratch() {
    std::error_code ec;
    std::string pattern = (fs::temp_directory_path(ec) / "lambda-emu-probe-XXXXXX").string();
    if (ec) {
      pattern = "/tmp/lambda-emu-probe-XXXXXX";
    }
    if (::mkdtemp(pattern.data()) == nullptr) {
      error_ = "cannot create a scratch directory: " + error_text(errno);
      return;
    }
    dir_ = pattern;
    for (const char* d : {"task", "a", "b", "tmp"}) {
      fs::create_directory(dir_ / d, ec);
    }
    std::ofstream(dir_ / "a" / "probe") << 'a';
    std::ofstream(dir_ / "b" / "probe") << 'b';
    std::ofstream(dir_ / "hosts") << sandbox_hosts("");
  }
  ~ProbeScratch() {
    if (!dir_.empty()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
  }
  ProbeScratch(const ProbeScratch&) = delete;
  ProbeScratch& operator=(const ProbeScratch&) = delete;

  const std::string& error() const { return error_; }
  std::string path(const char* name) const { return (dir_ / name).string(); }

 private:
  fs::path dir_;
  std::string error_;
};

}  // namespace

// --- decisions -----------------------------------------------------------------------------------

IsolationDecision decide_isolation(const ProbeFindings& f) {
  IsolationDecision d;
  IsolationSupport& s = d.support;
  if (f.mount_ns_error == 0) {
    s.kind = NamespaceKind::mount;
  } else if (f.user_ns_error == 0) {
    s.kind = NamespaceKind::user_and_mount;
  } else {
    std::string why;
    auto add = [&why](int err, const std::string& step) {
      if (err > 0) {
        why += (why.empty() ? "" : "; ") + step + ": " + error_text(err);
      }
    };
    add(f.mount_ns_error, f.mount_ns_step);
    add(f.user_ns_error, f.user_ns_step);
    s.reason =
        "no private mount namespace (" + (why.empty() ? std::string("not tried") : why) + ")";
    return d;
  }
  if (!f.var_task_exists) {
    if (!f.root) {
      s.reason = "/var/task does not exist on the host and only root can create it";
      return d;
    }
    d.create_var_task = true;
  }
  s.available = true;
  s.overlay = f.overlay_error == 0;
  return d;
}

std::string sandbox_hosts(std::string_view host_hosts) {
  std::string out =
      "# lambda-emu: Lambda's sandbox names\n127.0.0.1\tsandbox.localdomain sandbox\n";
  out += host_hosts;
  if (!out.empty() && out.back() != '\n') {
    out += '\n';
  }
  return out;
}

std::string overlay_options(const std::vector<std::string>& opt_dirs) {
  std::string out = "lowerdir=";
  // overlayfs stacks the first lowerdir on top: the last layer goes first.
  for (auto it = opt_dirs.rbegin(); it != opt_dirs.rend(); ++it) {
    if (it != opt_dirs.rbegin()) {
      out += ':';
    }
    for (char c : *it) {
      if (c == ':' || c == ',' || c == '\\') {
        out += '\\';
      }
      out += c;
    }
  }
  return out;
}

// --- the setup -----------------------------------------------------------------------------------

SandboxSetup::SandboxSetup(const SandboxJoins& joins, const IsolationSpec* isolation) {
  // First, with the emulator's credentials: the cgroup files are the host's root's.
  if (joins.cgroup) {
    Step s;
    s.kind = Kind::join_cgroup;
    s.cgroup = joins.cgroup;
    s.description = "join the sandbox's cgroups";
    steps_.push_back(s);
  }
  if (joins.network_namespace >= 0) {
    Step s;
    s.kind = Kind::setns;
    s.fd = joins.network_namespace;
    s.unshare_flags = CLONE_NEWNET;
    s.namespace_step = true;
    s.description = "setns(CLONE_NEWNET)";
    steps_.push_back(s);
  }
  if (!isolation || !isolation->support.available) {
    return;
  }
  const IsolationSpec& spec = *isolation;
  const bool user = spec.support.kind == NamespaceKind::user_and_mount;
  Step ns;
  ns.kind = Kind::unshare;
  ns.unshare_flags = user ? (CLONE_NEWUSER | CLONE_NEWNS) : CLONE_NEWNS;
  ns.namespace_step = true;
  ns.description = user ? "unshare(CLONE_NEWUSER|CLONE_NEWNS)" : "unshare(CLONE_NEWNS)";
  steps_.push_back(ns);
  if (user) {
    // Without setgroups denied an unprivileged process may not write gid_map.
    auto write = [this](std::string path, std::string content, bool optional) {
      Step s;
      s.kind = Kind::write_file;
      s.description = "write " + path;
      s.path = std::move(path);
      s.content = std::move(content);
      s.optional = optional;
      s.namespace_step = true;
      steps_.push_back(std::move(s));
    };
    write("/proc/self/setgroups", "deny", true);
    write("/proc/self/uid_map",
          std::to_string(::getuid()) + " " + std::to_string(::getuid()) + " 1", false);
    write("/proc/self/gid_map",
          std::to_string(::getgid()) + " " + std::to_string(::getgid()) + " 1", false);
  }
  // Nothing mounted here may leak back into the host's namespace.
  Step priv;
  priv.kind = Kind::mount;
  priv.path = "/";
  priv.flags = MS_REC | MS_PRIVATE;
  priv.namespace_step = true;
  priv.description = "make / private";
  steps_.push_back(priv);

  // Sources under the host's /tmp (test directories, the hosts file) must be mounted before the
  // private /tmp hides them, so /tmp goes last.
  if (!spec.task_root.empty()) {
    add_bind(absolute(spec.task_root), "/var/task", true);
  }
  if (spec.opt_dirs.size() > 1 && spec.support.overlay) {
    std::vector<std::string> dirs;
    for (const std::string& d : spec.opt_dirs) {
      dirs.push_back(absolute(d));
    }
    Step s;
    s.kind = Kind::mount;
    s.source = "overlay";
    s.fstype = "overlay";
    s.path = "/opt";
    s.flags = MS_RDONLY;
    s.data = overlay_options(dirs);
    s.overlay = true;
    s.description = "mount /opt (overlay of " + std::to_string(dirs.size()) + " layers)";
    steps_.push_back(std::move(s));
  } else if (!spec.opt_dirs.empty()) {
    drops_layers_ = spec.opt_dirs.size() > 1;
    add_bind(absolute(spec.opt_dirs.back()), "/opt", true);
  }
  if (!spec.hosts_file.empty()) {
    add_bind(absolute(spec.hosts_file), "/etc/hosts", true);
  }
  if (!spec.tmp_dir.empty()) {
    add_bind(absolute(spec.tmp_dir), "/tmp", false);
  }
}

void SandboxSetup::add_bind(const std::string& source, const std::string& target, bool read_only) {
  Step bind;
  bind.kind = Kind::mount;
  bind.source = source;
  bind.path = target;
  bind.flags = MS_BIND | MS_REC;
  bind.description = "bind " + source + " on " + target;
  steps_.push_back(bind);
  if (read_only) {
    // A bind mount takes MS_RDONLY only on a remount.
    Step ro;
    ro.kind = Kind::mount;
    ro.path = target;
    ro.flags = MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags(source);
    ro.description = "remount " + target + " read-only";
    steps_.push_back(std::move(ro));
  }
}

int SandboxSetup::enter(std::size_t* failed_step) const noexcept {
  for (std::size_t i = 0; i < steps_.size(); ++i) {
    const Step& s = steps_[i];
    int rc = 0;
    switch (s.kind) {
      case Kind::join_cgroup: {
        std::size_t file = 0;
        if (const int err = s.cgroup->enter(&file); err != 0) {
          errno = err;
          rc = -1;
        }
        break;
      }
      case Kind::setns:
        rc = ::setns(s.fd, s.unshare_flags);
        break;
      case Kind::unshare:
        rc = ::unshare(s.unshare_flags);
        break;
      case Kind::write_file: {
        const int fd = ::open(s.path.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
          if (s.optional && errno == ENOENT) {
            continue;
          }
          rc = -1;
          break;
        }
        const ssize_t n = ::write(fd, s.content.data(), s.content.size());
        const int err = errno;
        ::close(fd);
        if (n != static_cast<ssize_t>(s.content.size())) {
          errno = n < 0 ? err : EIO;
          rc = -1;
        }
        break;
      }
      case Kind::mount:
        rc =
            ::mount(or_null(s.source), s.path.c_str(), or_null(s.fstype), s.flags, or_null(s.data));
        break;
    }
    if (rc != 0) {
      *failed_step = i;
      return errno;
    }
  }
  return 0;
}

const std::string& SandboxSetup::describe(std::size_t step) const {
  return steps_.at(step).description;
}

bool SandboxSetup::is_namespace_step(std::size_t step) const {
  return steps_.at(step).namespace_step;
}

bool SandboxSetup::is_overlay_step(std::size_t step) const {
  return steps_.at(step).overlay;
}

// --- the probe -----------------------------------------------------------------------------------

IsolationSupport probe_isolation(spdlog::logger& log, const ProbeOptions& options) {
  ProbeFindings f;
  f.root = ::geteuid() == 0;
  std::error_code ec;
  f.var_task_exists = fs::is_directory("/var/task", ec);

  IsolationDecision d;
  const ProbeScratch scratch;
  if (!scratch.error().empty()) {
    d.support.reason = scratch.error();
  } else {
    IsolationSpec spec;
    spec.support.available = true;
    spec.task_root = f.var_task_exists ? scratch.path("task") : "";
    spec.opt_dirs = {scratch.path("b")};
    spec.tmp_dir = scratch.path("tmp");
    spec.hosts_file = scratch.path("hosts");
    auto run = [&](NamespaceKind kind, int& error, std::string& step) {
      spec.support.kind = kind;
      const Attempt a = try_setup(spec, false);
      error = a.error;
      step = a.step;
      return a.error == 0;
    };
    bool works = options.allow_plain_mount_namespace &&
                 run(NamespaceKind::mount, f.mount_ns_error, f.mount_ns_step);
    if (!works) {
      works = run(NamespaceKind::user_and_mount, f.user_ns_error, f.user_ns_step);
    }
    if (works) {
      spec.opt_dirs = {scratch.path("a"), scratch.path("b")};
      spec.support.overlay = true;
      const Attempt a = try_setup(spec, true);
      f.overlay_error = a.error;
      if (a.error != 0) {
        log.debug("sandbox isolation: {}: {}", a.step, error_text(a.error));
      }
    }
    d = decide_isolation(f);
  }

  IsolationSupport& s = d.support;
  if (s.available && d.create_var_task) {
    if (::mkdir("/var/task", 0755) != 0 && errno != EEXIST) {
      s = {};
      s.reason = "cannot create the mount point /var/task: " + error_text(errno);
    } else {
      log.debug("created the empty mount point /var/task on the host");
    }
  }
  if (!s.available) {
    log.warn(
        "sandbox isolation unavailable: {}; the runtime and extensions see the host's paths (no "
        "/var/task, /opt layers, private /tmp or sandbox.localdomain)",
        s.reason);
  } else {
    log.debug("sandbox isolation: {}, /opt {}",
              s.kind == NamespaceKind::mount ? "mount namespace" : "user and mount namespace",
              s.overlay ? "overlay" : "last layer only (overlay refused)");
  }
  return s;
}

}  // namespace lambda_emu::process

#include "process/cgroup.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <thread>
#include <utility>

#include "lambda_emu/core/function_config.hpp"

namespace lambda_emu::process {
namespace {

constexpr std::int64_t mib = 1024 * 1024;

// --- small files ---------------------------------------------------------------------------------

// cgroup files take one value per write() and are read whole in one read(); plain system calls
// keep the per-invoke reads cheap.
int read_text(const std::string& path, std::string& out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return errno;
  }
  out.clear();
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) {
    out.append(buf, static_cast<std::size_t>(n));
  }
  const int err = n < 0 ? errno : 0;
  ::close(fd);
  return err;
}

int write_text(const std::string& path, std::string_view value) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    return errno;
  }
  const ssize_t n = ::write(fd, value.data(), value.size());
  const int err = n < 0 ? errno : (n == static_cast<ssize_t>(value.size()) ? 0 : EIO);
  ::close(fd);
  return err;
}

bool exists(const std::string& path) {
  return ::access(path.c_str(), F_OK) == 0;
}

std::string failure(const char* what, const std::string& path, int err) {
  return std::string(what) + " " + path + ": " + std::strerror(err);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

std::optional<std::int64_t> to_int(std::string_view s) {
  s = trim(s);
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) {
    return std::nullopt;
  }
  return v;
}

std::optional<std::int64_t> read_int(const std::string& path) {
  std::string text;
  return read_text(path, text) == 0 ? to_int(text) : std::nullopt;
}

std::optional<std::int64_t> read_key(const std::string& path, std::string_view key) {
  std::string text;
  return read_text(path, text) == 0 ? cgroup_key_value(text, key) : std::nullopt;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (std::size_t start = 0;;) {
    const std::size_t end = s.find(sep, start);
    out.push_back(s.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) {
      return out;
    }
    start = end + 1;
  }
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape_octal(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() &&
        std::all_of(s.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                    s.begin() + static_cast<std::ptrdiff_t>(i) + 4,
                    [](char c) { return c >= '0' && c <= '7'; })) {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The kernel gives no notice when a v1 group finishes freezing or its last process has left, so
// those are polled, backing off from 50 us to 1 ms, for about `limit_us` in all. A blocking wait
// of the process adapter, bounded, outside the lifecycle's Clock.
template <typename Done>
bool poll_until(Done done, long limit_us = 1'000'000) {
  long waited = 0;
  for (long step = 50;; step = std::min(step * 2, 1'000L)) {
    if (done()) {
      return true;
    }
    if (waited >= limit_us) {
      return false;
    }
    timespec ts{0, step * 1000};
    while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
    waited += step;
  }
}

// --- the probe -----------------------------------------------------------------------------------

// Linux (6.1 on) counts the frozen v1 freezer groups in a static key and patches its own code each
// time that count leaves or returns to zero: with one sandbox freezing between invokes, every
// freeze and every thaw did, ~100 us a write on a 2-CPU VM against ~20 us without. An empty group
// kept frozen while the emulator runs holds the count above zero. Without it only speed is lost.
std::string hold_v1_freezer(const std::string& parent) {
  const std::string dir = parent + "/hold-frozen";  // no sandbox's name: those end in -<number>
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return {};
  }
  if (write_text(dir + "/freezer.state", "FROZEN") != 0) {
    ::rmdir(dir.c_str());
    return {};
  }
  return dir;
}

struct Probe {
  std::vector<CgroupMembership> memberships;
  std::vector<CgroupMount> mounts;
  std::string parent_name = "lambda-emu-" + std::to_string(::getpid());
  std::vector<std::string> created;  // parents this probe made, removed again if unused

  // <own dir>/lambda-emu-<pid>, made if needed; empty with `why` on failure.
  std::string parent_in(const std::string& own, std::string& why) {
    const std::string parent = own + "/" + parent_name;
    if (::mkdir(parent.c_str(), 0755) == 0) {
      created.push_back(parent);
    } else if (errno != EEXIST) {
      why = failure("mkdir", parent, errno);
      return {};
    }
    return parent;
  }

  CgroupCandidate v1(std::string_view controller, const char* needed_file, const char* hint) {
    CgroupCandidate c;
    const std::string own = own_cgroup_dir(memberships, mounts, controller, c.why_not);
    if (own.empty()) {
      return c;
    }
    const std::string parent = parent_in(own, c.why_not);
    if (parent.empty()) {
      return c;
    }
    if (!exists(parent + "/" + needed_file)) {
      c.why_not = std::string("no ") + needed_file + " in " + parent + hint;
      return c;
    }
    c.parent = parent;
    return c;
  }

  void v2(CgroupFindings& f) {
    std::string why;
    const std::string own = own_cgroup_dir(memberships, mounts, "", why);
    const std::string parent = own.empty() ? std::string() : parent_in(own, why);
    if (parent.empty()) {
      f.v2_cpu.why_not = f.v2_memory.why_not = f.v2_freezer.why_not = f.v2_cpu_stat.why_not = why;
      return;
    }
    auto need_file = [&parent](CgroupCandidate& c, const char* file, const char* hint) {
      if (exists(parent + "/" + file)) {
        c.parent = parent;
      } else {
        c.why_not = std::string("no ") + file + " in " + parent + hint;
      }
    };
    need_file(f.v2_freezer, "cgroup.freeze", " (kernel before 5.2)");
    need_file(f.v2_cpu_stat, "cpu.stat", "");

    std::string available, enabled;
    (void)read_text(own + "/cgroup.controllers", available);
    (void)read_text(own + "/cgroup.subtree_control", enabled);
    const auto has = [](const std::string& list, std::string_view name) {
      for (std::string_view w : split(trim(list), ' ')) {
        if (w == name) {
          return true;
        }
      }
      return false;
    };
    auto enable = [&](CgroupCandidate& c, const char* name, const char* file) {
      if (!has(available, name)) {
        c.why_not = std::string(name) + " is not in " + own +
                    "/cgroup.controllers (a v1 hierarchy holds it, or it is not delegated)";
        return;
      }
      const std::string plus = std::string("+") + name;
      // The sandboxes get the controller from the parent, the parent from the emulator's own
      // group. v2 lets only a group without processes of its own pass controllers down (the
      // root excepted), so this fails with EBUSY where the emulator shares its group.
      if (!has(enabled, name)) {
        if (const int err = write_text(own + "/cgroup.subtree_control", plus); err != 0) {
          c.why_not = failure(("enable " + std::string(name) + ":").c_str(),
                              own + "/cgroup.subtree_control", err) +
                      (err == EBUSY ? " (the emulator's own cgroup holds processes, and v2 "
                                      "enables controllers only below groups without them)"
                                    : "");
          return;
        }
      }
      if (const int err = write_text(parent + "/cgroup.subtree_control", plus); err != 0) {
        c.why_not = failure(("enable " + std::string(name) + ":").c_str(),
                            parent + "/cgroup.subtree_control", err);
        return;
      }
      need_file(c, file, "");
    };
    enable(f.v2_cpu, "cpu", "cpu.max");
    enable(f.v2_memory, "memory", "memory.max");
  }
};

std::string describe(const CgroupSupport& s) {
  auto one = [](const char* what, const CgroupPlace& p) {
    return std::string(what) + " " +
           (p.version == CgroupVersion::v2   ? "v2"
            : p.version == CgroupVersion::v1 ? "v1"
                                             : "none");
  };
  return one("cpu", s.cpu) + ", " + one("memory", s.memory) + ", " + one("freezer", s.freezer) +
         ", " + one("cpu usage", s.cpu_usage);
}

}  // namespace

// --- pure parts ----------------------------------------------------------------------------------

CpuQuota cpu_quota_for_memory(int memory_mb, unsigned host_cpus, std::int64_t period_us) {
  CpuQuota q;
  q.period_us = period_us;
  const double host = std::max(host_cpus, 1u);
  q.cpus = core::vcpus_for_memory(std::max(memory_mb, 0));  // the rule the simulator uses too
  if (q.cpus > host) {
    q.cpus = host;
    q.capped = true;
  }
  // The kernel refuses quotas below 1 ms.
  q.quota_us = std::max<std::int64_t>(1000, std::llround(q.cpus * static_cast<double>(period_us)));
  return q;
}

unsigned host_cpu_count() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) {
    return static_cast<unsigned>(CPU_COUNT(&set));
  }
  const unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? n : 1;
}

std::vector<CgroupMembership> parse_proc_self_cgroup(std::string_view text) {
  std::vector<CgroupMembership> out;
  for (std::string_view line : split(text, '\n')) {
    const std::size_t a = line.find(':');
    const std::size_t b = a == std::string_view::npos ? a : line.find(':', a + 1);
    if (b == std::string_view::npos) {
      continue;
    }
    CgroupMembership m;
    m.hierarchy = static_cast<int>(to_int(line.substr(0, a)).value_or(-1));
    if (const std::string_view list = line.substr(a + 1, b - a - 1); !list.empty()) {
      for (std::string_view c : split(list, ',')) {
        m.controllers.emplace_back(c);
      }
    }
    m.path = line.substr(b + 1);
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<CgroupMount> parse_mountinfo_cgroups(std::string_view text) {
  std::vector<CgroupMount> out;
  for (std::string_view line : split(text, '\n')) {
    const std::vector<std::string_view> f = split(line, ' ');
    // id parent major:minor root mount-point options [optional fields...] - fstype source super
    const auto dash = std::find(f.begin(), f.end(), "-");
    if (dash - f.begin() < 6 || f.end() - dash < 4) {
      continue;
    }
    const std::string_view fstype = dash[1];
    if (fstype != "cgroup" && fstype != "cgroup2") {
      continue;
    }
    CgroupMount m;
    m.v2 = fstype == "cgroup2";
    m.root = unescape_octal(f[3]);
    m.mount_point = unescape_octal(f[4]);
    if (!m.v2) {
      for (std::string_view o : split(dash[3], ',')) {
        if (o != "rw" && o != "ro" && !o.empty()) {
          m.controllers.emplace_back(o);
        }
      }
    }
    out.push_back(std::move(m));
  }
  return out;
}

std::string own_cgroup_dir(const std::vector<CgroupMembership>& memberships,
                           const std::vector<CgroupMount>& mounts, std::string_view controller,
                           std::string& why) {
  const bool v2 = controller.empty();
  const std::string name = v2 ? "cgroup v2" : "the " + std::string(controller) + " hierarchy";
  const auto member = std::find_if(memberships.begin(), memberships.end(), [&](const auto& m) {
    return v2 ? m.hierarchy == 0 && m.controllers.empty() : contains(m.controllers, controller);
  });
  if (member == memberships.end()) {
    why = "the emulator is in no cgroup of " + name + " (/proc/self/cgroup)";
    return {};
  }
  const std::string& own = member->path;
  bool mounted = false;
  for (const CgroupMount& m : mounts) {
    if (m.v2 != v2 || (!v2 && !contains(m.controllers, controller))) {
      continue;
    }
    mounted = true;
    // A mount may show only a subtree (a container's): the own path must lie inside it.
    std::string_view rest = own;
    if (m.root != "/") {
      if (own != m.root && own.rfind(m.root + "/", 0) != 0) {
        continue;
      }
      rest.remove_prefix(m.root.size());
    }
    std::string dir = m.mount_point;
    if (!rest.empty() && rest != "/") {
      dir += rest;
    }
    return dir;
  }
  why = mounted ? "the emulator's cgroup " + own + " is outside every mount of " + name
                : name + " is not mounted";
  return {};
}

std::optional<std::int64_t> cgroup_key_value(std::string_view text, std::string_view key) {
  for (std::string_view line : split(text, '\n')) {
    const std::size_t space = line.find(' ');
    if (space != std::string_view::npos && line.substr(0, space) == key) {
      return to_int(line.substr(space + 1));
    }
  }
  return std::nullopt;
}

CgroupSupport decide_cgroups(const CgroupFindings& f) {
  CgroupSupport s;
  const bool all_v2 =
      !f.v2_cpu.parent.empty() && !f.v2_memory.parent.empty() && !f.v2_freezer.parent.empty();
  auto pick = [all_v2](CgroupPlace& place, const CgroupCandidate& v1, const CgroupCandidate& v2) {
    const CgroupCandidate& first = all_v2 ? v2 : v1;
    const CgroupCandidate& second = all_v2 ? v1 : v2;
    if (!first.parent.empty()) {
      place = {all_v2 ? CgroupVersion::v2 : CgroupVersion::v1, first.parent};
    } else if (!second.parent.empty()) {
      place = {all_v2 ? CgroupVersion::v1 : CgroupVersion::v2, second.parent};
    }
  };
  pick(s.cpu, f.v1_cpu, f.v2_cpu);
  pick(s.memory, f.v1_memory, f.v2_memory);
  pick(s.freezer, f.v1_freezer, f.v2_freezer);
  pick(s.cpu_usage, f.v1_cpuacct, f.v2_cpu_stat);

  auto missing = [&s](const char* what, const CgroupPlace& p, const CgroupCandidate& v1,
                      const CgroupCandidate& v2) {
    if (p.version == CgroupVersion::none) {
      s.reason += (s.reason.empty() ? "" : "; ") + std::string("no ") + what +
                  " (v1: " + (v1.why_not.empty() ? "not tried" : v1.why_not) +
                  "; v2: " + (v2.why_not.empty() ? "not tried" : v2.why_not) + ")";
    }
  };
  missing("CPU quota", s.cpu, f.v1_cpu, f.v2_cpu);
  missing("memory limit", s.memory, f.v1_memory, f.v2_memory);
  missing("freezer", s.freezer, f.v1_freezer, f.v2_freezer);
  return s;
}

// --- the probe -----------------------------------------------------------------------------------

CgroupSupport probe_cgroups(spdlog::logger& log, const CgroupProbeOptions& options) {
  Probe p;
  std::string text;
  if (const int err = read_text("/proc/self/cgroup", text); err == 0) {
    p.memberships = parse_proc_self_cgroup(text);
  }
  if (const int err = read_text("/proc/self/mountinfo", text); err == 0) {
    p.mounts = parse_mountinfo_cgroups(text);
  }
  CgroupFindings f;
  if (options.v1) {
    f.v1_cpu = p.v1("cpu", "cpu.cfs_quota_us", " (kernel without CFS bandwidth control)");
    f.v1_cpuacct = p.v1("cpuacct", "cpuacct.usage", "");
    f.v1_memory = p.v1("memory", "memory.limit_in_bytes", "");
    f.v1_freezer = p.v1("freezer", "freezer.state", "");
  } else {
    f.v1_cpu.why_not = f.v1_cpuacct.why_not = f.v1_memory.why_not = f.v1_freezer.why_not =
        "not used";
  }
  if (options.v2) {
    p.v2(f);
  } else {
    f.v2_cpu.why_not = f.v2_cpu_stat.why_not = f.v2_memory.why_not = f.v2_freezer.why_not =
        "not used";
  }
  CgroupSupport s = decide_cgroups(f);
  if (s.freezer.version == CgroupVersion::v1 && options.hold_freezer) {
    s.freezer_hold = hold_v1_freezer(s.freezer.parent);
  }

  for (const std::string& dir : p.created) {
    const bool used = dir == s.cpu.parent || dir == s.memory.parent || dir == s.freezer.parent ||
                      dir == s.cpu_usage.parent;
    if (!used) {
      ::rmdir(dir.c_str());
    }
  }
  if (!s.reason.empty()) {
    log.warn("sandbox cgroups incomplete: {}; Lambda's {} not enforced", s.reason,
             s.any() ? "missing limits are" : "CPU share, memory limit and freezing are");
  }
  log.debug("sandbox cgroups: {}", describe(s));
  return s;
}

void remove_cgroup_parents(const CgroupSupport& s) {
  if (!s.freezer_hold.empty()) {
    ::rmdir(s.freezer_hold.c_str());  // empty, so frozen or not it goes
  }
  for (const CgroupPlace* p : {&s.cpu, &s.memory, &s.freezer, &s.cpu_usage}) {
    if (!p->parent.empty()) {
      ::rmdir(p->parent.c_str());  // fails harmlessly for one already gone or still in use
    }
  }
}

// --- SandboxCgroup -------------------------------------------------------------------------------

std::optional<SandboxCgroup> SandboxCgroup::create(const CgroupSupport& support,
                                                   std::string_view name,
                                                   const CgroupLimits& limits, std::string& error) {
  if (!support.any()) {
    error = "no cgroups: " + support.reason;
    return std::nullopt;
  }
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos) {
    error = "'" + std::string(name) + "' is not a cgroup name";
    return std::nullopt;
  }
  SandboxCgroup cg;  // from here on, a failure removes what was made
  cg.limits_ = limits;
  auto place = [&](const CgroupPlace& p, CgroupVersion& version, std::string& dir) {
    if (p.version == CgroupVersion::none) {
      return true;
    }
    version = p.version;
    dir = p.parent + "/" + std::string(name);
    if (std::find(cg.dirs_.begin(), cg.dirs_.end(), dir) != cg.dirs_.end()) {
      return true;  // co-mounted v1 controllers (cpu,cpuacct) and v2 share one directory
    }
    if (::mkdir(dir.c_str(), 0755) != 0) {
      error = failure("mkdir", dir, errno);
      return false;
    }
    cg.dirs_.push_back(dir);
    cg.procs_files_.push_back(dir + "/cgroup.procs");
    return true;
  };
  if (!place(support.cpu, cg.cpu_v_, cg.cpu_dir_) ||
      !place(support.memory, cg.memory_v_, cg.memory_dir_) ||
      !place(support.freezer, cg.freezer_v_, cg.freezer_dir_) ||
      !place(support.cpu_usage, cg.usage_v_, cg.usage_dir_)) {
    return std::nullopt;
  }
  if (cg.freezer_v_ != CgroupVersion::none) {
    // Kept open: a freeze and a thaw an invoke, each one write() instead of three system calls.
    const std::string file = cg.freezer_file();
    cg.freezer_fd_ = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
    if (cg.freezer_fd_ < 0) {
      error = failure("open", file, errno);
      return std::nullopt;
    }
  }
  if (cg.memory_v_ == CgroupVersion::v1) {
    cg.has_memsw_ = exists(cg.memory_dir_ + "/memory.memsw.limit_in_bytes");
  } else if (cg.memory_v_ == CgroupVersion::v2) {
    const std::string peak = cg.memory_dir_ + "/memory.peak";
    cg.peak_fd_ = ::open(peak.c_str(), O_RDWR | O_CLOEXEC);
    cg.peak_resettable_ = cg.peak_fd_ >= 0;
    if (cg.peak_fd_ < 0) {
      cg.peak_fd_ = ::open(peak.c_str(), O_RDONLY | O_CLOEXEC);
    }
  }
  if (!cg.apply(limits.memory_mb, error)) {
    return std::nullopt;
  }
  return cg;
}

bool SandboxCgroup::apply(int memory_mb, std::string& error) {
  const auto set = [&error](const std::string& path, const std::string& value) {
    if (const int err = write_text(path, value); err != 0) {
      error = failure(("write " + value + " to").c_str(), path, err);
      return false;
    }
    return true;
  };
  if (limits_.limit_memory && memory_v_ == CgroupVersion::v1) {
    const std::string bytes = std::to_string(memory_mb * mib);
    const std::string limit = memory_dir_ + "/memory.limit_in_bytes";
    const std::string memsw = memory_dir_ + "/memory.memsw.limit_in_bytes";
    // memsw (memory + swap) may never be below the memory limit: raised first, lowered last.
    const bool raising = memory_mb * mib > read_int(limit).value_or(0);
    if (has_memsw_ && raising && !set(memsw, bytes)) {
      return false;
    }
    if (!set(limit, bytes) || (has_memsw_ && !raising && !set(memsw, bytes))) {
      return false;
    }
    (void)write_text(memory_dir_ + "/memory.swappiness", "0");  // best effort: Lambda has no swap
  } else if (limits_.limit_memory && memory_v_ == CgroupVersion::v2) {
    if (!set(memory_dir_ + "/memory.max", std::to_string(memory_mb * mib))) {
      return false;
    }
    if (const std::string swap = memory_dir_ + "/memory.swap.max";
        exists(swap) && !set(swap, "0")) {
      return false;
    }
  }
  if (limits_.limit_cpu && cpu_v_ != CgroupVersion::none) {
    const CpuQuota q = cpu_quota_for_memory(memory_mb, host_cpu_count());
    if (cpu_v_ == CgroupVersion::v1) {
      if (!set(cpu_dir_ + "/cpu.cfs_period_us", std::to_string(q.period_us)) ||
          !set(cpu_dir_ + "/cpu.cfs_quota_us", std::to_string(q.quota_us))) {
        return false;
      }
    } else if (!set(cpu_dir_ + "/cpu.max",
                    std::to_string(q.quota_us) + " " + std::to_string(q.period_us))) {
      return false;
    }
    quota_ = q;
  }
  limits_.memory_mb = memory_mb;
  return true;
}

bool SandboxCgroup::update_memory(int memory_mb, std::string& error) {
  return apply(memory_mb, error);
}

SandboxCgroup::SandboxCgroup(SandboxCgroup&& other) noexcept {
  take(other);
}

SandboxCgroup& SandboxCgroup::operator=(SandboxCgroup&& other) noexcept {
  if (this != &other) {
    std::string ignored;
    remove(ignored);
    close_files();
    take(other);
  }
  return *this;
}

// Leaves `other` owning nothing, so its destructor removes nothing.
void SandboxCgroup::take(SandboxCgroup& other) noexcept {
  cpu_v_ = other.cpu_v_;
  memory_v_ = other.memory_v_;
  freezer_v_ = other.freezer_v_;
  usage_v_ = other.usage_v_;
  cpu_dir_ = std::move(other.cpu_dir_);
  memory_dir_ = std::move(other.memory_dir_);
  freezer_dir_ = std::move(other.freezer_dir_);
  usage_dir_ = std::move(other.usage_dir_);
  dirs_ = std::exchange(other.dirs_, {});
  procs_files_ = std::exchange(other.procs_files_, {});
  limits_ = other.limits_;
  quota_ = other.quota_;
  has_memsw_ = other.has_memsw_;
  peak_fd_ = std::exchange(other.peak_fd_, -1);
  freezer_fd_ = std::exchange(other.freezer_fd_, -1);
  peak_resettable_ = other.peak_resettable_;
  sampled_peak_ = other.sampled_peak_;
}

SandboxCgroup::~SandboxCgroup() {
  std::string ignored;
  remove(ignored);
  close_files();
}

void SandboxCgroup::close_files() noexcept {
  for (int* fd : {&peak_fd_, &freezer_fd_}) {
    if (*fd >= 0) {
      ::close(std::exchange(*fd, -1));
    }
  }
}

int SandboxCgroup::enter(std::size_t* failed_file) const noexcept {
  for (std::size_t i = 0; i < procs_files_.size(); ++i) {
    const int fd = ::open(procs_files_[i].c_str(), O_WRONLY | O_CLOEXEC);
    const int err = fd < 0 || ::write(fd, "0", 1) != 1 ? errno : 0;
    if (fd >= 0) {
      ::close(fd);
    }
    if (err != 0) {
      *failed_file = i;
      return err;
    }
  }
  return 0;
}

bool SandboxCgroup::start_freeze(std::string& error) {
  return write_freezer(true, error);
}

bool SandboxCgroup::write_freezer(bool frozen, std::string& error) {
  if (freezer_v_ == CgroupVersion::none) {
    error = "no freezer";
    return false;
  }
  const bool v1 = freezer_v_ == CgroupVersion::v1;
  const std::string_view state = v1 ? (frozen ? "FROZEN" : "THAWED") : (frozen ? "1" : "0");
  const ssize_t n = ::pwrite(freezer_fd_, state.data(), state.size(), 0);
  if (n != static_cast<ssize_t>(state.size())) {
    error = failure("write to", freezer_file(), n < 0 ? errno : EIO);
    return false;
  }
  return true;
}

std::string SandboxCgroup::freezer_file() const {
  return freezer_dir_ + (freezer_v_ == CgroupVersion::v1 ? "/freezer.state" : "/cgroup.freeze");
}

bool SandboxCgroup::freeze(std::string& error) {
  if (!start_freeze(error)) {
    return false;
  }
  if (!poll_until([this] { return frozen(); })) {
    error = "not frozen after 1 s (" + freezer_dir_ + "): a process in uninterruptible sleep?";
    return false;
  }
  return true;
}

bool SandboxCgroup::thaw(std::string& error) {
  return write_freezer(false, error);
}

bool SandboxCgroup::frozen() const {
  if (freezer_v_ == CgroupVersion::v1) {
    std::string state;
    return read_text(freezer_dir_ + "/freezer.state", state) == 0 && trim(state) == "FROZEN";
  }
  return freezer_v_ == CgroupVersion::v2 &&
         read_key(freezer_dir_ + "/cgroup.events", "frozen").value_or(0) == 1;
}

std::optional<std::int64_t> SandboxCgroup::peak_memory_bytes() const {
  if (memory_v_ == CgroupVersion::v1) {
    return read_int(memory_dir_ + "/memory.max_usage_in_bytes");
  }
  if (memory_v_ != CgroupVersion::v2) {
    return std::nullopt;
  }
  if (peak_fd_ >= 0) {
    char buf[32];
    const ssize_t n = ::pread(peak_fd_, buf, sizeof buf, 0);
    return n > 0 ? to_int(std::string_view(buf, static_cast<std::size_t>(n))) : std::nullopt;
  }
  const std::optional<std::int64_t> now = read_int(memory_dir_ + "/memory.current");
  if (now) {
    sampled_peak_ = std::max(sampled_peak_, *now);
  }
  return now ? std::optional<std::int64_t>(sampled_peak_) : std::nullopt;
}

bool SandboxCgroup::reset_peak_memory() {
  if (memory_v_ == CgroupVersion::v1) {
    return write_text(memory_dir_ + "/memory.max_usage_in_bytes", "0") == 0;
  }
  if (memory_v_ != CgroupVersion::v2) {
    return false;
  }
  if (peak_fd_ < 0) {
    sampled_peak_ = 0;
    return true;
  }
  // Since 6.12 a write resets the peak for reads through the same open file.
  return peak_resettable_ && ::pwrite(peak_fd_, "reset", 5, 0) == 5;
}

std::optional<std::uint64_t> SandboxCgroup::oom_kills() const {
  std::optional<std::int64_t> n;
  if (memory_v_ == CgroupVersion::v1) {
    n = read_key(memory_dir_ + "/memory.oom_control", "oom_kill");
  } else if (memory_v_ == CgroupVersion::v2) {
    n = read_key(memory_dir_ + "/memory.events", "oom_kill");
  }
  return n && *n >= 0 ? std::optional<std::uint64_t>(static_cast<std::uint64_t>(*n)) : std::nullopt;
}

std::optional<std::int64_t> SandboxCgroup::cpu_usage_ns() const {
  if (usage_v_ == CgroupVersion::v1) {
    return read_int(usage_dir_ + "/cpuacct.usage");
  }
  if (usage_v_ == CgroupVersion::v2) {
    const auto us = read_key(usage_dir_ + "/cpu.stat", "usage_usec");
    return us ? std::optional<std::int64_t>(*us * 1000) : std::nullopt;
  }
  return std::nullopt;
}

void SandboxCgroup::kill_members() const {
  const pid_t self = ::getpid();
  for (const std::string& dir : dirs_) {
    if (write_text(dir + "/cgroup.kill", "1") == 0) {
      continue;  // v2 since 5.14: the kernel kills them all, forks in flight included
    }
    std::string pids;
    if (read_text(dir + "/cgroup.procs", pids) != 0) {
      continue;
    }
    for (std::string_view line : split(pids, '\n')) {
      // 0 would be our own process group; pids of other namespaces read as 0 too.
      if (const auto pid = to_int(line); pid && *pid > 0 && *pid != self) {
        ::kill(static_cast<pid_t>(*pid), SIGKILL);
      }
    }
  }
}

bool SandboxCgroup::remove(std::string& error) {
  if (dirs_.empty()) {
    return true;
  }
  std::string busy;
  const bool removed = poll_until([this, &busy] {
    // Killed again on each round: a fork may have raced the last one.
    kill_members();
    if (freezer_v_ != CgroupVersion::none) {
      std::string ignored;
      thaw(ignored);  // v1 keeps killed processes frozen, and so alive, until thawed
    }
    while (!dirs_.empty()) {
      if (::rmdir(dirs_.back().c_str()) != 0 && errno != ENOENT) {
        busy = failure("rmdir", dirs_.back(), errno);
        return false;
      }
      dirs_.pop_back();
      procs_files_.pop_back();
    }
    return true;
  });
  if (!removed) {
    error = busy;
  }
  return removed;
}

}  // namespace lambda_emu::process

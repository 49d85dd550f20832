#pragma once
// Lambda's resource shape for a sandbox, from cgroups: a CPU quota that follows the memory size
// (one vCPU at 1,769 MB, capped at the host's CPUs), a hard memory limit with the kernel's OOM
// killer acting inside it, and a freezer for the time between invokes. Every process of the
// sandbox joins its cgroup between fork and execve; what they start inherits it.
//
// The groups go below the emulator's own cgroup in each hierarchy:
// <hierarchy>/<own cgroup>/lambda-emu-<pid>/<sandbox>. cgroup v2 is used when it offers all three;
// otherwise the v1 hierarchies (cpu, cpuacct, memory, freezer), with v2 filling a gap v1 leaves
// (e.g. cgroup.freeze). A capability that neither offers is reported missing on its own.
//
// The driver, once at start (probe_cgroups warns once, naming what is missing and why):
//
//   const process::CgroupSupport cgroups = process::probe_cgroups(log);
//
// per sandbox (the name must be unique among the emulator's live sandboxes):
//
//   std::string error;
//   cgroup_ = process::SandboxCgroup::create(cgroups, "sandbox-3", {.memory_mb = 512}, error);
//   if (!cgroup_ && cgroups.any()) log.warn("[sandbox-3] no cgroup: {}", error);
//
// in every child of the sandbox, between fork and execve (async-signal-safe), before
// SandboxSetup::enter() while the child still has the emulator's credentials:
//
//   std::size_t failed = 0;
//   if (const int err = cgroup->enter(&failed); err != 0) report(procs_files()[failed], err);
//
// around invokes: freeze(error) after one ends, thaw(error) before the next event; "Max Memory
// Used" from peak_memory_bytes(), an OOM kill from oom_kills() rising across the invoke. A process
// frozen by v1 does not die of SIGKILL until thawed: thaw before the supervisor kills a frozen
// sandbox and waits for the exits. The SandboxCgroup goes after the supervisor's kill_all(); it
// kills whatever is left anyway. At exit, after every SandboxCgroup is gone:
// process::remove_cgroup_parents(cgroups).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/logger.h>

namespace lambda_emu::process {

enum class CgroupVersion { none, v1, v2 };

// Where one capability lives: the per-emulator parent directory <hierarchy>/<own>/lambda-emu-<pid>,
// which the probe created. Sandboxes are directories below it.
struct CgroupPlace {
  CgroupVersion version = CgroupVersion::none;
  std::string parent;
};

struct CgroupSupport {
  CgroupPlace cpu;           // the CPU quota
  CgroupPlace memory;        // the hard limit, OOM kills, peak memory
  CgroupPlace freezer;       // freeze() and thaw()
  CgroupPlace cpu_usage;     // cpu_usage_ns(): v1 cpuacct.usage or v2 cpu.stat
  std::string freezer_hold;  // v1: an empty group below freezer.parent, frozen while we run
  std::string reason;        // which of cpu, memory and freezer are missing and why; empty: none

  [[nodiscard]] bool any() const {
    return cpu.version != CgroupVersion::none || memory.version != CgroupVersion::none ||
           freezer.version != CgroupVersion::none;
  }
};

struct CgroupProbeOptions {
  bool v1 = true;  // tests turn one version off to reach the other
  bool v2 = true;
  bool hold_freezer = true;  // false where no sandbox will be frozen by the cgroup
};

// Finds the cgroup mounts and the emulator's own cgroups, creates the parent directories
// lambda-emu-<pid> where they are usable and keeps those the decision uses. Logs a warning naming
// what is missing and why. Call once, before creating sandboxes. In v2 it may enable the cpu and
// memory controllers in the emulator's own cgroup.subtree_control; that stays after exit.
[[nodiscard]] CgroupSupport probe_cgroups(spdlog::logger& log,
                                          const CgroupProbeOptions& options = {});

// Removes the freezer hold and the parent directories the probe made; those that still hold
// sandboxes stay.
void remove_cgroup_parents(const CgroupSupport& support);

// The CPU share of one sandbox: quota_us of CPU time every period_us.
struct CpuQuota {
  std::int64_t quota_us = 0;
  std::int64_t period_us = 0;
  double cpus = 0;      // memory_mb / 1769, capped at the host's CPUs
  bool capped = false;  // the host has fewer CPUs than the memory size would give
};

// Lambda's rule: one full vCPU at 1,769 MB, in proportion below and above it. The period is short
// (20 ms) so a fraction of a CPU is a steady slowdown even for work of a few tens of ms, not a run
// at full speed followed by a long throttle (the kernel's default 100 ms period gives a 512 MB
// sandbox 1.6x instead of 3.5x for 55 ms of work); at 128 MB it still leaves the kernel's minimum
// quota of 1 ms.
[[nodiscard]] CpuQuota cpu_quota_for_memory(int memory_mb, unsigned host_cpus,
                                            std::int64_t period_us = 20'000);

// The CPUs this process may run on (sched_getaffinity), else std::thread::hardware_concurrency().
[[nodiscard]] unsigned host_cpu_count();

struct CgroupLimits {
  int memory_mb = 128;
  bool limit_cpu = true;     // false: the group only measures CPU time
  bool limit_memory = true;  // false: the group only measures memory and counts OOM kills
};

// One sandbox's cgroups, a directory per hierarchy in use. Destruction kills what is still inside
// and removes the directories.
class SandboxCgroup {
 public:
  // nullopt, with `error` set, when no capability is available, `name` is not a single path
  // component, or a directory or limit cannot be made.
  [[nodiscard]] static std::optional<SandboxCgroup> create(const CgroupSupport& support,
                                                           std::string_view name,
                                                           const CgroupLimits& limits,
                                                           std::string& error);

  SandboxCgroup(SandboxCgroup&& other) noexcept;
  SandboxCgroup& operator=(SandboxCgroup&& other) noexcept;  // removes this one's groups first
  SandboxCgroup(const SandboxCgroup&) = delete;
  SandboxCgroup& operator=(const SandboxCgroup&) = delete;
  ~SandboxCgroup();

  // In the child, between fork and execve; async-signal-safe. Writes "0" into every procs file,
  // which moves the calling process. Returns 0, or the errno and the failed file's index.
  int enter(std::size_t* failed_file) const noexcept;
  // The cgroup.procs files enter() writes: one per v1 hierarchy, one in v2.
  [[nodiscard]] const std::vector<std::string>& procs_files() const { return procs_files_; }
  [[nodiscard]] const std::vector<std::string>& dirs() const { return dirs_; }

  // Asks the kernel to freeze every process and returns at once; frozen() tells when it is done.
  // Usually at once; a busy process waits for the CPU, up to a quota period (100 ms) when
  // throttled, and one in uninterruptible sleep for its wakeup.
  bool start_freeze(std::string& error);
  // start_freeze(), then waits for frozen() (v1 reads FREEZING meanwhile); gives up after about a
  // second, the freeze still pending.
  bool freeze(std::string& error);
  bool thaw(std::string& error);
  [[nodiscard]] bool frozen() const;
  [[nodiscard]] bool can_freeze() const { return freezer_v_ != CgroupVersion::none; }

  // The group's peak memory use (v1 includes its page cache), since create or reset_peak_memory().
  // Without v2's memory.peak (before 5.19) the largest memory.current read here so far.
  [[nodiscard]] std::optional<std::int64_t> peak_memory_bytes() const;
  // false where the kernel cannot reset the peak (v2 before 6.12); it then counts from create.
  bool reset_peak_memory();
  // OOM kills in the group so far; nullopt when the kernel does not count them (v1 before 4.13).
  [[nodiscard]] std::optional<std::uint64_t> oom_kills() const;
  // CPU time the group's processes used, for measuring.
  [[nodiscard]] std::optional<std::int64_t> cpu_usage_ns() const;
  // The quota applied; nullopt without a CPU limit.
  [[nodiscard]] const std::optional<CpuQuota>& cpu_quota() const { return quota_; }

  // Applies the limits of a new memory size: the memory limit and the CPU quota that follows it.
  bool update_memory(int memory_mb, std::string& error);

  // Kills every process left inside (thawing them, or v1 would keep them frozen), then removes the
  // directories, retrying for about a second while the kernel finishes the exits.
  bool remove(std::string& error);

 private:
  SandboxCgroup() = default;
  void take(SandboxCgroup& other) noexcept;
  bool apply(int memory_mb, std::string& error);
  // freezer.state FROZEN/THAWED (v1) or cgroup.freeze 1/0 (v2).
  bool write_freezer(bool frozen, std::string& error);
  [[nodiscard]] std::string freezer_file() const;  // the file write_freezer() writes
  void kill_members() const;
  void close_files() noexcept;

  CgroupVersion cpu_v_ = CgroupVersion::none, memory_v_ = CgroupVersion::none,
                freezer_v_ = CgroupVersion::none, usage_v_ = CgroupVersion::none;
  std::string cpu_dir_, memory_dir_, freezer_dir_, usage_dir_;
  std::vector<std::string> dirs_;
  std::vector<std::string> procs_files_;
  CgroupLimits limits_;
  std::optional<CpuQuota> quota_;
  bool has_memsw_ = false;                 // v1 memory.memsw.limit_in_bytes (swap accounting)
  int peak_fd_ = -1;                       // v2 memory.peak: its reset applies to one open file
  int freezer_fd_ = -1;                    // freezer.state or cgroup.freeze, written per invoke
  bool peak_resettable_ = false;           // peak_fd_ opened for writing
  mutable std::int64_t sampled_peak_ = 0;  // v2 without memory.peak
};

// --- pure parts, unit-tested -------------------------------------------------------------------

// One line of /proc/self/cgroup: "4:memory:/a/b"; v2 is hierarchy 0 with no controllers ("0::/").
struct CgroupMembership {
  int hierarchy = 0;
  std::vector<std::string> controllers;  // "cpu", "cpuacct", "name=systemd", ...
  std::string path;
};
[[nodiscard]] std::vector<CgroupMembership> parse_proc_self_cgroup(std::string_view text);

// A cgroup or cgroup2 line of /proc/self/mountinfo.
struct CgroupMount {
  bool v2 = false;
  std::string mount_point;
  std::string root;                      // the cgroup shown at mount_point, "/" for the whole tree
  std::vector<std::string> controllers;  // v1: from the super options ("rw,cpu,cpuacct")
};
[[nodiscard]] std::vector<CgroupMount> parse_mountinfo_cgroups(std::string_view text);

// The emulator's own cgroup as a directory: in the v1 hierarchy holding `controller`, or in v2
// when `controller` is empty. Empty, with `why` set, when it is not mounted or not visible.
[[nodiscard]] std::string own_cgroup_dir(const std::vector<CgroupMembership>& memberships,
                                         const std::vector<CgroupMount>& mounts,
                                         std::string_view controller, std::string& why);

// The number after `key` in a flat keyed file: "oom_kill 3" in memory.oom_control or
// memory.events, "frozen 1" in cgroup.events, "usage_usec 42" in cpu.stat.
[[nodiscard]] std::optional<std::int64_t> cgroup_key_value(std::string_view text,
                                                           std::string_view key);

// One capability in one version, as the probe found it: usable when `parent` is set.
struct CgroupCandidate {
  std::string parent;
  std::string why_not;
};
struct CgroupFindings {
  CgroupCandidate v1_cpu, v1_memory, v1_freezer, v1_cpuacct;
  CgroupCandidate v2_cpu, v2_memory, v2_freezer, v2_cpu_stat;
};

// v2 for everything when it has cpu, memory and the freezer; else per capability v1, then v2.
[[nodiscard]] CgroupSupport decide_cgroups(const CgroupFindings& findings);

}  // namespace lambda_emu::process

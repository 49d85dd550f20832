#include "process/cgroup.hpp"

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <catch2/catch.hpp>

using namespace lambda_emu;
using process::CgroupVersion;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// The cgroup tests exercise the kernel itself, so they wait in real time, briefly.
void wait_for(std::chrono::milliseconds d) {
  boost::asio::io_context ioc;
  boost::asio::steady_timer timer(ioc, d);
  timer.wait();
}

template <typename Done>
bool wait_until(Done done, std::chrono::milliseconds limit = 5s) {
  for (auto waited = 0ms; !done(); waited += 5ms) {
    if (waited >= limit) {
      return false;
    }
    wait_for(5ms);
  }
  return true;
}

// Probed once per test binary, as the driver does once per run; the parents go at exit.
struct Probed {
  process::CgroupSupport support;
  ~Probed() { process::remove_cgroup_parents(support); }
};

const process::CgroupSupport& support() {
  static const Probed p{process::probe_cgroups(*spdlog::default_logger())};
  return p.support;
}

const process::CgroupSupport& v2_support() {
  static const Probed p{process::probe_cgroups(*spdlog::default_logger(), {.v1 = false})};
  return p.support;
}

std::string unique_name() {
  static std::atomic<int> n{0};
  return "test-" + std::to_string(n++);
}

std::string read(const fs::path& path) {
  std::ostringstream out;
  out << std::ifstream(path).rdbuf();
  return out.str();
}

// The directory of `cg` that holds `file`, or empty.
fs::path dir_with(const process::SandboxCgroup& cg, const char* file) {
  for (const std::string& dir : cg.dirs()) {
    if (fs::exists(fs::path(dir) / file)) {
      return dir;
    }
  }
  return {};
}

// A child that joins the sandbox between fork and execve, as the supervisor's children will.
pid_t start_in(const process::SandboxCgroup& cg, const std::string& script) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::size_t failed = 0;
    if (cg.enter(&failed) != 0) {
      ::_exit(126);
    }
    ::execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

// The child's wait status, or -1 when it did not end within the limit.
int wait_exit(pid_t pid, std::chrono::milliseconds limit = 10s) {
  int status = -1;
  const bool ended = wait_until([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, limit);
  return ended ? status : -1;
}

bool killed_by_sigkill(int status) {
  return status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

struct TempFile {
  fs::path path = fs::temp_directory_path() /
                  ("lambda-emu-cgroup-" + std::to_string(::getpid()) + "-" + unique_name());
  ~TempFile() {
    std::error_code ec;
    fs::remove(path, ec);
  }
  std::uintmax_t size() const {
    std::error_code ec;
    const auto n = fs::file_size(path, ec);
    return ec ? 0 : n;
  }
};

// This machine's files: v1 hierarchies beside an empty v2 one.
constexpr const char* hybrid_cgroup =
    "9:name=systemd:/\n8:pids:/\n6:freezer:/\n4:memory:/process_api/abc\n2:cpuacct:/\n"
    "1:cpu:/\n0::/\n";
constexpr const char* hybrid_mountinfo =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

}  // namespace

// --- pure parts ----------------------------------------------------------------------------------

TEST_CASE("cgroup: the CPU quota follows the memory size, one vCPU at 1769 MB",
          "[process][cgroup]") {
  const process::CpuQuota small = process::cpu_quota_for_memory(128, 2);
  CHECK(small.cpus == Approx(0.07236).epsilon(0.001));
  CHECK(small.quota_us == 1447);
  CHECK(small.period_us == 20'000);
  CHECK_FALSE(small.capped);

  const process::CpuQuota one = process::cpu_quota_for_memory(1769, 2);
  CHECK(one.cpus == Approx(1.0));
  CHECK(one.quota_us == 20'000);
  CHECK_FALSE(one.capped);

  const process::CpuQuota big = process::cpu_quota_for_memory(10240, 2);
  CHECK(big.cpus == Approx(2.0));
  CHECK(big.quota_us == 40'000);
  CHECK(big.capped);
  CHECK_FALSE(process::cpu_quota_for_memory(10240, 8).capped);

  CHECK(process::cpu_quota_for_memory(1769, 1, 50'000).quota_us == 50'000);
  CHECK(process::cpu_quota_for_memory(1, 2).quota_us == 1000);  // the kernel's minimum
  CHECK(process::host_cpu_count() >= 1);
}

TEST_CASE("cgroup: /proc/self/cgroup lists each hierarchy's controllers and path",
          "[process][cgroup]") {
  const auto m = process::parse_proc_self_cgroup(hybrid_cgroup);
  REQUIRE(m.size() == 7);
  CHECK(m[0].hierarchy == 9);
  CHECK(m[0].controllers == std::vector<std::string>{"name=systemd"});
  CHECK(m[3].controllers == std::vector<std::string>{"memory"});
  CHECK(m[3].path == "/process_api/abc");
  CHECK(m[6].hierarchy == 0);
  CHECK(m[6].controllers.empty());
  CHECK(m[6].path == "/");

  const auto comounted = process::parse_proc_self_cgroup("3:cpu,cpuacct:/a/b\n");
  REQUIRE(comounted.size() == 1);
  CHECK(comounted[0].controllers == std::vector<std::string>{"cpu", "cpuacct"});
}

TEST_CASE("cgroup: mountinfo gives the cgroup mounts, their roots and controllers",
          "[process][cgroup]") {
  const auto mounts = process::parse_mountinfo_cgroups(
      std::string(hybrid_mountinfo) +
      "50 23 0:40 /docker/x /mnt/my\\040cgroups rw shared:9 master:2 - cgroup cgroup "
      "rw,cpu,cpuacct\n"
      "51 23 0:41 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n"
      "52 23 8:1 / / rw - ext4 /dev/sda1 rw\n");
  REQUIRE(mounts.size() == 8);
  CHECK_FALSE(mounts[0].v2);
  CHECK(mounts[0].mount_point == "/sys/fs/cgroup/cpu");
  CHECK(mounts[0].root == "/");
  CHECK(mounts[0].controllers == std::vector<std::string>{"cpu"});
  CHECK(mounts[4].controllers == std::vector<std::string>{"name=systemd"});
  CHECK(mounts[5].v2);
  CHECK(mounts[5].mount_point == "/sys/fs/cgroup/unified");
  CHECK(mounts[6].mount_point == "/mnt/my cgroups");
  CHECK(mounts[6].root == "/docker/x");
  CHECK(mounts[6].controllers == std::vector<std::string>{"cpu", "cpuacct"});
  CHECK(mounts[7].v2);
}

TEST_CASE("cgroup: the own directory is the mount point plus the own path below its root",
          "[process][cgroup]") {
  const auto m = process::parse_proc_self_cgroup(hybrid_cgroup);
  const auto mounts = process::parse_mountinfo_cgroups(hybrid_mountinfo);
  std::string why;
  CHECK(process::own_cgroup_dir(m, mounts, "memory", why) ==
        "/sys/fs/cgroup/memory/process_api/abc");
  CHECK(process::own_cgroup_dir(m, mounts, "cpu", why) == "/sys/fs/cgroup/cpu");
  CHECK(process::own_cgroup_dir(m, mounts, "", why) == "/sys/fs/cgroup/unified");
  CHECK(why.empty());

  SECTION("a hierarchy the emulator is in but nobody mounted") {
    CHECK(process::own_cgroup_dir(m, mounts, "pids", why).empty());
    CHECK(why == "the pids hierarchy is not mounted");
  }
  SECTION("a controller the kernel does not have") {
    CHECK(process::own_cgroup_dir(m, mounts, "hugetlb", why).empty());
    CHECK(why == "the emulator is in no cgroup of the hugetlb hierarchy (/proc/self/cgroup)");
  }
  SECTION("a mount showing a subtree, as in a container") {
    const auto sub = process::parse_mountinfo_cgroups(
        "1 0 0:1 /docker/x /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
    CHECK(process::own_cgroup_dir(process::parse_proc_self_cgroup("0::/docker/x/app\n"), sub, "",
                                  why) == "/sys/fs/cgroup/app");
    CHECK(process::own_cgroup_dir(process::parse_proc_self_cgroup("0::/docker/x\n"), sub, "",
                                  why) == "/sys/fs/cgroup");
    CHECK(process::own_cgroup_dir(process::parse_proc_self_cgroup("0::/docker/xy\n"), sub, "", why)
              .empty());
    CHECK(why == "the emulator's cgroup /docker/xy is outside every mount of cgroup v2");
  }
}

TEST_CASE("cgroup: keyed values read from oom_control, memory.events, cgroup.events, cpu.stat",
          "[process][cgroup]") {
  CHECK(process::cgroup_key_value("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n", "oom_kill") ==
        3);
  const char* events = "low 0\nhigh 0\nmax 12\noom 4\noom_kill 2\noom_group_kill 0\n";
  CHECK(process::cgroup_key_value(events, "oom_kill") == 2);
  CHECK(process::cgroup_key_value(events, "oom") == 4);
  CHECK(process::cgroup_key_value("populated 1\nfrozen 1\n", "frozen") == 1);
  CHECK(process::cgroup_key_value("usage_usec 1500\nuser_usec 1000\n", "usage_usec") == 1500);
  CHECK_FALSE(process::cgroup_key_value("oom_kill_disable 0\nunder_oom 0\n", "oom_kill"));
  CHECK_FALSE(process::cgroup_key_value("", "frozen"));
}

TEST_CASE("cgroup: v2 when it has all three, else v1, each gap filled from the other",
          "[process][cgroup]") {
  process::CgroupFindings f;
  const process::CgroupCandidate v1{"/v1/x/lambda-emu-1", ""};
  const process::CgroupCandidate v2{"/v2/lambda-emu-1", ""};
  const process::CgroupCandidate none_v1{"", "no v1 reason"};
  const process::CgroupCandidate none_v2{"", "no v2 reason"};

  SECTION("v2 with everything wins over v1") {
    f = {v1, v1, v1, v1, v2, v2, v2, v2};
    const auto s = process::decide_cgroups(f);
    CHECK(s.cpu.version == CgroupVersion::v2);
    CHECK(s.memory.version == CgroupVersion::v2);
    CHECK(s.freezer.version == CgroupVersion::v2);
    CHECK(s.cpu_usage.version == CgroupVersion::v2);
    CHECK(s.memory.parent == v2.parent);
    CHECK(s.reason.empty());
  }
  SECTION("a hybrid machine: v1 has everything, v2 only the freezer") {
    f = {v1, v1, v1, v1, none_v2, none_v2, v2, v2};
    const auto s = process::decide_cgroups(f);
    CHECK(s.cpu.version == CgroupVersion::v1);
    CHECK(s.memory.version == CgroupVersion::v1);
    CHECK(s.freezer.version == CgroupVersion::v1);
    CHECK(s.cpu_usage.version == CgroupVersion::v1);
    CHECK(s.reason.empty());
  }
  SECTION("v1 without a freezer takes v2's") {
    f = {v1, v1, none_v1, v1, none_v2, none_v2, v2, v2};
    const auto s = process::decide_cgroups(f);
    CHECK(s.memory.version == CgroupVersion::v1);
    CHECK(s.freezer.version == CgroupVersion::v2);
    CHECK(s.freezer.parent == v2.parent);
    CHECK(s.reason.empty());
  }
  SECTION("a capability neither has is reported with both reasons") {
    f = {v1, none_v1, v1, v1, none_v2, none_v2, none_v2, none_v2};
    const auto s = process::decide_cgroups(f);
    CHECK(s.memory.version == CgroupVersion::none);
    CHECK(s.any());
    CHECK(s.reason == "no memory limit (v1: no v1 reason; v2: no v2 reason)");
  }
  SECTION("nothing at all") {
    f = {none_v1, none_v1, none_v1, none_v1, none_v2, none_v2, none_v2, none_v2};
    const auto s = process::decide_cgroups(f);
    CHECK_FALSE(s.any());
    CHECK(s.reason ==
          "no CPU quota (v1: no v1 reason; v2: no v2 reason); no memory limit (v1: no v1 reason; "
          "v2: no v2 reason); no freezer (v1: no v1 reason; v2: no v2 reason)");
  }
}

TEST_CASE("cgroup: a name must be one path component", "[process][cgroup]") {
  std::string error;
  CHECK_FALSE(process::SandboxCgroup::create(support(), "a/b", {}, error));
  CHECK_FALSE(error.empty());
  error.clear();
  CHECK_FALSE(process::SandboxCgroup::create(support(), "..", {}, error));
  CHECK_FALSE(error.empty());
}

// --- the kernel ----------------------------------------------------------------------------------

TEST_CASE("cgroup: a sandbox past its memory limit is OOM-killed and the kill is counted",
          "[process][cgroup]") {
  const auto& s = support();
  if (s.memory.version == CgroupVersion::none) {
    WARN("skipped: " << s.reason);
    return;
  }
  std::string error;
  // No CPU quota: at 64 MB it would be 4% of a CPU, and touching the pages slow.
  auto cg = process::SandboxCgroup::create(s, unique_name(), {.memory_mb = 64, .limit_cpu = false},
                                           error);
  REQUIRE(cg);
  const auto before = cg->oom_kills();
  REQUIRE(before);

  const pid_t pid = ::fork();
  if (pid == 0) {
    std::size_t failed = 0;
    if (cg->enter(&failed) != 0) {
      ::_exit(126);
    }
    constexpr std::size_t size = 256 << 20;
    auto* p = static_cast<volatile char*>(
        ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    for (std::size_t i = 0; p != MAP_FAILED && i < size; i += 4096) {
      p[i] = 1;
    }
    ::_exit(0);
  }
  REQUIRE(pid > 0);
  CHECK(killed_by_sigkill(wait_exit(pid)));
  CHECK(cg->oom_kills() > before);
  const auto peak = cg->peak_memory_bytes();
  REQUIRE(peak);
  CHECK(*peak > (32 << 20));
  CHECK(*peak <= (64 << 20));

  CHECK(cg->reset_peak_memory());
  CHECK(cg->peak_memory_bytes() < peak);
}

namespace {

void check_freezer(const process::CgroupSupport& s) {
  if (s.freezer.version == CgroupVersion::none) {
    WARN("skipped: " << s.reason);
    return;
  }
  TempFile file;
  std::string error;
  auto cg = process::SandboxCgroup::create(s, unique_name(), {}, error);
  REQUIRE(cg);
  // A busy process beside the writer: freezing it waits for the CPU (v1 reads FREEZING), up to a
  // quota period where the quota throttles it.
  const pid_t pid = start_in(*cg, "(while :; do :; done) & while :; do echo x >> '" +
                                      file.path.string() + "'; sleep 0.01; done");
  REQUIRE(pid > 0);
  REQUIRE(wait_until([&] { return file.size() > 0; }));

  CHECK_FALSE(cg->frozen());
  INFO(error);
  REQUIRE(cg->freeze(error));
  CHECK(cg->frozen());
  const auto frozen_size = file.size();
  wait_for(100ms);
  CHECK(file.size() == frozen_size);

  REQUIRE(cg->thaw(error));
  CHECK_FALSE(cg->frozen());
  CHECK(wait_until([&] { return file.size() > frozen_size; }, 2s));

  // Frozen again, then removed: the kill must still go through.
  REQUIRE(cg->freeze(error));
  CHECK(cg->remove(error));
  CHECK(killed_by_sigkill(wait_exit(pid)));
}

}  // namespace

TEST_CASE("cgroup: a frozen sandbox makes no progress until thawed", "[process][cgroup]") {
  check_freezer(support());
}

TEST_CASE("cgroup: the v2 freezer alone, where v2 has no cpu or memory controller",
          "[process][cgroup]") {
  const auto& s = v2_support();
  CHECK(s.memory.version != CgroupVersion::v1);
  CHECK(s.freezer.version != CgroupVersion::v1);
  check_freezer(s);
}

TEST_CASE("cgroup: a v1 freezer gets an empty group kept frozen, removed with the parents",
          "[process][cgroup]") {
  const auto& s = support();
  if (s.freezer.version != CgroupVersion::v1) {
    CHECK(s.freezer_hold.empty());
    WARN("skipped: no v1 freezer");
    return;
  }
  REQUIRE_FALSE(s.freezer_hold.empty());
  CHECK(fs::path(s.freezer_hold).parent_path() == fs::path(s.freezer.parent));
  CHECK(read(s.freezer_hold + "/freezer.state").starts_with("FROZEN"));
  CHECK(read(s.freezer_hold + "/cgroup.procs").empty());

  // Removed as at exit: only the hold here, the parent is still in use by the other tests.
  process::CgroupSupport only_hold;
  only_hold.freezer_hold = s.freezer_hold;
  process::remove_cgroup_parents(only_hold);
  CHECK_FALSE(fs::exists(s.freezer_hold));

  // Not where no sandbox will be frozen by the cgroup (--freeze signals or off).
  const process::CgroupSupport without =
      process::probe_cgroups(*spdlog::default_logger(), {.hold_freezer = false});
  CHECK(without.freezer_hold.empty());
  CHECK_FALSE(fs::exists(s.freezer_hold));
}

TEST_CASE("cgroup: the quota and limit files hold the computed values", "[process][cgroup]") {
  const auto& s = support();
  if (s.cpu.version == CgroupVersion::none || s.memory.version == CgroupVersion::none) {
    WARN("skipped: " << s.reason);
    return;
  }
  const bool v1 = s.cpu.version == CgroupVersion::v1;
  std::string error;
  auto cg = process::SandboxCgroup::create(s, unique_name(), {.memory_mb = 128}, error);
  REQUIRE(cg);
  const process::CpuQuota expected = process::cpu_quota_for_memory(128, process::host_cpu_count());
  REQUIRE(cg->cpu_quota());
  CHECK(cg->cpu_quota()->quota_us == expected.quota_us);

  const fs::path cpu = dir_with(*cg, v1 ? "cpu.cfs_quota_us" : "cpu.max");
  REQUIRE_FALSE(cpu.empty());
  if (v1) {
    CHECK(read(cpu / "cpu.cfs_quota_us") == std::to_string(expected.quota_us) + "\n");
    CHECK(read(cpu / "cpu.cfs_period_us") == std::to_string(expected.period_us) + "\n");
  } else {
    CHECK(read(cpu / "cpu.max") ==
          std::to_string(expected.quota_us) + " " + std::to_string(expected.period_us) + "\n");
  }

  const char* limit_file = v1 ? "memory.limit_in_bytes" : "memory.max";
  const fs::path memory = dir_with(*cg, limit_file);
  REQUIRE_FALSE(memory.empty());
  auto check_limit = [&](int mb) {
    const std::string bytes = std::to_string(std::int64_t{mb} << 20) + "\n";
    CHECK(read(memory / limit_file) == bytes);
    if (v1 && fs::exists(memory / "memory.memsw.limit_in_bytes")) {
      CHECK(read(memory / "memory.memsw.limit_in_bytes") == bytes);
    }
  };
  check_limit(128);

  SECTION("raised and lowered again, swap limit included") {
    REQUIRE(cg->update_memory(3538, error));
    check_limit(3538);
    const auto two = process::cpu_quota_for_memory(3538, process::host_cpu_count());
    CHECK(cg->cpu_quota()->quota_us == two.quota_us);
    CHECK(cg->cpu_quota()->capped == (process::host_cpu_count() < 2));
    REQUIRE(cg->update_memory(128, error));
    check_limit(128);
    CHECK(cg->cpu_quota()->quota_us == expected.quota_us);
  }
  SECTION("CPU time is measured") {
    if (s.cpu_usage.version == CgroupVersion::none) {
      WARN("no CPU usage measurement: " << s.reason);
      return;
    }
    CHECK(cg->cpu_usage_ns() == 0);
    const pid_t pid = start_in(*cg, "i=0; while [ $i -lt 3000 ]; do i=$((i+1)); done");
    REQUIRE(pid > 0);
    const int status = wait_exit(pid);
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    CHECK(cg->cpu_usage_ns() > 0);
  }
}

TEST_CASE("cgroup: destruction kills what is left and removes the directories",
          "[process][cgroup]") {
  const auto& s = support();
  if (!s.any()) {
    WARN("skipped: " << s.reason);
    return;
  }
  std::string error;
  auto cg = process::SandboxCgroup::create(s, unique_name(), {}, error);
  REQUIRE(cg);
  const std::vector<std::string> dirs = cg->dirs();
  REQUIRE_FALSE(dirs.empty());
  for (const std::string& d : dirs) {
    CHECK(fs::is_directory(d));
  }
  CHECK(cg->procs_files().size() == dirs.size());

  const pid_t pid = start_in(*cg, "sleep 30 & sleep 30");
  REQUIRE(pid > 0);
  // Moved around as a driver member would be; only the last owner removes.
  std::optional<process::SandboxCgroup> member = std::move(cg);
  cg.reset();
  CHECK(wait_until([&] { return !read(member->procs_files()[0]).empty(); }));
  member.reset();
  for (const std::string& d : dirs) {
    CHECK_FALSE(fs::exists(d));
  }
  CHECK(killed_by_sigkill(wait_exit(pid)));
}

#include "run_context.hpp"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <exception>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

namespace bench {

namespace {

// "CPU scaling on, memory limit on, freezer cgroup", from a lambda-emu ready file.
std::string sandbox_shape(const std::string& ready_file) {
  std::ifstream in(ready_file);
  const nlohmann::json ready = nlohmann::json::parse(in, nullptr, false);
  if (ready.is_discarded()) {
    return "unknown (unreadable ready file)";
  }
  auto on = [&](const char* key) { return ready.value(key, false) ? "on" : "off"; };
  std::string shape = std::string("CPU scaling ") + on("cpu_scaling") + ", memory limit " +
                      on("memory_limit") + ", freezer " + ready.value("freezer", "?");
  if (!ready.value("cpu_scaling", false)) {
    shape += " (unthrottled: lambda-emu's log says why)";
  }
  return shape;
}

Child start_and_wait(Context& ctx, SpawnOptions spawn_options, const std::string& ready_file,
                     const std::string& key, const std::string& what) {
  Child child;
  try {
    child.pid = spawn(spawn_options);
  } catch (const std::exception& e) {
    ctx.failures.push_back(what + ": " + e.what());
    return {};
  }
  std::string error;
  auto address = wait_for_ready_file(ready_file, key, child.pid, kReadyTimeout, &error);
  if (!address) {
    stop_process(child.pid, SIGKILL, std::chrono::seconds(1));
    ctx.failures.push_back(what + ": " + error);
    return {};
  }
  child.address = *address;
  return child;
}

}  // namespace

Child start_emulator(Context& ctx, const std::vector<int>& cpus, const EmulatorLaunch& launch) {
  const auto ready = ctx.fresh_ready_file("emulator");
  SpawnOptions so;
  so.argv = {ctx.opt.emulator, "serve", "--listen", "127.0.0.1:0", "--ready-file", ready};
  if (launch.bootstrap.empty())
    so.argv.insert(so.argv.end(), {"--handler", "echo"});
  if (!launch.opt_dir.empty())
    so.argv.insert(so.argv.end(), {"--opt-dir", launch.opt_dir});
  so.argv.insert(so.argv.end(), launch.options.begin(), launch.options.end());
  so.argv.insert(so.argv.end(), ctx.opt.emulator_args.begin(), ctx.opt.emulator_args.end());
  so.argv.insert(so.argv.end(),
                 {"--", launch.bootstrap.empty() ? ctx.opt.runtime : launch.bootstrap});
  so.output_path = launch.output_path.empty() ? ctx.opt.emulator_log : launch.output_path;
  so.cpus = cpus;
  Child child = start_and_wait(ctx, so, ready, "invoke", "lambda-emu");
  if (child && ctx.sandboxes.empty()) {
    ctx.sandboxes = sandbox_shape(ready);
    ctx.notes.push_back("sandboxes: " + ctx.sandboxes);
  }
  return child;
}

Child start_floor_server(Context& ctx, std::vector<std::string> args, const std::vector<int>& cpus,
                         const std::string& what) {
  const auto ready = ctx.fresh_ready_file(what);
  SpawnOptions so;
  so.argv = {self_exe_path()};
  so.argv.insert(so.argv.end(), args.begin(), args.end());
  so.argv.insert(so.argv.end(), {"--ready-file", ready});
  so.inherit_stderr = true;
  so.cpus = cpus;
  return start_and_wait(ctx, so, ready, "listen", what);
}

void stop_child(Child& child) {
  if (child)
    stop_process(child.pid, SIGTERM, std::chrono::seconds(5));
  child.pid = -1;
}

std::vector<pid_t> descendants_of(pid_t pid) {
  std::vector<pid_t> out = children_of(pid);
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto more = children_of(out[i]);
    out.insert(out.end(), more.begin(), more.end());
  }
  return out;
}

void pin_emulator_children(const Context& ctx, const Child& emulator) {
  if (ctx.pinned)
    pin_emulator_children(emulator, ctx.cpu_b);
}

void pin_emulator_children(const Child& emulator, const std::vector<int>& cpus) {
  if (!emulator)
    return;
  for (const pid_t pid : descendants_of(emulator.pid))
    pin_process(pid, cpus);
}

std::size_t reap_leftovers() {
  auto left = children_of(getpid());
  const auto deadline = Clock::now() + std::chrono::milliseconds(300);
  while (!left.empty() && Clock::now() < deadline) {
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    left = children_of(getpid());
  }
  for (const pid_t pid : left)
    stop_process(pid, SIGKILL, std::chrono::seconds(1));
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }
  return left.size();
}

std::filesystem::path visible_scratch_dir(const std::string& prefix, std::string* error) {
  for (const char* base : {"/dev/shm", "/var/tmp"}) {
    std::string tmpl = std::string(base) + "/" + prefix + ".XXXXXX";
    if (mkdtemp(tmpl.data()))
      return tmpl;
  }
  *error = "cannot create a directory in /dev/shm or /var/tmp";
  return {};
}

std::string make_payload(std::size_t size) {
  if (size >= 11)
    return R"({"data":")" + std::string(size - 11, 'x') + R"("})";
  if (size >= 2)
    return '"' + std::string(size - 2, 'x') + '"';
  return std::string(size, '0');
}

}  // namespace bench

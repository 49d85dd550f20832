#include "emulator_variant.hpp"

#include <csignal>
#include <exception>
#include <fstream>

namespace bench {

bool start_variant(Context& ctx, EmulatorVariant& v) {
  const std::vector<int> none;
  v.child = start_emulator(ctx, ctx.pinned ? ctx.cpu_a : none,
                           {v.opt_dir, v.log_path, v.options, v.bootstrap});
  if (!v.child)
    return false;
  try {
    v.client = std::make_unique<HttpClient>(kColdTimeout);
    v.client->connect(parse_host_port(v.child.address));
  } catch (const std::exception& e) {
    ctx.failures.push_back("lambda-emu (" + v.label + "): cannot connect: " + e.what());
    return false;
  }
  return true;
}

void invoke_variant(EmulatorVariant& v, const std::string& payload, std::size_t n, PathRun* record,
                    int phase, bool compare_first, std::chrono::microseconds pause) {
  // Counted before sending: an invoke that fails mid-way may still produce a REPORT line.
  for (std::size_t i = 0; i < n; ++i) {
    v.phases.push_back(phase);
    invoke_n(*v.client, payload, 1, record, compare_first && i == 0, pause);
  }
}

HttpClient::StreamTiming invoke_variant_timed(EmulatorVariant& v, const std::string& payload,
                                              int phase) {
  v.phases.push_back(phase);
  return v.client->post_streamed(kInvokePath, payload);
}

void stop_variant(Context& ctx, EmulatorVariant& v, const std::string& part) {
  if (v.client)
    v.client->close();
  if (v.child) {
    int status = 0;
    if (has_exited(v.child.pid, &status)) {
      ctx.failures.push_back("lambda-emu (" + v.label + ") exited during the " + part + " run (" +
                             describe_status(status) + ")");
      v.child.pid = -1;
    }
  }
  stop_child(v.child);
  if (!v.client)
    return;  // never started: no log to read
  std::string error;
  v.reports = read_report_lines(v.log_path, &error);
  if (!error.empty())
    ctx.notes.push_back(part + " (" + v.label + "): " + error);
  if (!ctx.opt.emulator_log.empty()) {
    std::ifstream in(v.log_path, std::ios::binary);
    std::ofstream out(ctx.opt.emulator_log, std::ios::app | std::ios::binary);
    if (in && out)
      out << in.rdbuf();
  }
}

bool check_reports(Context& ctx, const EmulatorVariant& v, const std::string& part) {
  const std::string who = part + ", lambda-emu (" + v.label + "): ";
  if (v.reports.size() != v.phases.size()) {
    ctx.failures.push_back(who + std::to_string(v.reports.size()) + " REPORT lines for " +
                           std::to_string(v.phases.size()) + " invokes (log: " + v.log_path + ")");
    return false;
  }
  for (std::size_t i = 0; i < v.reports.size(); ++i) {
    const ReportLine& r = v.reports[i];
    std::string wrong;
    if (!r.status.empty())
      wrong = "Status: " + r.status + (r.error_type.empty() ? "" : ", Error Type: " + r.error_type);
    else if (r.duration_ms < 0)
      wrong = "no readable Duration";
    else if ((i == 0 || v.every_invoke_cold) && !r.init_duration_ms)
      wrong = v.every_invoke_cold ? "no Init Duration" : "no Init Duration on the first invoke";
    else if (i > 0 && !v.every_invoke_cold && r.init_duration_ms)
      wrong = "Init Duration on a warm invoke";
    if (!wrong.empty()) {
      ctx.failures.push_back(who + "REPORT of invoke " + std::to_string(i + 1) + " (RequestId " +
                             r.request_id + "): " + wrong);
      return false;
    }
  }
  return true;
}

std::vector<double> report_durations_us(const EmulatorVariant& v, int phase) {
  std::vector<double> out;
  if (v.reports.size() != v.phases.size())
    return out;
  for (std::size_t i = 0; i < v.reports.size(); ++i) {
    if (v.phases[i] == phase)
      out.push_back(v.reports[i].duration_ms * 1000);
  }
  return out;
}

}  // namespace bench

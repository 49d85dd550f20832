#include "cold_serve.hpp"

#include <exception>

namespace bench {

ColdServe make_cold_serve(const std::string& label, const std::filesystem::path& base) {
  const std::string trace = base.string() + ".trace.jsonl";
  ColdServe s{{}, TraceReader(trace), 0};
  s.variant.label = label;
  s.variant.log_path = base.string() + ".log";
  s.variant.options = {"--fresh-sandboxes", "--trace", trace};
  s.variant.every_invoke_cold = true;
  return s;
}

std::string invoke_error(const HttpClient::StreamTiming& t) {
  if (t.status != 200)
    return "HTTP " + std::to_string(t.status);
  if (!t.error_type.empty())
    return "function error " + t.error_type;
  return {};
}

std::optional<HttpClient::StreamTiming> invoke_cold(ColdServe& s, const std::string& payload,
                                                    int phase,
                                                    std::chrono::milliseconds stop_timeout,
                                                    std::string* error) {
  std::optional<HttpClient::StreamTiming> t;
  try {
    t = invoke_variant_timed(s.variant, payload, phase);
  } catch (const std::exception& e) {
    *error = e.what();
    return std::nullopt;
  }
  ++s.sent;
  if (const std::string bad = invoke_error(*t); !bad.empty()) {
    *error = bad;
    return std::nullopt;
  }
  if (!s.trace.wait_stopped(s.sent, stop_timeout)) {
    *error = "its sandbox did not stop within " + std::to_string(stop_timeout.count()) + " ms";
    return std::nullopt;
  }
  return t;
}

}  // namespace bench

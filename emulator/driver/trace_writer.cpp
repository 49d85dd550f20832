#include "driver/trace_writer.hpp"

#include <stdexcept>

namespace lambda_emu::driver {

TraceWriter::TraceWriter(const std::string& path, const Clock& clock)
    : out_(path, std::ios::out | std::ios::trunc), clock_(clock), origin_(clock.now()) {
  if (!out_) {
    throw std::runtime_error("cannot open trace file " + path);
  }
}

void TraceWriter::write(const nlohmann::ordered_json& fields) {
  nlohmann::ordered_json line{{"t_ns", (clock_.now() - origin_).count()}};
  for (const auto& [k, v] : fields.items()) {
    line[k] = v;
  }
  out_ << line.dump() << '\n';
  out_.flush();
}

}  // namespace lambda_emu::driver

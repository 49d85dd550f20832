#pragma once
// Cold start: launch to first response, (a) the runtime alone against a fake Runtime API and
// (b) the first invoke of a freshly started lambda-emu (lazy init), interleaved.
#include <cstddef>
#include <string>
#include <vector>

#include "run_context.hpp"

namespace bench {

struct ColdResult {
  std::vector<double> runtime_ms;   // (a) spawn test-runtime -> its POST /response
  std::vector<double> emulator_ms;  // (b) first invoke -> response, lambda-emu lazy init
  std::size_t runtime_failures = 0;
  std::size_t emulator_failures = 0;
  std::string runtime_first_error;
  std::string emulator_first_error;
  std::size_t leaked = 0;
  bool ran_runtime = false;
  bool ran_emulator = false;
};

ColdResult run_cold(Context& ctx);

}  // namespace bench

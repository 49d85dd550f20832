#include "bootstrap/seed.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>

using lambda_emu::wrapper_sim::process_seed;

TEST_CASE("seed: LAMBDA_EMU_WRAPPER_SEED fixes every process's draws", "[wrapper-runtime][seed]") {
  ::setenv("LAMBDA_EMU_WRAPPER_SEED", "42", 1);
  const auto runtime = process_seed(7, "runtime");
  CHECK(process_seed(7, "runtime") == runtime);
  // Another scenario, another drawer, another fixed part: another sequence.
  CHECK(process_seed(8, "runtime") != runtime);
  CHECK(process_seed(7, "extension:agent") != runtime);
  ::setenv("LAMBDA_EMU_WRAPPER_SEED", "43", 1);
  CHECK(process_seed(7, "runtime") != runtime);
}

TEST_CASE("seed: without LAMBDA_EMU_WRAPPER_SEED the process id tells sandboxes apart",
          "[wrapper-runtime][seed]") {
  ::setenv("LAMBDA_EMU_WRAPPER_SEED", std::to_string(::getpid()).c_str(), 1);
  const auto as_pid = process_seed(7, "runtime");
  ::unsetenv("LAMBDA_EMU_WRAPPER_SEED");
  CHECK(process_seed(7, "runtime") == as_pid);
}

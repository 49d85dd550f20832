// The one Catch2 runner translation unit. LAMBDA_EMU_TEST_LOG=debug turns on emulator logs.
#define CATCH_CONFIG_RUNNER
#include <spdlog/spdlog.h>
#include <catch2/catch.hpp>

#include <cstdlib>

int main(int argc, char* argv[]) {
  const char* level = std::getenv("LAMBDA_EMU_TEST_LOG");
  spdlog::set_level(level ? spdlog::level::from_str(level) : spdlog::level::off);
  return Catch::Session().run(argc, argv);
}

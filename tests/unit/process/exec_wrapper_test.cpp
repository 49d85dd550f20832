#include "process/exec_wrapper.hpp"

#include <catch2/catch.hpp>

using namespace lambda_emu;
using Argv = std::vector<std::string>;

TEST_CASE("exec wrapper: the runtime starts as [wrapper, original argv...]", "[process][env]") {
  const process::EnvVars env = {{"STAGE", "dev"}, {"AWS_LAMBDA_EXEC_WRAPPER", "/opt/wrapper"}};
  CHECK(process::apply_exec_wrapper({"/var/task/bootstrap", "--flag"}, env) ==
        Argv{"/opt/wrapper", "/var/task/bootstrap", "--flag"});
}

TEST_CASE("exec wrapper: unset or empty leaves argv alone", "[process][env]") {
  CHECK(process::apply_exec_wrapper({"/var/task/bootstrap"}, {}) == Argv{"/var/task/bootstrap"});
  CHECK(process::apply_exec_wrapper({"/var/task/bootstrap"}, {{"AWS_LAMBDA_EXEC_WRAPPER", ""}}) ==
        Argv{"/var/task/bootstrap"});
  CHECK(process::apply_exec_wrapper({"b"}, {{"AWS_LAMBDA_EXEC_WRAPPERX", "/w"}}) == Argv{"b"});
}

TEST_CASE("exec wrapper: the last setting wins, as in the environment", "[process][env]") {
  const process::EnvVars env = {{"AWS_LAMBDA_EXEC_WRAPPER", "/opt/first"},
                                {"AWS_LAMBDA_EXEC_WRAPPER", "/opt/second"}};
  CHECK(process::apply_exec_wrapper({"b"}, env) == Argv{"/opt/second", "b"});
}

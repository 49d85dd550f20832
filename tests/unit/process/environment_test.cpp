#include "process/environment.hpp"

#include <algorithm>
#include <optional>

#include <catch2/catch.hpp>

using namespace lambda_emu;

namespace {

std::optional<std::string> get(const std::vector<std::string>& vars, const std::string& key) {
  for (const std::string& kv : vars) {
    if (kv.starts_with(key + "=")) {
      return kv.substr(key.size() + 1);
    }
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("environment: the runtime gets Lambda's variables", "[process][env][C72]") {
  core::FunctionConfig fn;
  fn.name = "hello";
  fn.handler = "index.handler";
  fn.memory_mb = 512;
  const char* host[] = {"HOME=/root", "AWS_REGION=host-region", "PATH=/host/bin", nullptr};
  auto env = process::runtime_environment(fn, "127.0.0.1:9001", "/var/task", "stream", {}, host);
  CHECK(get(env.vars, "AWS_LAMBDA_RUNTIME_API") == "127.0.0.1:9001");
  CHECK(get(env.vars, "_HANDLER") == "index.handler");
  CHECK(get(env.vars, "LAMBDA_TASK_ROOT") == "/var/task");
  CHECK(get(env.vars, "AWS_LAMBDA_FUNCTION_NAME") == "hello");
  CHECK(get(env.vars, "AWS_LAMBDA_FUNCTION_VERSION") == "$LATEST");
  CHECK(get(env.vars, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE") == "512");
  CHECK(get(env.vars, "AWS_LAMBDA_LOG_GROUP_NAME") == "/aws/lambda/hello");
  CHECK(get(env.vars, "AWS_LAMBDA_LOG_STREAM_NAME") == "stream");
  CHECK(get(env.vars, "AWS_LAMBDA_INITIALIZATION_TYPE") == "on-demand");
  CHECK(get(env.vars, "AWS_REGION") == "us-east-1");
  CHECK(get(env.vars, "TZ") == ":UTC");
  CHECK(get(env.vars, "LANG") == "en_US.UTF-8");
  CHECK(get(env.vars, "PATH") == "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin");
  CHECK(get(env.vars, "HOME") == "/root");  // the host's variables pass through, as with RIE
}

TEST_CASE("environment: function variables cannot override reserved keys", "[process][env][C73]") {
  core::FunctionConfig fn;
  const char* host[] = {nullptr};
  process::EnvVars customer = {{"AWS_REGION", "x"}, {"PATH", "/mine"}, {"MY_VAR", "1"}};
  auto env = process::runtime_environment(fn, "a:1", "/t", "s", customer, host);
  CHECK(get(env.vars, "AWS_REGION") == "us-east-1");
  CHECK(get(env.vars, "PATH") == "/mine");
  CHECK(get(env.vars, "MY_VAR") == "1");
  CHECK(env.ignored == std::vector<std::string>{"AWS_REGION"});
}

TEST_CASE("environment: variable names follow Lambda's rule", "[process][env]") {
  CHECK(process::valid_env_key("MY_VAR"));
  CHECK(process::valid_env_key("a1"));
  CHECK_FALSE(process::valid_env_key("A"));
  CHECK_FALSE(process::valid_env_key("1AB"));
  CHECK_FALSE(process::valid_env_key("_AB"));
  CHECK_FALSE(process::valid_env_key("A-B"));
}

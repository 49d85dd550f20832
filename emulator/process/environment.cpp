#include "process/environment.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <string_view>

namespace lambda_emu::process {
namespace {

// Keys a function's own variables may not override (section 7).
constexpr std::array<std::string_view, 18> reserved = {
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
};

bool is_reserved(std::string_view key) {
  return std::find(reserved.begin(), reserved.end(), key) != reserved.end();
}

}  // namespace

bool valid_env_key(const std::string& key) {
  if (key.size() < 2 || !std::isalpha(static_cast<unsigned char>(key[0]))) {
    return false;
  }
  return std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

RuntimeEnvironment runtime_environment(const core::FunctionConfig& fn,
                                       const std::string& runtime_api, const std::string& task_root,
                                       const std::string& log_stream, const EnvVars& customer,
                                       const char* const* host_env) {
  std::map<std::string, std::string> env;
  for (const char* const* e = host_env; e && *e; ++e) {
    std::string_view kv(*e);
    const std::size_t eq = kv.find('=');
    if (eq != std::string_view::npos) {
      env[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
    }
  }
  auto set = [&](std::string k, std::string v) { env[std::move(k)] = std::move(v); };
  set("AWS_LAMBDA_RUNTIME_API", runtime_api);
  set("LAMBDA_TASK_ROOT", task_root);
  set("LAMBDA_RUNTIME_DIR", "/var/runtime");
  set("AWS_LAMBDA_FUNCTION_NAME", fn.name);
  set("AWS_LAMBDA_FUNCTION_VERSION", fn.version);
  set("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", std::to_string(fn.memory_mb));
  set("AWS_LAMBDA_LOG_GROUP_NAME", fn.log_group());
  set("AWS_LAMBDA_LOG_STREAM_NAME", log_stream);
  set("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
  set("AWS_REGION", fn.region);
  set("AWS_DEFAULT_REGION", fn.region);
  set("TZ", ":UTC");
  set("LANG", "en_US.UTF-8");
  set("PATH", "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin");
  set("LD_LIBRARY_PATH",
      "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:"
      "/opt/lib");
  set("AWS_XRAY_CONTEXT_MISSING", "LOG_ERROR");
  set("AWS_XRAY_DAEMON_ADDRESS", "169.254.79.129:2000");
  set("_AWS_XRAY_DAEMON_ADDRESS", "169.254.79.129");
  set("_AWS_XRAY_DAEMON_PORT", "2000");
  if (!fn.handler.empty()) {
    set("_HANDLER", fn.handler);
  }

  RuntimeEnvironment out;
  for (const auto& [k, v] : customer) {
    if (is_reserved(k)) {
      out.ignored.push_back(k);  // C73: Lambda keeps its own value
    } else {
      set(k, v);
    }
  }
  out.vars.reserve(env.size());
  for (auto& [k, v] : env) {
    out.vars.push_back(k + "=" + v);
  }
  return out;
}

}  // namespace lambda_emu::process

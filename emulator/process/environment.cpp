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

namespace {

using EnvMap = std::map<std::string, std::string>;

EnvMap host_variables(const char* const* host_env) {
  EnvMap env;
  for (const char* const* e = host_env; e && *e; ++e) {
    std::string_view kv(*e);
    const std::size_t eq = kv.find('=');
    if (eq != std::string_view::npos) {
      env[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
    }
  }
  return env;
}

// What runtime and extensions both get (the rows of section 7 with a tick in both columns).
void set_shared(EnvMap& env, const core::FunctionConfig& fn, const std::string& runtime_api) {
  env["AWS_LAMBDA_RUNTIME_API"] = runtime_api;
  env["AWS_LAMBDA_FUNCTION_NAME"] = fn.name;
  env["AWS_LAMBDA_FUNCTION_VERSION"] = fn.version;
  env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = std::to_string(fn.memory_mb);
  env["AWS_LAMBDA_INITIALIZATION_TYPE"] = std::string(core::to_string(fn.initialization_type));
  env["AWS_REGION"] = fn.region;
  env["AWS_DEFAULT_REGION"] = fn.region;
  env["TZ"] = ":UTC";
  env["LANG"] = "en_US.UTF-8";
  env["PATH"] = "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin";
  env["LD_LIBRARY_PATH"] =
      "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:"
      "/opt/lib";
}

// The function's variables last, except over reserved keys (C73).
RuntimeEnvironment finish(EnvMap& env, const EnvVars& customer) {
  RuntimeEnvironment out;
  for (const auto& [k, v] : customer) {
    if (is_reserved(k)) {
      out.ignored.push_back(k);
    } else {
      env[k] = v;
    }
  }
  out.vars.reserve(env.size());
  for (auto& [k, v] : env) {
    out.vars.push_back(k + "=" + v);
  }
  return out;
}

}  // namespace

RuntimeEnvironment runtime_environment(const core::FunctionConfig& fn,
                                       const std::string& runtime_api, const std::string& task_root,
                                       const std::string& log_stream, const EnvVars& customer,
                                       const char* const* host_env) {
  EnvMap env = host_variables(host_env);
  set_shared(env, fn, runtime_api);
  env["LAMBDA_TASK_ROOT"] = task_root;
  env["LAMBDA_RUNTIME_DIR"] = "/var/runtime";
  env["AWS_LAMBDA_LOG_GROUP_NAME"] = fn.log_group();
  env["AWS_LAMBDA_LOG_STREAM_NAME"] = log_stream;
  env["AWS_XRAY_CONTEXT_MISSING"] = "LOG_ERROR";
  env["AWS_XRAY_DAEMON_ADDRESS"] = "169.254.79.129:2000";
  env["_AWS_XRAY_DAEMON_ADDRESS"] = "169.254.79.129";
  env["_AWS_XRAY_DAEMON_PORT"] = "2000";
  if (!fn.handler.empty()) {
    env["_HANDLER"] = fn.handler;
  }
  return finish(env, customer);
}

RuntimeEnvironment extension_environment(const core::FunctionConfig& fn,
                                         const std::string& runtime_api, const EnvVars& customer,
                                         const char* const* host_env) {
  EnvMap env = host_variables(host_env);
  // Extensions never get `_*` variables nor the runtime-only ones (section 7, C72), even when
  // the host has them.
  std::erase_if(env, [](const auto& kv) {
    return kv.first.starts_with('_') || kv.first == "LAMBDA_TASK_ROOT" ||
           kv.first == "LAMBDA_RUNTIME_DIR" || kv.first == "AWS_LAMBDA_LOG_GROUP_NAME" ||
           kv.first == "AWS_LAMBDA_LOG_STREAM_NAME" || kv.first == "AWS_EXECUTION_ENV";
  });
  set_shared(env, fn, runtime_api);
  return finish(env, customer);
}

}  // namespace lambda_emu::process

#include "bootstrap/wrapper_runtime.hpp"

#include <memory>
#include <optional>

#include <spdlog/spdlog.h>

#include "bootstrap/chosen_variant.hpp"
#include "bootstrap/response_out.hpp"
#include "bootstrap/seed.hpp"
#include "bootstrap/server_process.hpp"
#include "bootstrap/spend.hpp"
#include "bootstrap/streamed_response.hpp"

namespace lambda_emu::wrapper_sim {
namespace {

constexpr std::string_view scenario_error = "Runtime.WrapperScenarioError";
constexpr std::string_view server_error = "Runtime.WrapperHttpServerError";
constexpr std::string_view proxy_error = "Runtime.WrapperProxyError";

template <class T>
std::vector<const T*> stages_of(const Variant& v) {
  std::vector<const T*> out;
  for (const Stage& s : v.stages) {
    if (const T* t = std::get_if<T>(&s)) {
      out.push_back(t);
    }
  }
  return out;
}

class WrapperRuntime {
 public:
  WrapperRuntime(RuntimeApi& api, ChosenVariant chosen)
      : api_(api),
        scenario_(std::move(chosen.scenario)),
        variant_(std::move(chosen.variant)),
        memory_mb_(function_memory_mb(scenario_.memory_mb)),
        random_(process_seed(scenario_.seed, "runtime")),
        notifier_(extension_names()) {}

  // The error type and message when Init fails.
  std::optional<std::pair<std::string_view, std::string>> init() {
    const auto servers = stages_of<HttpServer>(variant_);
    const auto bridges = stages_of<StreamingBridge>(variant_);
    if (servers.size() > 1 || bridges.size() > 1) {
      return std::pair{scenario_error, "variant \"" + variant_.name +
                                           "\": the wrapper runtime runs at most one http_server "
                                           "and one streaming_bridge"};
    }
    if (!bridges.empty()) {
      bridge_ = *bridges.front();
    }
    spend_now(scenario_.runtime.init, "runtime.init");
    for (const Stage& stage : variant_.stages) {
      if (const auto* shim = std::get_if<JsShim>(&stage)) {
        spend_now(shim->init, "js_shim.init");
        shims_.push_back(shim);
      } else if (const auto* server = std::get_if<HttpServer>(&stage)) {
        auto started = ServerProcess::start(*server, draw(server->startup, random_, memory_mb_));
        if (auto* failed = std::get_if<std::string>(&started)) {
          return std::pair{server_error, *failed};
        }
        server_ = std::move(std::get<std::unique_ptr<ServerProcess>>(started));
        server_stage_ = server;
      } else if (std::holds_alternative<SandboxStage>(stage)) {
        spdlog::debug("sandbox stage: placement is not the runtime's to spend (before Init)");
      }
    }
    spend_now(scenario_.handler.init, "handler.init");
    if (!server_) {
      response_.assign(scenario_.handler.response_bytes, 'x');
    }
    spdlog::debug("init done: variant {}, {} MB", variant_.name, memory_mb_);
    return std::nullopt;
  }

  // Serves invokes until /next fails.
  int serve() {
    for (;;) {
      auto next = api_.next();
      if (auto* failed = std::get_if<HttpFailure>(&next)) {
        spdlog::error("GET /next: {}", failed->message);
        return 1;
      }
      const Invocation& inv = std::get<Invocation>(next);
      if (auto failed = handle(inv)) {
        spdlog::error("invoke {}: {}", inv.request_id, failed->message);
      }
      notifier_.notify(inv.request_id);
    }
  }

 private:
  std::vector<std::string> extension_names() const {
    std::vector<std::string> names;
    for (const ExtensionStage* x : variant_.extensions()) {
      names.push_back(x->name);
    }
    return names;
  }

  void spend_now(const costs::Cost& cost, std::string_view what) {
    const Spend s = draw(cost, random_, memory_mb_);
    spdlog::trace("{}: {} ns ({} ns wall expected)", what, s.time.count(), s.expected.count());
    spend(s);
  }

  std::optional<HttpFailure> handle(const Invocation& inv) {
    for (const JsShim* shim : shims_) {
      spend_now(shim->per_invoke, "js_shim.per_invoke");
    }
    std::string proxied;
    if (server_) {
      const std::vector<Spend> spends = {draw(server_stage_->per_invoke, random_, memory_mb_),
                                         draw(scenario_.handler.work, random_, memory_mb_)};
      auto reply =
          server_->invoke(inv.request_id, inv.event, spends, scenario_.handler.response_bytes);
      if (auto* failed = std::get_if<HttpFailure>(&reply)) {
        if (auto lost = api_.invoke_error(inv.request_id, proxy_error, failed->message)) {
          return lost;
        }
        return *failed;
      }
      proxied = std::move(std::get<std::string>(reply));
    } else {
      spend_now(scenario_.handler.work, "handler.work");
    }
    const std::string& body = server_ ? proxied : response_;
    if (variant_.streams(scenario_.handler)) {
      return stream(inv.request_id, body);
    }
    return api_.respond(inv.request_id, body, "application/octet-stream");
  }

  // The response through the streaming bridge, or, for a handler that streams by itself, in
  // the bridge's default chunks with no costs of its own.
  std::optional<HttpFailure> stream(const std::string& request_id, std::string_view body) {
    spend_now(bridge_.first_byte, "streaming_bridge.first_byte");
    auto begun = StreamedResponse::begin(
        api_.connection(), request_id,
        bridge_.http_integration ? http_integration_content_type : "application/octet-stream");
    if (auto* failed = std::get_if<HttpFailure>(&begun)) {
      return *failed;
    }
    StreamedResponse& out = std::get<StreamedResponse>(begun);
    if (bridge_.http_integration) {
      const std::string prelude = std::string(http_integration_prelude) +
                                  std::string(http_integration_delimiter_bytes, '\0');
      if (auto failed = out.write(prelude)) {
        return failed;
      }
    }
    const std::uint64_t chunks = bridge_.chunks(body.size());
    for (std::uint64_t i = 0; i < chunks; ++i) {
      spend_now(bridge_.per_chunk, "streaming_bridge.per_chunk");
      const std::uint64_t at = i * bridge_.chunk_bytes;
      if (auto failed = out.write(
              body.substr(std::min<std::uint64_t>(at, body.size()), bridge_.chunk_bytes))) {
        return failed;
      }
    }
    return out.finish();
  }

  RuntimeApi& api_;
  Scenario scenario_;
  Variant variant_;
  int memory_mb_;
  costs::Random random_;
  ResponseOutNotifier notifier_;
  std::vector<const JsShim*> shims_;
  std::unique_ptr<ServerProcess> server_;
  const HttpServer* server_stage_ = nullptr;
  StreamingBridge bridge_;  // default: a handler that streams by itself, no bridge costs
  std::string response_;    // the handler's response when no server makes it
};

}  // namespace

int run_wrapper_runtime(RuntimeApi& api) {
  auto chosen = chosen_variant();
  std::optional<std::pair<std::string_view, std::string>> failed;
  std::unique_ptr<WrapperRuntime> runtime;
  if (auto* error = std::get_if<std::string>(&chosen)) {
    failed = std::pair{scenario_error, *error};
  } else {
    runtime = std::make_unique<WrapperRuntime>(api, std::move(std::get<ChosenVariant>(chosen)));
    failed = runtime->init();
  }
  if (failed) {
    spdlog::error("init failed: {}", failed->second);
    if (auto lost = api.init_error(failed->first, failed->second)) {
      spdlog::error("POST /init/error: {}", lost->message);
    }
    return 1;
  }
  return runtime->serve();
}

}  // namespace lambda_emu::wrapper_sim

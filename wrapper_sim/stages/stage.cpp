#include "stages/stage.hpp"

#include "overloaded.hpp"

namespace lambda_emu::wrapper_sim {

JsShim JsShim::parse(Fields& f) {
  return {f.cost("init", costs::no_cost), f.cost("per_invoke", costs::no_cost)};
}

Duration HttpServer::ready_after(Duration startup_time, Duration hop) const {
  if (poll_interval <= Duration::zero()) {
    return startup_time + hop;
  }
  const auto polls = (startup_time + poll_interval - Duration(1)) / poll_interval;
  return polls * poll_interval + hop;
}

HttpServer HttpServer::parse(Fields& f) {
  HttpServer s;
  s.startup = f.cost("startup", costs::no_cost);
  s.poll_interval = f.ms("poll_interval_ms", Duration::zero());
  s.per_invoke = f.cost("per_invoke", costs::no_cost);
  s.base64 = f.flag("base64", false);
  return s;
}

std::uint64_t StreamingBridge::chunks(std::uint64_t bytes) const {
  return bytes == 0 ? 1 : (bytes + chunk_bytes - 1) / chunk_bytes;
}

StreamingBridge StreamingBridge::parse(Fields& f) {
  StreamingBridge s;
  s.chunk_bytes = f.count("chunk_bytes", s.chunk_bytes, 1);
  s.per_chunk = f.cost("per_chunk", costs::no_cost);
  s.first_byte = f.cost("first_byte", costs::no_cost);
  s.http_integration = f.flag("http_integration", false);
  return s;
}

ExtensionStage ExtensionStage::parse(Fields& f) {
  ExtensionStage x;
  x.name = f.text("name");
  if (x.name.find_first_of("/\\") != std::string::npos || x.name == "." || x.name == "..") {
    f.fail("name", "must be a file name (it becomes /opt/extensions/<name>)");
  }
  x.init = f.cost("init", costs::no_cost);
  x.telemetry = f.flag("telemetry", false);
  x.post_invoke = f.cost("post_invoke", costs::no_cost);
  x.shutdown = f.cost("shutdown", costs::no_cost);
  return x;
}

SandboxStage SandboxStage::parse(Fields& f) {
  return {f.cost("placement", costs::no_cost)};
}

std::string_view stage_type(const Stage& stage) {
  return std::visit(overloaded{
                        [](const JsShim&) { return "js_shim"; },
                        [](const HttpServer&) { return "http_server"; },
                        [](const StreamingBridge&) { return "streaming_bridge"; },
                        [](const ExtensionStage&) { return "extension"; },
                        [](const SandboxStage&) { return "sandbox"; },
                    },
                    stage);
}

Stage parse_stage(Fields& f) {
  const std::string type = f.text("type");
  Stage s;
  if (type == "js_shim") {
    s = JsShim::parse(f);
  } else if (type == "http_server") {
    s = HttpServer::parse(f);
  } else if (type == "streaming_bridge") {
    s = StreamingBridge::parse(f);
  } else if (type == "extension") {
    s = ExtensionStage::parse(f);
  } else if (type == "sandbox") {
    s = SandboxStage::parse(f);
  } else {
    f.fail("type",
           "must be one of js_shim, http_server, streaming_bridge, extension, sandbox, not \"" +
               type + "\"");
  }
  f.done();
  return s;
}

}  // namespace lambda_emu::wrapper_sim

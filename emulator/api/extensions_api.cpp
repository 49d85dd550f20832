// Extensions API endpoints (section 4): what external and internal extensions call. Header syntax
// and bodies are checked here, in rapid's order; identifiers and states by the lifecycle core.
#include <nlohmann/json.hpp>

#include "api/extension_identifier.hpp"
#include "api/handlers.hpp"
#include "api/render.hpp"
#include "driver/sandbox_host.hpp"
#include "lambda_emu/core/sandbox.hpp"

namespace lambda_emu::api {
namespace {

Response forbidden(const Call& call, std::string_view type, std::string_view message) {
  return render::error(call.request, http::status::forbidden, type, message);
}

bool accepts_feature(const Request& req, std::string_view feature) {
  const std::string value = header(req, "Lambda-Extension-Accept-Feature");
  std::string_view list = value;
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && item.front() == ' ') {
      item.remove_prefix(1);
    }
    while (!item.empty() && item.back() == ' ') {
      item.remove_suffix(1);
    }
    if (item == feature) {
      return true;
    }
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  }
  return false;
}

Response accepted_or_refused(const Call& call, const core::Result& r) {
  return r.refusal ? render::refusal(call.request, *r.refusal) : render::accepted(call.request);
}

// init/error and exit/error share their checks (section 4.5, C45).
template <class Event>
Reply handle_extension_error(Call& call, driver::SandboxHost& sandbox) {
  if (!sandbox.function().extensions_enabled) {
    return render::empty_not_found(call.request);
  }
  std::string identifier;
  if (auto refused = check_extension_identifier(call.request, identifier)) {
    return *refused;
  }
  std::string type = header(call.request, "Lambda-Extension-Function-Error-Type");
  if (type.empty()) {
    return forbidden(call, "Extension.MissingHeader",
                     "Lambda-Extension-Function-Error-Type not found");
  }
  const core::Result r = sandbox.handle(Event{std::move(identifier), std::move(type)});
  call.reply_last = true;
  return accepted_or_refused(call, r);
}

}  // namespace

std::uint64_t extension_body_limit(const Request&) {
  return 1024 * 1024;
}

Reply handle_extension_register(Call& call, driver::SandboxHost& sandbox) {
  if (!sandbox.function().extensions_enabled) {
    return render::empty_not_found(call.request);  // C49
  }
  core::ExtensionRegister e;
  e.name = header(call.request, "Lambda-Extension-Name");
  if (e.name.empty()) {
    return forbidden(call, "Extension.InvalidExtensionName", "Empty extension name");  // C30
  }
  // Bodies come as JSON, with no Content-Type or even form-urlencoded (section 11): the bytes
  // are read as JSON whatever the header says.
  const std::string& body = call.request.body();
  nlohmann::json parsed;
  try {
    parsed = nlohmann::json::parse(body.empty() ? std::string_view("{}") : std::string_view(body));
  } catch (const nlohmann::json::parse_error& err) {
    return forbidden(call, "InvalidRequestFormat", err.what());
  }
  if (!parsed.is_object()) {
    return forbidden(call, "InvalidRequestFormat", "request body must be a JSON object");
  }
  if (parsed.contains("configurationKeys")) {
    return forbidden(call, "InvalidRequestFormat",
                     "configurationKeys are deprecated; use environment variables instead");  // C37
  }
  if (const auto events = parsed.find("events"); events != parsed.end() && !events->is_null()) {
    if (!events->is_array()) {
      return forbidden(call, "InvalidRequestFormat", "events must be an array of strings");
    }
    for (const auto& ev : *events) {
      if (!ev.is_string()) {
        return forbidden(call, "InvalidRequestFormat", "events must be an array of strings");
      }
      e.events.push_back(ev.get<std::string>());
    }
  }
  e.identifier = sandbox.new_request_id();
  const std::string identifier = e.identifier;
  const core::Result r = sandbox.handle(std::move(e));
  if (r.refusal) {
    return render::refusal(call.request, *r.refusal);
  }
  // C31, C32: accountId first when asked for, as rapid writes it.
  const core::FunctionConfig& fn = sandbox.function();
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  if (accepts_feature(call.request, "accountId") && !fn.account_id.empty()) {
    out["accountId"] = fn.account_id;
  }
  out["functionName"] = fn.name;
  out["functionVersion"] = fn.version;
  out["handler"] = fn.handler;
  Response res = render::response(call.request, http::status::ok);
  res.set("Lambda-Extension-Identifier", identifier);
  res.set(http::field::content_type, "application/json");
  res.body().assign(out.dump() + "\n");
  res.prepare_payload();
  return res;
}

Reply handle_extension_next(Call& call, driver::SandboxHost& sandbox) {
  if (!sandbox.function().extensions_enabled) {
    return render::empty_not_found(call.request);
  }
  std::string identifier;
  if (auto refused = check_extension_identifier(call.request, identifier)) {
    return *refused;
  }
  // Park first: the core may deliver an event at once.
  auto parked = sandbox.park_extension_next(identifier, call.request);
  const core::Result r = sandbox.handle(core::ExtensionNext{identifier});
  if (r.refusal) {
    sandbox.unpark_extension_next(identifier, parked);
    return render::refusal(call.request, *r.refusal);
  }
  return parked;
}

Reply handle_extension_init_error(Call& call, driver::SandboxHost& sandbox) {
  return handle_extension_error<core::ExtensionInitError>(call, sandbox);
}

Reply handle_extension_exit_error(Call& call, driver::SandboxHost& sandbox) {
  return handle_extension_error<core::ExtensionExitError>(call, sandbox);
}

}  // namespace lambda_emu::api

#include "telemetry/subscription.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>

#include <nlohmann/json.hpp>

namespace lambda_emu::telemetry {
namespace {

using nlohmann::json;

constexpr std::array telemetry_schemas{"2022-07-01", "2022-12-13", "2025-01-29"};
constexpr std::array logs_schemas{"2020-08-15", "2021-03-18"};
constexpr std::array known_types{"platform", "function", "extension"};
// Names an extension inside the sandbox reaches its own listener by; the loopback names are
// accepted too, for listeners run by hand next to the emulator.
constexpr std::array allowed_hosts{"sandbox.localdomain", "sandbox", "127.0.0.1", "localhost"};

// Thrown inside parse_subscription only, caught at its end.
struct Invalid {
  std::string message;
};

template <std::size_t N>
bool one_of(std::string_view s, const std::array<const char*, N>& set) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

template <std::size_t N>
std::string joined(const std::array<const char*, N>& set) {
  std::string out;
  for (const char* s : set) {
    out += (out.empty() ? "" : ", ") + std::string(s);
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// An integer in [lo, hi], also when written as 1000.0; nullopt when absent.
std::optional<std::int64_t> integer_field(const json& obj, const char* key, const char* name,
                                          std::int64_t lo, std::int64_t hi) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    return std::nullopt;
  }
  const std::string range = std::string(name) + " must be an integer between " +
                            std::to_string(lo) + " and " + std::to_string(hi);
  if (!it->is_number()) {
    throw Invalid{range};
  }
  const double v = it->get<double>();
  if (std::floor(v) != v || v < static_cast<double>(lo) || v > static_cast<double>(hi)) {
    throw Invalid{range};
  }
  return static_cast<std::int64_t>(v);
}

std::string schema_version(const json& body, Api api) {
  auto it = body.find("schemaVersion");
  if (it == body.end() || it->is_null()) {
    if (api == Api::telemetry) {
      throw Invalid{"schemaVersion is required (one of " + joined(telemetry_schemas) + ")"};
    }
    return {};
  }
  const bool known =
      it->is_string() && (api == Api::telemetry ? one_of(it->get<std::string>(), telemetry_schemas)
                                                : one_of(it->get<std::string>(), logs_schemas));
  if (!known) {
    throw Invalid{"schemaVersion must be one of " +
                  (api == Api::telemetry ? joined(telemetry_schemas) : joined(logs_schemas))};
  }
  return it->get<std::string>();
}

std::vector<std::string> types(const json& body) {
  auto it = body.find("types");
  if (it == body.end() || it->is_null()) {
    throw Invalid{"types is required"};
  }
  if (!it->is_array() || it->empty()) {
    throw Invalid{"types must be a non-empty array of " + joined(known_types)};
  }
  std::vector<std::string> out;
  for (const json& t : *it) {
    if (!t.is_string() || !one_of(t.get<std::string>(), known_types)) {
      throw Invalid{"types: " + t.dump() + " is not one of " + joined(known_types)};
    }
    if (std::find(out.begin(), out.end(), t.get<std::string>()) == out.end()) {
      out.push_back(t.get<std::string>());
    }
  }
  return out;
}

Buffering buffering(const json& body) {
  Buffering b;
  auto it = body.find("buffering");
  if (it == body.end() || it->is_null()) {
    return b;
  }
  if (!it->is_object()) {
    throw Invalid{"buffering must be an object"};
  }
  if (auto v = integer_field(*it, "maxItems", "buffering.maxItems", 1'000, 10'000)) {
    b.max_items = static_cast<std::size_t>(*v);
  }
  if (auto v = integer_field(*it, "maxBytes", "buffering.maxBytes", 262'144, 1'048'576)) {
    b.max_bytes = static_cast<std::size_t>(*v);
  }
  if (auto v = integer_field(*it, "timeoutMs", "buffering.timeoutMs", 25, 30'000)) {
    b.timeout = std::chrono::milliseconds(*v);
  }
  return b;
}

// Fills host, port and path from `scheme://host[:port][/path]`; `default_port` 0: required.
void parse_uri(std::string_view uri, std::string_view scheme, std::uint16_t default_port,
               Destination& d) {
  const std::string lowered = lower(uri);
  if (lowered.starts_with("https://")) {
    throw Invalid{"destination.URI: HTTPS is not supported, use http://sandbox.localdomain:PORT"};
  }
  const std::string prefix = std::string(scheme) + "://";
  if (!lowered.starts_with(prefix)) {
    throw Invalid{"destination.URI must start with " + prefix};
  }
  std::string_view rest = uri.substr(prefix.size());
  const std::size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view target =
      authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (const std::size_t hash = target.find('#'); hash != std::string_view::npos) {
    target = target.substr(0, hash);
  }

  std::string_view host = authority;
  std::optional<std::string_view> port;
  if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  d.host = lower(host);
  if (!one_of(d.host, allowed_hosts)) {
    throw Invalid{"destination.URI host must be sandbox.localdomain (or sandbox), not \"" +
                  std::string(host) + "\""};
  }
  if (port) {
    const bool digits =
        !port->empty() && port->size() <= 5 &&
        std::all_of(port->begin(), port->end(), [](char c) { return c >= '0' && c <= '9'; });
    const long value = digits ? std::stol(std::string(*port)) : 0;
    if (value < 1 || value > 65'535) {
      throw Invalid{"destination.URI port must be between 1 and 65535"};
    }
    d.port = static_cast<std::uint16_t>(value);
  } else if (default_port == 0) {
    throw Invalid{"destination.URI port is not provided"};
  } else {
    d.port = default_port;
  }
  d.path =
      target.empty() || target.front() != '/' ? "/" + std::string(target) : std::string(target);
}

Destination destination(const json& body) {
  auto it = body.find("destination");
  if (it == body.end() || it->is_null()) {
    throw Invalid{"destination is required"};
  }
  if (!it->is_object()) {
    throw Invalid{"destination must be an object"};
  }
  auto protocol = it->find("protocol");
  if (protocol == it->end() || !protocol->is_string() ||
      (*protocol != "HTTP" && *protocol != "TCP")) {
    throw Invalid{"destination.protocol must be \"HTTP\" or \"TCP\""};
  }
  auto uri = it->find("URI");
  if (uri != it->end() && !uri->is_null() &&
      (!uri->is_string() || uri->get_ref<const std::string&>().empty())) {
    throw Invalid{"destination.URI must be a non-empty string"};
  }
  const bool has_uri = uri != it->end() && uri->is_string();

  Destination d;
  if (*protocol == "HTTP") {
    d.protocol = Destination::Protocol::http;
    if (!has_uri) {
      throw Invalid{"destination.URI is required for HTTP (http://sandbox.localdomain:PORT/PATH)"};
    }
    parse_uri(uri->get<std::string>(), "http", 80, d);
    return d;
  }

  d.protocol = Destination::Protocol::tcp;
  d.path.clear();
  if (auto port = integer_field(*it, "port", "destination.port", 1, 65'535)) {
    d.host = "sandbox.localdomain";
    d.port = static_cast<std::uint16_t>(*port);
    return d;
  }
  if (!has_uri) {
    throw Invalid{"destination.port (1-65535) or destination.URI is required for TCP"};
  }
  const std::string text = uri->get<std::string>();
  parse_uri(text, lower(text).starts_with("http://") ? "http" : "tcp", 0, d);
  d.path.clear();
  return d;
}

}  // namespace

bool Subscription::wants(std::string_view type) const {
  return std::find(types.begin(), types.end(), type) != types.end();
}

std::variant<Subscription, ValidationError> parse_subscription(std::string_view body, Api api) {
  const std::string error_type = api == Api::telemetry ? "ValidationError" : "Logs.ValidationError";
  try {
    json parsed;
    try {
      parsed = json::parse(body.begin(), body.end());
    } catch (const json::parse_error& e) {
      return ValidationError{error_type, std::string("Invalid JSON: ") + e.what()};
    }
    if (!parsed.is_object()) {
      return ValidationError{error_type, "the subscription must be a JSON object"};
    }
    Subscription sub;
    sub.schema_version = schema_version(parsed, api);
    sub.types = types(parsed);
    sub.buffering = buffering(parsed);
    sub.destination = destination(parsed);
    return sub;
  } catch (const Invalid& e) {
    return ValidationError{error_type, e.message};
  } catch (const std::exception& e) {
    return ValidationError{error_type, std::string("invalid subscription: ") + e.what()};
  } catch (...) {
    return ValidationError{error_type, "invalid subscription"};
  }
}

}  // namespace lambda_emu::telemetry

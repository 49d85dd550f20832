#include "api/function_url.hpp"

#include <time.h>

#include <algorithm>
#include <map>

#include <boost/algorithm/string/case_conv.hpp>
#include <nlohmann/json.hpp>

#include "api/base64.hpp"
#include "api/function_name.hpp"

namespace lambda_emu::api {
namespace {

using nlohmann::json;

// Bodies of these types reach the function as text; all others base64 (isBase64Encoded).
bool is_text(std::string_view content_type) {
  const std::string t =
      boost::algorithm::to_lower_copy(std::string(content_type.substr(0, content_type.find(';'))));
  return t.starts_with("text/") || t.find("json") != std::string::npos ||
         t.find("xml") != std::string::npos || t.find("javascript") != std::string::npos;
}

// "12/Mar/2020:19:03:58 +0000", the request time as the event gives it.
std::string clf_time(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char out[32];
  const std::size_t n = std::strftime(out, sizeof out, "%d/%b/%Y:%H:%M:%S +0000", &tm);
  return std::string(out, n);
}

// "a=1&a=2&b" -> {"a": "1,2", "b": ""}, decoded; repeated keys joined by commas.
json query_parameters(std::string_view query) {
  std::map<std::string, std::string> params;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) {
      continue;
    }
    const std::size_t eq = pair.find('=');
    std::string key = url_decode(pair.substr(0, eq)).value_or(std::string(pair.substr(0, eq)));
    const std::string_view raw_value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    std::string value = url_decode(raw_value).value_or(std::string(raw_value));
    auto [it, fresh] = params.try_emplace(std::move(key), value);
    if (!fresh) {
      it->second.append(",").append(value);
    }
  }
  return params;
}

// "a=b; c=d" -> ["a=b", "c=d"]
void split_cookies(std::string_view header, json& cookies) {
  while (!header.empty()) {
    const std::size_t semi = header.find(';');
    std::string_view one = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    while (!one.empty() && one.front() == ' ') {
      one.remove_prefix(1);
    }
    if (!one.empty()) {
      cookies.push_back(one);
    }
  }
}

// Headers and cookies as UrlResponse keeps them; false if they have the wrong shape.
bool read_headers_and_cookies(const json& j, UrlResponse& r) {
  if (const auto h = j.find("headers"); h != j.end() && !h->is_null()) {
    if (!h->is_object()) {
      return false;
    }
    for (const auto& [name, value] : h->items()) {
      r.headers.emplace_back(name, value.is_string() ? value.get<std::string>() : value.dump());
    }
  }
  if (const auto c = j.find("cookies"); c != j.end() && !c->is_null()) {
    if (!c->is_array()) {
      return false;
    }
    for (const auto& cookie : *c) {
      if (!cookie.is_string()) {
        return false;
      }
      r.cookies.push_back(cookie.get<std::string>());
    }
  }
  return true;
}

bool has_header(const UrlResponse& r, std::string_view name) {
  return std::any_of(r.headers.begin(), r.headers.end(),
                     [&](const auto& h) { return beast::iequals(h.first, name); });
}

}  // namespace

std::string url_event(const Request& req, const UrlRequestContext& ctx) {
  const std::string_view target = req.target();
  const std::size_t q = target.find('?');
  const std::string_view path = target.substr(0, q);
  const std::string_view query =
      q == std::string_view::npos ? std::string_view() : target.substr(q + 1);

  json headers = json::object();
  json cookies = json::array();
  for (const auto& field : req) {
    const std::string name = boost::algorithm::to_lower_copy(std::string(field.name_string()));
    if (name == "cookie") {
      split_cookies(field.value(), cookies);
      continue;
    }
    auto [it, fresh] = headers.emplace(name, std::string(field.value()));
    if (!fresh) {
      it->get_ref<std::string&>().append(",").append(field.value());
    }
  }
  // What the function URL's front end adds.
  headers["x-forwarded-for"] = ctx.source_ip;
  headers["x-forwarded-proto"] = "http";
  headers["x-forwarded-port"] = std::to_string(ctx.port);

  const std::string user_agent(req[http::field::user_agent]);
  const auto epoch_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(ctx.time.time_since_epoch()).count();
  json event = {
      {"version", "2.0"},
      {"routeKey", "$default"},
      {"rawPath", path.empty() ? "/" : path},
      {"rawQueryString", query},
  };
  if (!cookies.empty()) {
    event["cookies"] = std::move(cookies);
  }
  event["headers"] = std::move(headers);
  if (!query.empty()) {
    event["queryStringParameters"] = query_parameters(query);
  }
  event["requestContext"] = {
      {"accountId", "anonymous"},
      {"apiId", ctx.url_id},
      {"domainName", ctx.url_id + ".lambda-url." + ctx.region + ".on.aws"},
      {"domainPrefix", ctx.url_id},
      {"http",
       {{"method", std::string(req.method_string())},
        {"path", path.empty() ? "/" : path},
        {"protocol", req.version() == 10 ? "HTTP/1.0" : "HTTP/1.1"},
        {"sourceIp", ctx.source_ip},
        {"userAgent", user_agent}}},
      {"requestId", ctx.request_id},
      {"routeKey", "$default"},
      {"stage", "$default"},
      {"time", clf_time(ctx.time)},
      {"timeEpoch", epoch_ms},
  };
  const std::string& body = req.body();
  const bool text = is_text(req[http::field::content_type]);
  if (!body.empty()) {
    event["body"] = text ? body : base64_encode(body);
  }
  event["isBase64Encoded"] = !body.empty() && !text;
  // Invalid UTF-8 in a text body would make dump() throw: replace it, as a JSON decoder would.
  return event.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<UrlResponse> url_response(std::string_view result) {
  UrlResponse r;
  const json j = json::parse(result, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("statusCode")) {
    // Not a structured response: the result is the body.
    r.headers.emplace_back("content-type", "application/json");
    r.body.assign(result);
    return r;
  }
  const json& status = j["statusCode"];
  if (!status.is_number_integer() || status.get<int>() < 100 || status.get<int>() > 599 ||
      !read_headers_and_cookies(j, r)) {
    return std::nullopt;
  }
  r.status = status.get<unsigned>();
  if (const auto b = j.find("body"); b != j.end() && !b->is_null()) {
    r.body = b->is_string() ? b->get<std::string>() : b->dump();
  }
  if (j.value("isBase64Encoded", false)) {
    std::optional<std::string> decoded = base64_decode(r.body);
    if (!decoded) {
      return std::nullopt;
    }
    r.body = std::move(*decoded);
  }
  if (!has_header(r, "content-type")) {
    r.headers.emplace_back("content-type", "application/json");
  }
  return r;
}

std::optional<UrlResponse> url_prelude(std::string_view prelude) {
  const json j = json::parse(prelude, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return std::nullopt;
  }
  UrlResponse r;
  if (const auto s = j.find("statusCode"); s != j.end()) {
    if (!s->is_number_integer() || s->get<int>() < 100 || s->get<int>() > 599) {
      return std::nullopt;
    }
    r.status = s->get<unsigned>();
  }
  if (!read_headers_and_cookies(j, r)) {
    return std::nullopt;
  }
  if (!has_header(r, "content-type")) {
    r.headers.emplace_back("content-type", "application/octet-stream");
  }
  return r;
}

}  // namespace lambda_emu::api

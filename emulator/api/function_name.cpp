#include "api/function_name.hpp"

#include <vector>

namespace lambda_emu::api {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

// Lambda's constraints: names [a-zA-Z0-9-_]+ up to 64, qualifiers ($LATEST|[a-zA-Z0-9-_]+).
bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > 64)
    return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok)
      return false;
  }
  return true;
}

bool valid_qualifier(std::string_view s) {
  return s == "$LATEST" || (valid_name(s) && s.size() <= 128);
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  for (;;) {
    const std::size_t at = s.find(sep);
    parts.push_back(s.substr(0, at));
    if (at == std::string_view::npos)
      return parts;
    s.remove_prefix(at + 1);
  }
}

}  // namespace

std::optional<std::string> url_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size())
      return std::nullopt;
    const int hi = hex_value(in[i + 1]);
    const int lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0)
      return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::string query_value(std::string_view target, std::string_view key) {
  const std::size_t q = target.find('?');
  if (q == std::string_view::npos)
    return {};
  for (std::string_view pair : split(target.substr(q + 1), '&')) {
    const std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) == key && eq != std::string_view::npos) {
      return url_decode(pair.substr(eq + 1)).value_or(std::string());
    }
  }
  return {};
}

std::optional<FunctionName> parse_function_name(std::string_view segment) {
  const std::optional<std::string> decoded = url_decode(segment);
  if (!decoded)
    return std::nullopt;
  const std::vector<std::string_view> p = split(*decoded, ':');
  FunctionName f;
  std::size_t name_at = 0;
  if (p.size() >= 7 && p[0] == "arn" && p[2] == "lambda" && p[5] == "function") {
    f.region = std::string(p[3]);  // arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
    f.account = std::string(p[4]);
    name_at = 6;
  } else if (p.size() >= 3 && p[1] == "function") {
    f.account = std::string(p[0]);  // ACCOUNT:function:NAME[:QUALIFIER]
    name_at = 2;
  }
  if (p.size() > name_at + 2 || !valid_name(p[name_at]))
    return std::nullopt;
  f.name = std::string(p[name_at]);
  if (p.size() == name_at + 2) {
    if (!valid_qualifier(p[name_at + 1]))
      return std::nullopt;
    f.qualifier = std::string(p[name_at + 1]);
  }
  return f;
}

}  // namespace lambda_emu::api

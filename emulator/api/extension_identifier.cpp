#include "api/extension_identifier.hpp"

#include <cctype>

#include "api/handlers.hpp"
#include "api/render.hpp"

namespace lambda_emu::api {
namespace {

bool is_uuid(std::string_view s) {
  if (s.size() != 36) {
    return false;
  }
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<Response> check_extension_identifier(const Request& req, std::string& identifier) {
  identifier = header(req, "Lambda-Extension-Identifier");
  if (identifier.empty()) {
    return render::error(req, http::status::forbidden, "Extension.MissingExtensionIdentifier",
                         "Missing Lambda-Extension-Identifier header");
  }
  if (!is_uuid(identifier)) {
    return render::error(req, http::status::forbidden, "Extension.InvalidExtensionIdentifier",
                         "Invalid Lambda-Extension-Identifier");
  }
  return std::nullopt;
}

}  // namespace lambda_emu::api

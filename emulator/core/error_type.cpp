#include "lambda_emu/core/error_type.hpp"

namespace lambda_emu::core {
namespace {

bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool is_alpha(char c) {
  return is_upper(c) || (c >= 'a' && c <= 'z');
}

// Length of a match of `[A-Z][a-zA-Z]+` at s[i], or 0.
std::size_t match_name(std::string_view s, std::size_t i) {
  if (i >= s.size() || !is_upper(s[i])) {
    return 0;
  }
  std::size_t j = i + 1;
  while (j < s.size() && is_alpha(s[j])) {
    ++j;
  }
  return j - i >= 2 ? j - i : 0;
}

}  // namespace

// rapid keeps the first match of `(Runtime|Function)\.[A-Z][a-zA-Z]+` anywhere in the value.
// Hand-matched: no std::regex on input a runtime controls.
std::string sanitize_error_type(std::string_view raw) {
  for (std::string_view prefix : {std::string_view("Runtime."), std::string_view("Function.")}) {
    for (std::size_t at = raw.find(prefix); at != std::string_view::npos;
         at = raw.find(prefix, at + 1)) {
      if (std::size_t n = match_name(raw, at + prefix.size()); n > 0) {
        return std::string(raw.substr(at, prefix.size() + n));
      }
    }
  }
  return raw.starts_with("Function.") ? "Function.Unknown" : "Runtime.Unknown";
}

}  // namespace lambda_emu::core

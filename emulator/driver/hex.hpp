#pragma once
// Lower-case hex digits of a number, zero-padded: log stream names.
#include <cstdint>
#include <string>

namespace lambda_emu::driver {

inline std::string hex(std::uint64_t v, int digits) {
  static constexpr char d[] = "0123456789abcdef";
  std::string s(static_cast<std::size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i, v >>= 4) {
    s[static_cast<std::size_t>(i)] = d[v & 0xf];
  }
  return s;
}

}  // namespace lambda_emu::driver

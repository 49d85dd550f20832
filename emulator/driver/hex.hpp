#pragma once
// Lower-case hex digits of a number, zero-padded: request ids and log stream names.
#include <cstdint>
#include <string>

namespace lambda_emu::driver {

// Writes the low `digits` hex digits of v into s at `at`.
inline void put_hex(std::string& s, std::size_t at, std::uint64_t v, int digits) {
  static constexpr char d[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i, v >>= 4) {
    s[at + static_cast<std::size_t>(i)] = d[v & 0xf];
  }
}

inline std::string hex(std::uint64_t v, int digits) {
  std::string s(static_cast<std::size_t>(digits), '0');
  put_hex(s, 0, v, digits);
  return s;
}

}  // namespace lambda_emu::driver

#pragma once
// Error-type sanitising as rapid does it for REPORT and telemetry (section 2.4): the payload goes
// to the caller verbatim, but the reported errorType is one of a known shape.
//
//   sanitize_error_type("Runtime.NoSuchHandler")  -> "Runtime.NoSuchHandler"
//   sanitize_error_type("Unhandled")              -> "Runtime.Unknown"
//   sanitize_error_type("Function.bad")           -> "Function.Unknown"
#include <string>
#include <string_view>

namespace lambda_emu::core {

[[nodiscard]] std::string sanitize_error_type(std::string_view raw);

}  // namespace lambda_emu::core

#include "lambda_emu/core/error_type.hpp"

#include <catch2/catch.hpp>

using lambda_emu::core::sanitize_error_type;

TEST_CASE("error type: sanitising keeps Category.Reason and maps the rest",
          "[core][error_type][C16]") {
  CHECK(sanitize_error_type("Runtime.NoSuchHandler") == "Runtime.NoSuchHandler");
  CHECK(sanitize_error_type("Function.TestError") == "Function.TestError");
  CHECK(sanitize_error_type("Unhandled") == "Runtime.Unknown");
  CHECK(sanitize_error_type("") == "Runtime.Unknown");
  CHECK(sanitize_error_type("Function.bad") == "Function.Unknown");
  CHECK(sanitize_error_type("Function.") == "Function.Unknown");
  // Unanchored, as rapid matches: the first good match anywhere wins.
  CHECK(sanitize_error_type("xx Runtime.Boom yy") == "Runtime.Boom");
  CHECK(sanitize_error_type("Runtime.A Runtime.Bb") == "Runtime.Bb");
  CHECK(sanitize_error_type("Runtime.Foo123") == "Runtime.Foo");
  CHECK(sanitize_error_type("Error") == "Runtime.Unknown");
}

#include "api/router.hpp"

#include "api/handlers.hpp"

#include <catch2/catch.hpp>

using namespace lambda_emu;

TEST_CASE("router: every Runtime API endpoint is matched by method and path", "[api][router]") {
  auto routes = runtime_routes();
  SECTION("/next") {
    Match m = match(routes, http::verb::get, "/2018-06-01/runtime/invocation/next");
    REQUIRE(m.route);
    REQUIRE(m.route->pattern == "/2018-06-01/runtime/invocation/next");
  }
  SECTION("/response takes the request id from the path") {
    Match m = match(routes, http::verb::post, "/2018-06-01/runtime/invocation/abc-123/response");
    REQUIRE(m.route);
    REQUIRE(m.param == "abc-123");
  }
  SECTION("/error") {
    Match m = match(routes, http::verb::post, "/2018-06-01/runtime/invocation/x/error");
    REQUIRE(m.route);
    REQUIRE(m.param == "x");
  }
  SECTION("/init/error and a query string") {
    REQUIRE(match(routes, http::verb::post, "/2018-06-01/runtime/init/error?x=1").route);
  }
}

TEST_CASE("router: unknown paths are 404 and known paths with another method 405",
          "[api][router][C23]") {
  auto routes = runtime_routes();
  Match wrong_method = match(routes, http::verb::post, "/2018-06-01/runtime/invocation/next");
  REQUIRE_FALSE(wrong_method.route);
  REQUIRE(wrong_method.path_known);

  for (const char* path :
       {"/2018-06-01/runtime/restore/next", "/", "", "/2018-06-01/runtime/invocation//response",
        "/2018-06-01/runtime/invocation/a/b/response",
        "/2018-06-01/runtime/invocation/next/extra"}) {
    Match m = match(routes, http::verb::get, path);
    CHECK_FALSE(m.route);
    CHECK_FALSE(m.path_known);
  }
}

TEST_CASE("router: RIE's invoke path first, then the Invoke API by name", "[api][router][C74]") {
  const Match rie =
      match(invoke_routes(), http::verb::post, "/2015-03-31/functions/function/invocations");
  REQUIRE(rie.route);
  CHECK(rie.route->handler == api::handle_rie_invoke);
  const Match named = match(invoke_routes(), http::verb::post,
                            "/2015-03-31/functions/other/invocations?Qualifier=1");
  REQUIRE(named.route);
  CHECK(named.route->handler == api::handle_invoke);
  CHECK(named.param == "other");
  CHECK(match(invoke_routes(), http::verb::get, "/2015-03-31/functions/other/invocations")
            .path_known);
}

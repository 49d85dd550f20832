// Function URLs (issue 4 item 4): any HTTP request on the function's URL port is a payload format
// 2.0 event; the result, buffered or streamed with the HTTP integration prelude, is the HTTP
// response a browser or curl sees.
#include <filesystem>

#include <boost/algorithm/string/predicate.hpp>
#include <catch2/catch.hpp>

#include "integration.hpp"

using namespace lambda_emu::testing;

namespace {

EmulatorSpec url_runtime(std::vector<std::string> args = {}) {
  args.insert(args.begin(), {"--function-url-port", "0"});
  return test_runtime("script", std::move(args));
}

// The request body is the test runtime's script (it unwraps the URL event's body).
HttpResult url_request(const EmulatorProcess& emu, std::string_view method, std::string_view target,
                       const json& script, const Headers& headers = {}) {
  Headers with_type = headers;
  with_type.emplace_back("Content-Type", "application/json");  // else the body arrives base64
  return request(emu.function_url_port(), method, target, script.dump(), with_type);
}

std::vector<std::string> header_values(const HttpResult& r, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [k, v] : r.headers) {
    if (boost::algorithm::iequals(k, name)) {
      out.push_back(v);
    }
  }
  return out;
}

const std::string kPrelude =
    json{{"statusCode", 201},
         {"headers", {{"content-type", "text/plain"}, {"x-from", "prelude"}}},
         {"cookies", {"a=1; Path=/", "b=2"}}}
        .dump() +
    std::string(8, '\0');

}  // namespace

TEST_CASE("function url: the request arrives as a payload format 2.0 event",
          "[integration][function-url]") {
  EmulatorProcess emu(url_runtime());
  REQUIRE(emu.function_url_port() != 0);
  // Not a structured response: the echoed event is the 200 application/json body.
  const HttpResult r = url_request(
      emu, "POST", "/some/path?a=1&a=2&b=x%20y", {{"do", "echo"}},
      {{"Content-Type", "application/json"}, {"Cookie", "c1=v1; c2=v2"}, {"X-Custom", "one"}});
  REQUIRE(r.status == 200);
  CHECK(r.header("Content-Type") == "application/json");
  CHECK(r.has_header("x-amzn-RequestId"));
  const json e = parse_json(r.body);
  CHECK(e["version"] == "2.0");
  CHECK(e["rawPath"] == "/some/path");
  CHECK(e["rawQueryString"] == "a=1&a=2&b=x%20y");
  CHECK(e["queryStringParameters"] == json{{"a", "1,2"}, {"b", "x y"}});
  CHECK(e["cookies"] == json{"c1=v1", "c2=v2"});
  CHECK(e["headers"]["x-custom"] == "one");
  CHECK(e["requestContext"]["http"]["method"] == "POST");
  CHECK(e["requestContext"]["http"]["sourceIp"] == "127.0.0.1");
  CHECK(e["requestContext"]["requestId"] == r.header("x-amzn-RequestId").value_or("?"));
  CHECK(parse_json(e["body"].get<std::string>()) == json{{"do", "echo"}});
  CHECK(e["isBase64Encoded"] == false);
  // Every method reaches the function.
  for (const char* method : {"GET", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    INFO(method);
    CHECK(request(emu.function_url_port(), method, "/x").status == 200);
  }
}

TEST_CASE("function url: a structured result is the HTTP response", "[integration][function-url]") {
  EmulatorProcess emu(url_runtime());
  const json structured = {{"statusCode", 418},
                           {"headers", {{"content-type", "text/html"}, {"x-answer", "42"}}},
                           {"cookies", {"session=abc; HttpOnly", "theme=dark"}},
                           {"body", "<h1>teapot</h1>"}};
  const HttpResult r =
      url_request(emu, "GET", "/", {{"do", "respond"}, {"body", structured.dump()}});
  CHECK(r.status == 418);
  CHECK(r.header("Content-Type") == "text/html");
  CHECK(r.header("x-answer") == "42");
  CHECK(header_values(r, "Set-Cookie") ==
        std::vector<std::string>{"session=abc; HttpOnly", "theme=dark"});
  CHECK(r.body == "<h1>teapot</h1>");

  const json binary = {
      {"statusCode", 200}, {"body", base64_encode("\x01\x02")}, {"isBase64Encoded", true}};
  CHECK(url_request(emu, "GET", "/", {{"do", "respond"}, {"body", binary.dump()}}).body ==
        "\x01\x02");
  // A function error, a result that claims a status it cannot have: 502.
  CHECK(url_request(emu, "GET", "/", {{"do", "error"}}).status == 502);
  CHECK(
      url_request(emu, "GET", "/", {{"do", "respond"}, {"body", R"({"statusCode":"x"})"}}).status ==
      502);
  // The sandbox lives on.
  CHECK(url_request(emu, "GET", "/", {{"do", "echo"}}).status == 200);
}

TEST_CASE("function url: a streamed response with the prelude arrives chunk by chunk",
          "[integration][function-url][streaming]") {
  EmulatorProcess emu(url_runtime());
  Marker marker;
  const json script = {{"do", "stream"},
                       {"content_type", "application/vnd.awslambda.http-integration-response"},
                       {"chunks", {kPrelude + "first ", "second"}},
                       {"wait_for", marker.path.string()}};
  // The runtime writes "second" only after "first " reached this caller.
  const HttpResult r = request_streaming(emu.function_url_port(), "POST", "/stream", script.dump(),
                                         {{"Content-Type", "application/json"}},
                                         marker.create_when_received("first"));
  REQUIRE(r.status == 201);
  CHECK(r.error.empty());
  CHECK(r.header("Content-Type") == "text/plain");
  CHECK(r.header("x-from") == "prelude");
  CHECK(header_values(r, "Set-Cookie") == std::vector<std::string>{"a=1; Path=/", "b=2"});
  CHECK(r.body == "first second");  // the prelude and its NULs are not part of the body

  // Without the prelude's type, the stream is a 200 of the runtime's type.
  const HttpResult plain = url_request(emu, "GET", "/",
                                       {{"do", "stream"},
                                        {"content_type", "text/event-stream"},
                                        {"chunks", {"data: 1\n\n", "data: 2\n\n"}}});
  CHECK(plain.status == 200);
  CHECK(plain.header("Content-Type") == "text/event-stream");
  CHECK(plain.body == "data: 1\n\ndata: 2\n\n");
}

TEST_CASE("function url: a stream that fails is cut, a bad prelude is a 502",
          "[integration][function-url][streaming][bad-input]") {
  EmulatorProcess emu(url_runtime());
  const HttpResult cut =
      url_request(emu, "GET", "/",
                  {{"do", "stream"},
                   {"content_type", "application/vnd.awslambda.http-integration-response"},
                   {"chunks", {kPrelude + "partial"}},
                   {"error_type", "Runtime.StreamError"},
                   {"error_body_b64", base64_encode("{}")}});
  CHECK(cut.status == 201);
  CHECK_FALSE(cut.error.empty());  // no last chunk: the client knows the body is incomplete

  const HttpResult bad =
      url_request(emu, "GET", "/",
                  {{"do", "stream"},
                   {"content_type", "application/vnd.awslambda.http-integration-response"},
                   {"chunks", {std::string("not json") + std::string(8, '\0') + "body"}}});
  CHECK(bad.status == 502);
  // Each got one answer and the environment serves on.
  CHECK(url_request(emu, "GET", "/", {{"do", "echo"}}).status == 200);
  CHECK(report_line(emu, 3).starts_with("REPORT RequestId: "));
}

TEST_CASE("function url: a body over 6 MB is refused, the URL is off unless asked for",
          "[integration][function-url][bad-input]") {
  EmulatorProcess emu(url_runtime());
  CHECK(
      request(emu.function_url_port(), "POST", "/", std::string(6 * 1024 * 1024 + 1, 'x')).status ==
      413);
  CHECK(url_request(emu, "GET", "/", {{"do", "echo"}}).status == 200);
  EmulatorProcess without(test_runtime("script"));
  CHECK(without.function_url_port() == 0);
}

namespace {

// Hono's Lambda adapter (tests/integration/node/hono.mjs) under aws-lambda-ric.
EmulatorSpec hono_runtime(const std::string& handler) {
  REQUIRE(std::filesystem::is_directory(source_path("tests/integration/node/node_modules/hono")));
  REQUIRE(std::filesystem::is_directory(
      source_path("examples/hello-node/node_modules/aws-lambda-ric")));
  return {{"--function-url-port", "0", "--task-root", source_path("tests/integration/node"),
           "--handler", "hono." + handler},
          {source_path("examples/hello-node/bootstrap")},
          {"LAMBDA_EMU_NODE=" + source_path(".deps/node/bin/node")}};
}

}  // namespace

TEST_CASE("function url: a Hono app through hono/aws-lambda handle()",
          "[integration][function-url][node]") {
  EmulatorProcess emu(hono_runtime("buffered"));
  const std::uint16_t port = emu.function_url_port();
  const HttpResult hello = request(port, "GET", "/hello/lambda?q=emu");
  REQUIRE(hello.status == 200);
  CHECK(hello.header("Content-Type").value_or("").starts_with("application/json"));
  CHECK(parse_json(hello.body) == json{{"hello", "lambda"}, {"q", "emu"}});

  const HttpResult echo =
      request(port, "POST", "/echo", "plain text body", {{"Content-Type", "text/plain"}});
  CHECK(echo.status == 201);
  CHECK(echo.header("x-echo") == "yes");
  CHECK(echo.body == "plain text body");

  const HttpResult cookies = request(port, "GET", "/cookies");
  CHECK(cookies.body == "baked");
  CHECK(header_values(cookies, "Set-Cookie") ==
        std::vector<std::string>{"flavour=oat; Path=/", "size=big; Path=/"});
  CHECK(request(port, "GET", "/nowhere").status == 404);  // Hono's own 404
}

TEST_CASE("function url: a Hono app through hono/aws-lambda streamHandle() streams",
          "[integration][function-url][node][streaming]") {
  EmulatorProcess emu(hono_runtime("streamed"));
  Marker marker;
  const HttpResult r =
      request_streaming(emu.function_url_port(), "GET", "/stream?marker=" + marker.path.string(),
                        "", {}, marker.create_when_received("first"));
  REQUIRE(r.status == 200);
  CHECK(r.error.empty());
  CHECK(r.header("Content-Type").value_or("").starts_with("text/plain"));
  CHECK(r.body == "first second");
  CHECK(parse_json(request(emu.function_url_port(), "GET", "/hello/streamed").body)["hello"] ==
        "streamed");
}

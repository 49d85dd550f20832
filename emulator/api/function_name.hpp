#pragma once
// FunctionName: the {FunctionName} path segment of the Lambda Invoke API as the AWS SDKs send
// it (URL-encoded): a name, a name with a qualifier, a partial ARN or a full ARN.
//
//   parse_function_name("my-fn")                                           // {"my-fn"}
//   parse_function_name("my-fn:prod")                                      // {"my-fn", "prod"}
//   parse_function_name("123456789012:function:my-fn")                     // {"my-fn"}
//   parse_function_name("arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Amy-fn%3A%24LATEST")
//                                                                          // {"my-fn", "$LATEST"}
#include <optional>
#include <string>
#include <string_view>

namespace lambda_emu::api {

struct FunctionName {
  std::string name;
  std::string qualifier;  // empty: none given
  std::string region;     // from a full ARN; empty otherwise
  std::string account;    // from a partial or full ARN; empty otherwise
};

// nullopt when the segment is not a function name in any of the accepted forms.
[[nodiscard]] std::optional<FunctionName> parse_function_name(std::string_view segment);

// %XX decoding of a path segment or query value; nullopt on a malformed escape.
[[nodiscard]] std::optional<std::string> url_decode(std::string_view in);

// The value of `key` in the target's query string ("?Qualifier=prod"), decoded; empty if absent.
[[nodiscard]] std::string query_value(std::string_view target, std::string_view key);

}  // namespace lambda_emu::api

#pragma once
// "The response is out": after each response the wrapper runtime tells every extension of its
// variant, with one loopback HTTP POST, as a tracer's end-of-invocation flush reaches its
// extension; the extension spends its post_invoke only then.
//
// How the runtime finds an extension's port: the extension listens on a free 127.0.0.1 port and,
// before it registers, writes that port to a file named after its sandbox and its name:
//   $TMPDIR (else /tmp) / lambda-emu-wrapper.<network namespace>.<Runtime API address>.<name>.port
// Runtime and extensions of one sandbox share the Runtime API address, the network namespace
// and /tmp; different sandboxes differ in the address (each has its own Runtime API port) or,
// with private networks, in the namespace, so no two sandboxes share a file, also where /tmp is
// the host's. Lambda starts the runtime only after every extension registered, and the first
// response comes after that, so the file is there and current when the runtime first reads it
// (an earlier sandbox's file of the same name was overwritten before that registration).
//
//   extension:  auto listener = ResponseOutListener::start(name);   // listens, writes the file
//               listener->wait_for(request_id, deadline);
//   runtime:    ResponseOutNotifier notifier({"telemetry-agent"});
//               notifier.notify(request_id);
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bootstrap/http_connection.hpp"

namespace lambda_emu::wrapper_sim {

// The port file of extension `name` in this sandbox.
[[nodiscard]] std::filesystem::path response_out_port_file(std::string_view name);

inline constexpr std::string_view response_out_target = "/response-out";

// The extension's side.
class ResponseOutListener {
 public:
  // Listens on 127.0.0.1 and publishes the port for extension `name`.
  [[nodiscard]] static std::variant<std::shared_ptr<ResponseOutListener>, std::string> start(
      const std::string& name);

  // Waits until the runtime said the response of `request_id` is out, or `deadline` passed
  // (the runtime failed before it could say so); true if it said so.
  [[nodiscard]] bool wait_for(const std::string& request_id,
                              std::chrono::system_clock::time_point deadline);
  // Removes the port file (at SHUTDOWN).
  void unpublish() const;

 private:
  void announce(std::string request_id);

  std::filesystem::path file_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::set<std::string> out_;  // responses announced and not yet waited for
};

// The runtime's side.
class ResponseOutNotifier {
 public:
  explicit ResponseOutNotifier(std::vector<std::string> extension_names);
  // Tells each extension, in order; a failure is logged and the invoke goes on.
  void notify(const std::string& request_id);

 private:
  struct Extension {
    std::string name;
    std::unique_ptr<HttpConnection> connection;  // once the port is known
  };
  [[nodiscard]] std::optional<HttpFailure> notify(Extension& x, const std::string& request_id);

  std::vector<Extension> extensions_;
};

}  // namespace lambda_emu::wrapper_sim

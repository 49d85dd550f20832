#pragma once
// The loopback floor: a minimal Beast echo server and a minimal two-hop relay in front of it.
// The echo server also streams: `POST /stream/<bytes>` answers that many bytes, chunked.
//
//   client -> relay -> echo server
//
// The relay forwards each POST body to the echo server over one persistent keep-alive connection
// per client connection and returns the echo server's body, which is the same shape of work the
// emulator does between the invoking client and the runtime. Both are written plainly but with
// the measured Beast advice (64 KiB read reservation, reused body strings, explicit body limit,
// TCP_NODELAY) and run one io_context on one thread. The bench runs each in its own process
// (`lambda-emu-bench --serve-echo ...` / `--serve-relay ...`) so the floor has the same process
// layout as client -> lambda-emu -> runtime.
#include <string>

#include "http_client.hpp"

namespace bench {

// Both run until SIGTERM or SIGINT and return a process exit code. Once listening they write
// ready_file (if not empty) atomically with {"listen":"127.0.0.1:PORT"}; port 0 picks a free one.
int run_echo_server(const HostPort& listen, const std::string& ready_file);
int run_relay_server(const HostPort& listen, const HostPort& upstream,
                     const std::string& ready_file);

// Writes text to path via a temporary file and rename, so readers never see a partial file.
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace bench

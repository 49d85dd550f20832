#!/usr/bin/env bash
# Installs what lambda-emu needs on Debian 12, and only what is missing:
#   - Debian packages: the C++ toolchain and libraries, clang-format, curl, Node.js with the
#     headers and tools that aws-lambda-ric's native build needs;
#   - Node.js 22 from the npm registry into .deps/node (aws-lambda-ric 4 needs Node >= 22;
#     Debian 12 ships 18), linked as .deps/node/bin/node;
#   - aws-lambda-ric into examples/hello-node/node_modules;
#   - Hono and @aws-sdk/client-lambda, for the tests, into tests/integration/node/node_modules.
# Safe to run again: every step checks first.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

packages=(
  g++ make cmake ninja-build
  libboost-dev libboost-program-options-dev libspdlog-dev nlohmann-json3-dev catch2
  clang-format curl ca-certificates xz-utils python3 python3-jsonschema autoconf automake libtool
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Node.js and npm from Debian unless the machine has its own; node-gyp needs headers.
command -v npm >/dev/null || missing+=(nodejs npm)
[[ -f /usr/include/node/node_api.h ]] || missing+=(libnode-dev)
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  sudo=""
  [[ $EUID -ne 0 ]] && sudo=sudo
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Node.js 22 from the npm registry, the same on every machine.
node22=.deps/node/bin/node
if ! [[ -x $node22 ]] || [[ $("$node22" --version) != v22.* ]]; then
  say "installing Node.js 22 into .deps/node"
  mkdir -p .deps/node
  npm install --prefix .deps/node --no-save --no-audit --no-fund --foreground-scripts node@22
  bin=$(readlink -f .deps/node/node_modules/node/bin/node)
  [[ -x $bin ]] || { echo "setup: node@22 did not install a node binary" >&2; exit 1; }
  mkdir -p .deps/node/bin
  ln -sf "$bin" "$node22"
fi
say "Node.js $("$node22" --version) at $node22"

# aws-lambda-ric builds a native addon (curl and aws-lambda-cpp from source, ~3 minutes on
# two cores). node-gyp cannot download Node headers here: it builds against Debian's
# (libnode-dev), which is fine because the addon uses Node-API, stable across versions.
if ! [[ -f examples/hello-node/node_modules/aws-lambda-ric/index.mjs ]]; then
  say "installing aws-lambda-ric (native build, a few minutes)"
  (cd examples/hello-node &&
    PATH="$root/.deps/node/bin:$PATH" npm_config_nodedir=/usr \
      npm ci --no-audit --no-fund --foreground-scripts)
fi
# The test handlers' packages (plain JavaScript, no build): Hono behind the function URL tests,
# the AWS SDK for JavaScript v3 for the SDK tests.
test_modules=tests/integration/node/node_modules
if ! [[ -f $test_modules/hono/package.json && -f $test_modules/@aws-sdk/client-lambda/package.json ]]; then
  say "installing the test handlers' packages (hono, @aws-sdk/client-lambda)"
  (cd tests/integration/node && npm ci --no-audit --no-fund)
fi
say "ready"

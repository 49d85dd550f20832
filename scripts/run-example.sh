#!/usr/bin/env bash
# The quick start's first command: installs what is missing, builds, and runs the emulator with
# the bundled Node.js example (AWS's aws-lambda-ric + examples/hello-node/index.mjs) on
# 127.0.0.1:9000, its function URL on 127.0.0.1:9001. Extra arguments go to `lambda-emu serve`
# (e.g. --listen 0.0.0.0:9000).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh lambda-emu
echo
echo "Invoke it from another terminal:"
echo "  curl -s -d '{\"hello\":\"world\"}' http://127.0.0.1:9000/2015-03-31/functions/function/invocations"
echo "  curl -s 'http://127.0.0.1:9001/any/path?hello=world'    # its function URL"
echo
# The example's bootstrap runs inside the sandbox, where its own directory is /var/task: name
# the node binary by its host path.
LAMBDA_EMU_NODE="$PWD/.deps/node/bin/node" exec build/bin/lambda-emu serve --handler index.handler --function-name hello-node \
  --function-url-port 9001 "$@" \
  -- examples/hello-node/bootstrap

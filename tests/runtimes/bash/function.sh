#!/bin/bash
# Handler for tests/runtimes/bash/bootstrap (_HANDLER=function.handler): echoes the event back as
# {"echo":<event>}, or fails (non-zero status) when the event contains the text "fail".
handler() {
  local event="$1"
  if [[ "$event" == *'"fail"'* ]]; then
    echo "function.sh: failing on purpose" >&2
    return 1
  fi
  # An empty event would make invalid JSON; echo null instead.
  printf '{"echo":%s}' "${event:-null}"
}

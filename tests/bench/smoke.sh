#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/bench/smoke.sh: ctest smoke test of one load generator (label bench-smoke): 20
# operations against the integration helpers, no timing assertions.
#   smoke.sh milter BIN_DIR SOURCE_DIR   cachet-test-milter on a unix socket in a temp dir
#   smoke.sh policy BIN_DIR SOURCE_DIR   cachet-test-policy in spawn mode
#   smoke.sh null-milter BIN_DIR SOURCE_DIR  cachet-bench-null-milter on a unix socket, then
#                                        stopped by SIGTERM (must exit 0)
# Every process started is stopped by pid; the temp dir is removed.
set -euo pipefail
kind=$1 bin=$2 src=$3
tmp=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

case $kind in
  milter)
    "$bin/cachet-test-milter" "unix:$tmp/m.sock" 2>"$tmp/milter.log" &
    pid=$!
    for _ in $(seq 200); do [ -S "$tmp/m.sock" ] && break; sleep 0.05; done
    [ -S "$tmp/m.sock" ] || { cat "$tmp/milter.log"; echo "test milter did not start"; exit 1; }
    "$bin/cachet-bench-milter" --socket "unix:$tmp/m.sock" --message "$src/tests/data/bench/msg-2k.eml" \
      -n 20 -c 2 --per-conn 3 --macro j=mx.bench.example --expect-header X-Test-First \
      --server-pid "$pid" --label smoke-milter
    "$bin/cachet-bench-milter" --socket "unix:$tmp/m.sock" --message "$src/tests/data/bench/msg-100k.eml" \
      -n 4 -c 1 --expect-header X-Test-Body-Size --json --label smoke-milter-100k
    # a missing header must be reported as an error (exit 1)
    if "$bin/cachet-bench-milter" --socket "unix:$tmp/m.sock" --message "$src/tests/data/bench/msg-2k.eml" \
         -n 2 --expect-header No-Such-Header 2>/dev/null; then
      echo "a missing expected header was not counted as an error"; exit 1
    fi
    ;;
  policy)
    printf 'request=smtpd_access_policy\nprotocol_state=RCPT\nsender=a@bench.example\nrecipient=b@rcpt.example\n' \
      > "$tmp/req.txt"
    "$bin/cachet-bench-policy" --requests "$tmp/req.txt" -n 20 -c 2 --expect-action REJECT \
      --label smoke-policy-spawn --spawn -- "$bin/cachet-test-policy"
    "$bin/cachet-bench-policy" --requests "$tmp/req.txt" -n 20 -c 2 --per-conn 1 --json \
      --expect-action "REJECT a@" --label smoke-policy-spawn-1 --spawn -- "$bin/cachet-test-policy"
    "$bin/cachet-bench-policy" --requests "$tmp/req.txt" --first-answer 3 --expect-action REJECT \
      --label smoke-policy-first --spawn -- "$bin/cachet-test-policy"
    if "$bin/cachet-bench-policy" --requests "$tmp/req.txt" -n 2 --expect-action DUNNO \
         --spawn -- "$bin/cachet-test-policy" 2>/dev/null; then
      echo "an unexpected action was not counted as an error"; exit 1
    fi
    ;;
  null-milter)
    "$bin/cachet-bench-null-milter" --socket "unix:$tmp/n.sock" 2>"$tmp/null.log" &
    pid=$!
    for _ in $(seq 200); do [ -S "$tmp/n.sock" ] && break; sleep 0.05; done
    [ -S "$tmp/n.sock" ] || { cat "$tmp/null.log"; echo "null milter did not start"; exit 1; }
    "$bin/cachet-bench-milter" --socket "unix:$tmp/n.sock" --message "$src/tests/data/bench/msg-2k.eml" \
      -n 20 -c 2 --macro j=mx.bench.example --expect-header X-Cachet-Bench --server-pid "$pid" --label smoke-null
    kill -TERM "$pid"
    wait "$pid" || { cat "$tmp/null.log"; echo "null milter did not stop cleanly"; exit 1; }
    pid=
    ;;
  *) echo "usage: smoke.sh milter|policy|null-milter BIN_DIR SOURCE_DIR" >&2; exit 2 ;;
esac
echo "bench smoke $kind: ok"

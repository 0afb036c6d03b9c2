#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# tests/bench/observe_cost.sh: the cost of cachet-dkim's observability (decision line in
# LogFormat json with LogWhy, every Prometheus series including MetricsDomains) per signed
# message, next to the signing, for rsa-sha256/2048 and ed25519-sha256, in one run:
#   1. CPU: cachet-bench-observe alternates blocks with observability off and on, on the
#      process CPU clock (figures move with the machine's load, printed alongside);
#   2. instructions (load-independent), when valgrind is installed: callgrind counts the
#      instructions of the signing alone (--phase off, --toggle-collect '*Bench::sign*') and
#      of the observability alone (--phase on, '*Bench::observe*'), per message.
# Usage: tests/bench/observe_cost.sh [BIN_DIR] [MESSAGE]   (default build/default/bin and
# tests/data/bench/msg-2k.eml). Prints a markdown table. No timing assertions.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${1:-$ROOT/build/default/bin}
MSG=${2:-$ROOT/tests/data/bench/msg-2k.eml}
bench=$BIN/cachet-bench-observe
[ -x "$bench" ] || { echo "observe_cost.sh: $bench missing (build cachet-bench-observe)" >&2; exit 1; }

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
declare -A cpu
for alg in rsa ed25519; do
  n=$([ "$alg" = rsa ] && echo 2000 || echo 20000)
  cpu[$alg]=$("$bench" --alg "$alg" --message "$MSG" -n "$n" --blocks 20)
  echo "${cpu[$alg]}"
done
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) at the end of the CPU runs"

# callgrind's "Collected : N" of one run.
collected() {   # ALG PHASE FUNCTION N
  local out; out=$(mktemp)
  valgrind --tool=callgrind --callgrind-out-file=/dev/null --collect-atstart=no \
    --toggle-collect="$3" "$bench" --alg "$1" --message "$MSG" --phase "$2" -n "$4" 2> "$out" >/dev/null
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$out"
  rm -f "$out"
}
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }

echo
echo "| algorithm | sign CPU us | on-off CPU | observe us (in line) | observe CPU us (alone) | CPU overhead | sign Ir/msg | observe Ir/msg | Ir overhead |"
echo "|---|---|---|---|---|---|---|---|---|"
for alg in rsa ed25519; do
  sign_ir="-" obs_ir="-" ir_pct="-"
  if command -v valgrind >/dev/null 2>&1; then
    n=$([ "$alg" = rsa ] && echo 20 || echo 100)
    s=$(collected "$alg" off '*Bench::sign*' "$n")
    b=$(collected "$alg" on '*Bench::observe*' "$n")
    sign_ir=$((s / n)) obs_ir=$((b / n))
    ir_pct=$(awk -v a="$obs_ir" -v b="$sign_ir" 'BEGIN { printf "%.2f%%", 100 * a / b }')
  fi
  line=${cpu[$alg]}
  echo "| $(field "$line" alg) | $(field "$line" sign_us) | $(field "$line" on_minus_off) | $(field "$line" observe_us) | $(field "$line" observe_cpu_us) | $(field "$line" cpu_overhead) | $sign_ir | $obs_ir | $ir_pct |"
done
command -v valgrind >/dev/null 2>&1 || echo "(no valgrind: instruction counts skipped; scripts/packages.d/bench.txt)"

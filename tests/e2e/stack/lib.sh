# shellcheck shell=bash disable=SC2034
# SPDX-License-Identifier: BSD-2-Clause
#
# tests/e2e/stack/lib.sh: settings and helpers shared by stack/start and stack/stop.
# Sourced, not run. Defines where a stack lives (E2E_STACK_DIR, E2E_NETNS), its ports, and
# small helpers: say (timestamped progress), wait_until (poll a condition with a deadline),
# pid_in_netns (is this pid really ours?). No side effects when sourced.

# A stack is identified by its network namespace name; its directory defaults to one per name,
# so two stacks (two build trees, ctest and the demo) never share files or ports.
# The directory sits under /run (no world-writable ancestor: key files placed there later by
# the DKIM plugin pass "safe key" checks, which /tmp would fail) and short (unix socket paths
# are limited to 107 bytes).
NETNS=${E2E_NETNS:-cachet-e2e}
STACK=${E2E_STACK_DIR:-/run/cachet-e2e/$NETNS}

# Ports inside the namespace. Nothing else listens there, so the well-known ports are free.
SMTP_PORT=${E2E_SMTP_PORT:-25}            # MX role, no AUTH required
SMTPS_PORT=${E2E_SMTPS_PORT:-465}         # wrappermode TLS + AUTH (the classic guide's choice)
SUBMISSION_PORT=${E2E_SUBMISSION_PORT:-587}   # STARTTLS required + AUTH
IMAP_PORT=${E2E_IMAP_PORT:-143}           # Dovecot, STARTTLS before login
IMAPS_PORT=${E2E_IMAPS_PORT:-993}         # Dovecot, TLS from the first byte
SINK_PORT=${E2E_SINK_PORT:-2526}          # smtp-sink: Postfix's relayhost
VMAIL_UID=${E2E_VMAIL_UID:-5000}          # owner of the mboxes; needs no passwd entry

# Debian's interpreter when there is one (a pyenv shim first in PATH costs 0.4 s per start).
PYTHON=${E2E_PYTHON:-$(command -v /usr/bin/python3 || command -v python3 || echo python3)}

E2E_T0=${E2E_T0:-$EPOCHREALTIME}
say() { printf '[stack %s %5.2fs] %s\n' "$NETNS" "$(elapsed)" "$*"; }
elapsed() { awk -v a="$E2E_T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }

now_ms() { local t=$EPOCHREALTIME; echo $(( ${t%.*} * 1000 + 10#${t#*.} / 1000 )); }

# wait_until SECONDS DESCRIPTION COMMAND...: run COMMAND every 50 ms until it succeeds.
# Returns 1 (and says what it waited for) when the deadline passes.
wait_until() {
  local limit=$1 what=$2; shift 2
  local deadline=$(( $(now_ms) + limit * 1000 ))
  until "$@" >/dev/null 2>&1; do
    if [ "$(now_ms)" -ge "$deadline" ]; then
      echo "timed out after ${limit}s waiting for $what" >&2
      return 1
    fi
    sleep 0.05
  done
}

netns_inode() { stat -L -c %i "/run/netns/$NETNS" 2>/dev/null || echo none; }

# pid_in_netns PID: true when PID is alive and lives in our namespace. A pid from an old
# pidfile may belong to somebody else's process by now; we only ever signal our own.
pid_in_netns() {
  [ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 1
  [ "$(stat -L -c %i "/proc/$1/ns/net" 2>/dev/null)" = "$(netns_inode)" ]
}

read_pidfile() { [ -s "$1" ] && tr -dc '0-9' < "$1" || true; }

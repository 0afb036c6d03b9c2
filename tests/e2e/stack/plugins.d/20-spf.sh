# SPDX-License-Identifier: BSD-2-Clause
# tests/e2e/stack/plugins.d/20-spf.sh: cachet-spf on port 25, in spawn mode exactly as the
# classic guide runs policyd-spf (master.cf `spawn ... argv=...`, check_policy_service
# after reject_unauth_destination), with a policyd-spf.conf in its dialect.
# 127.0.0.2 is "the Internet" in this stack, so skip_addresses only covers 127.0.0.1 and ::1
# (policyd-spf's default 127.0.0.0/8 would skip every outside client).
# E2E_SPF_MODE=socket (the default of the observability stack, E2E_OBSERVE=1) runs it as a
# long-lived socket server instead (Socket in the same file, -f, logging to log/spf.out):
# spawn mode has no process for Prometheus to scrape.
if [ ! -x "$E2E_BIN_DIR/cachet-spf" ]; then
  echo "20-spf.sh: $E2E_BIN_DIR/cachet-spf is missing (build the cachet-spf target)" >&2
  exit 1
fi
mkdir -p "$STACK/etc"
cat > "$STACK/etc/policyd-spf.conf" <<CONF
# policyd-spf.conf for the e2e stack (policyd-spf's own dialect)
debugLevel = 1
TestOnly = 1
HELO_reject = Fail
Mail_From_reject = Fail
PermError_reject = False
TempError_Defer = False
skip_addresses = 127.0.0.1,::1
Nameservers = 127.0.0.1
CONF
chmod 0644 "$STACK/etc/policyd-spf.conf"
SPF_MODE=${E2E_SPF_MODE:-$([ "${E2E_OBSERVE:-0}" = 1 ] && echo socket || echo spawn)}
if [ "$SPF_MODE" = socket ]; then
  stack_rundir spf nobody:postfix 0750
  cat >> "$STACK/etc/policyd-spf.conf" <<CONF
Socket = local:$STACK/run/spf/spf.sock
UserID = nobody:postfix
UMask = 007
CONF
  stack_daemon spf "unix:$STACK/run/spf/spf.sock" "$E2E_BIN_DIR/cachet-spf" -f "$STACK/etc/policyd-spf.conf"
  stack_mx_policy "check_policy_service unix:$STACK/run/spf/spf.sock"
else
  stack_postconf "policy-spf_time_limit = 3600s"
  stack_master_cf "policy-spf unix - n n - 0 spawn
  user=nobody argv=$E2E_BIN_DIR/cachet-spf $STACK/etc/policyd-spf.conf"
  stack_mx_policy "check_policy_service unix:private/policy-spf"
fi

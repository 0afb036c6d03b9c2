# SPDX-License-Identifier: BSD-2-Clause
# tests/e2e/stack/plugins.d/40-dmarc.sh: cachet-dmarc in the stack, configured as the classic
# guide's opendmarc (only Socket set; report-only defaults) plus the stack's nameserver.
# It comes after 10-dkim.sh in smtpd_milters (plugin-name order), so it sees cachet-dkim's
# Authentication-Results; both default their authserv-id to the MTA's j macro
# (mail.example.test), so cachet-dmarc trusts them. IgnoreHosts stays default (127.0.0.1):
# mail from the outside address 127.0.0.2 is evaluated. scenarios/dmarc.py flips
# RejectFailures in $STACK/etc/dmarc.conf and reloads with SIGHUP.
dmarc_bin=$E2E_BIN_DIR/cachet-dmarc
if [[ ! -x $dmarc_bin ]]; then echo "40-dmarc.sh: $dmarc_bin missing (build it first)" >&2; exit 1; fi
stack_rundir dmarc root:postfix 0750
install -d -o postfix -g postfix -m 0750 "$STACK/dmarc"   # the history, written as UserID
cat > "$STACK/etc/dmarc.conf" <<CONF
Socket			unix:$STACK/run/dmarc/dmarc.sock
UMask			002
UserID			postfix:postfix
Nameservers		127.0.0.1
HistoryDatabase		$STACK/dmarc/history.sqlite
CONF
stack_daemon dmarc "unix:$STACK/run/dmarc/dmarc.sock" "$dmarc_bin" -f -c "$STACK/etc/dmarc.conf"
stack_milter "unix:$STACK/run/dmarc/dmarc.sock"

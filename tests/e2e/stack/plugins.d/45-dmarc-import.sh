# SPDX-License-Identifier: BSD-2-Clause
# tests/e2e/stack/plugins.d/45-dmarc-import.sh: DMARC reports in, as docs/migrating.md wires
# them: mail to dmarc-reports@reports.example.test goes to a pipe(8) transport running
# `cachetctl dmarc-import --accept-unreadable -q`. reports.example.test is a relay domain
# whose transport_maps entry is that pipe. In production the pipe runs as the history's
# owner (cachet-dmarc); here cachet-dmarc runs as postfix, which pipe(8) refuses to be
# (mail_owner), so the imported reports go to a database of their own owned by nobody:
# $STACK/dmarc-reports/reports.sqlite (scenarios/dmarc_import.py reads it with dmarc-summary).
ctl_bin=$E2E_BIN_DIR/cachetctl
if [[ ! -x $ctl_bin ]]; then echo "45-dmarc-import.sh: $ctl_bin missing (build it first)" >&2; exit 1; fi
install -d -o nobody -g nogroup -m 0755 "$STACK/dmarc-reports"
printf 'reports.example.test dmarc-import:\n' > "$STACK/etc/dmarc-transport"
stack_postconf "relay_domains = reports.example.test"
stack_postconf "transport_maps = texthash:$STACK/etc/dmarc-transport"
stack_master_cf "dmarc-import unix - n n - 2 pipe
  user=nobody argv=$ctl_bin dmarc-import --accept-unreadable -q --db $STACK/dmarc-reports/reports.sqlite"

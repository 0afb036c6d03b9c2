# SPDX-License-Identifier: BSD-2-Clause
# tests/e2e/stack/plugins.d/10-dkim.sh: cachet-dkim in the stack, configured in the classic
# guide's shape (Canonicalization relaxed/simple, Domain, KeyFile, Selector, a local: socket,
# UMask), on a unix socket in smtpd_milters and non_smtpd_milters. Keys are made at start:
# example.test's signing key (selector "default") and a foreign key for outside.test
# (selector "ext") that scenarios/dkim.py signs inbound mail with; both are published in the
# stack's DNS. RequireSafeKeys stays on: the key directory and keys are private to the
# UserID user (postfix), so that a reload (SIGHUP, after the privilege drop) reads them again.
# PostfixMainCf points at the stack's main.cf (smtpd_sender_login_maps = the guide's
# sendas.pcre) as an admin's default /etc/postfix/main.cf would; it is read only when a
# scenario turns FromLoginMismatch on (scenarios/from_login.py).
dkim_bin=$E2E_BIN_DIR/cachet-dkim
if [[ ! -x $dkim_bin ]]; then echo "10-dkim.sh: $dkim_bin missing (build it first)" >&2; exit 1; fi
install -d -m 0700 -o postfix -g postfix "$STACK/dkim"
# "v=DKIM1; k=rsa; p=..." split into <=250-byte strings, as unbound local-data wants them.
dkim_txt() {
  local p; p=$(openssl pkey -in "$1" -pubout -outform DER 2>/dev/null | base64 -w0)
  local rec="v=DKIM1; k=rsa; p=$p" out=""
  while [[ -n $rec ]]; do out+="\"${rec:0:250}\" "; rec=${rec:250}; done
  printf '%s' "${out% }"
}
for dkim_key in default foreign; do
  if [[ ! -s $STACK/dkim/$dkim_key.private ]]; then
    (umask 077; openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
      -out "$STACK/dkim/$dkim_key.private" 2>/dev/null)
  fi
done
chown postfix:postfix "$STACK/dkim"/*.private
stack_zone_data "local-data: 'default._domainkey.example.test. 300 IN TXT $(dkim_txt "$STACK/dkim/default.private")'" \
                "local-data: 'ext._domainkey.outside.test. 300 IN TXT $(dkim_txt "$STACK/dkim/foreign.private")'"
stack_rundir dkim root:postfix 0750
cat > "$STACK/etc/dkim.conf" <<CONF
Canonicalization	relaxed/simple
Domain			example.test
KeyFile			$STACK/dkim/default.private
Selector		default
Socket                  local:$STACK/run/dkim/dkim.sock
UMask			002
UserID			postfix:postfix
Nameservers		127.0.0.1
PostfixMainCf		$STACK/postfix/etc/main.cf
CONF
stack_daemon dkim "unix:$STACK/run/dkim/dkim.sock" "$dkim_bin" -f -x "$STACK/etc/dkim.conf"
stack_milter "unix:$STACK/run/dkim/dkim.sock"

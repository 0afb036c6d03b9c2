# SPDX-License-Identifier: BSD-2-Clause
# tests/e2e/stack/plugins.d/30-sender.sh: cachet-sender in the stack. It reads the classic
# guide's sendas.pcre through the stack's own main.cf (smtpd_sender_login_maps), as an admin
# points it at /etc/postfix/main.cf, and runs first in the submission ports'
# smtpd_sender_restrictions (check_policy_service on its unix socket). Postfix's own
# reject_sender_login_mismatch still follows it in the classic list; the scenarios
# (scenarios/sender.py) tell the two apart by cachet-sender's log line for each decision.
sender_bin=${E2E_BIN_DIR:-}/cachet-sender
if [ ! -x "$sender_bin" ]; then
  echo "30-sender: $sender_bin is missing (build cachet-sender, or set E2E_BIN_DIR)" >&2
  exit 1
fi
# The socket is made by root, then owned by nobody:postfix with mode 0770 (UMask 007), so
# Postfix's smtpd (user postfix) may connect; the directory lets nobody remove it at exit.
stack_rundir sender nobody:postfix 0750
cat > "$STACK/etc/sender.conf" <<EOF_CONF
# cachet-sender for e2e stack $NETNS (written by plugins.d/30-sender.sh)
Socket local:$STACK/run/sender/sender.sock
UserID nobody:postfix
UMask 007
PostfixMainCf $STACK/postfix/etc/main.cf
MismatchPolicy reject_sender_login_mismatch
EOF_CONF
stack_daemon sender "unix:$STACK/run/sender/sender.sock" \
  "$sender_bin" -f -c "$STACK/etc/sender.conf"
stack_submission_sender_check "check_policy_service unix:$STACK/run/sender/sender.sock"

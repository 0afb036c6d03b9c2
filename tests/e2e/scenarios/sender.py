# SPDX-License-Identifier: BSD-2-Clause
#
# tests/e2e/scenarios/sender.py: cachet-sender (plugins.d/30-sender.sh) deciding who may use
# which envelope sender on the submission ports, with the classic guide's sendas.pcre read
# through the stack's main.cf: alice (Dovecot SASL) may send as alice@ and postmaster@, is
# refused as bob@ with Postfix's exact reply, and an unauthenticated client using a local
# sender is refused as "not logged in" (MismatchPolicy reject_sender_login_mismatch). Every
# decision is checked in cachet-sender's own log line (sender.out: it runs with -f), which
# also names the sendas.pcre rule that matched: something Postfix cannot tell the admin.
# Order 120-129.
import os
import subprocess
from pathlib import Path

from cachet_e2e import logs
from cachet_e2e.scenario import Context, scenario
from cachet_e2e.stack import ALICE, BOB

OUTSIDE_HELO = "mx.outside.test"


def decision_line(ctx: Context, sender: str, login: str, decision: str, since: dict[str, int]) -> str:
    """Waits for cachet-sender's decision line about this sender and returns it as text (the
    same in LogFormat text and json)."""
    fields = ctx.decision("sender", "sender.decision", since, f"cachet-sender decided {decision}",
                          sender=sender, login=login, decision=decision)
    return logs.render("sender.decision", fields) + " "


@scenario("sender_owner_may_send",
          "alice, logged in, may send as alice@ and as postmaster@ (the guide's sendas.pcre)",
          order=120)
def sender_owner_may_send(ctx: Context) -> None:
    stack = ctx.stack
    for address, rule in ((ALICE.address, "sendas.pcre:3"), ("postmaster@example.test", "sendas.pcre:2")):
        token = ctx.token()
        since = stack.log_marks()
        ctx.say(f"alice logs in on port {stack.smtps_port} and gives MAIL FROM:<{address}>")
        result = ctx.send(token, port=stack.smtps_port, tls="smtps", auth=ALICE,
                          mail_from=address, to=BOB.address)
        ctx.delivered_to_mailbox(result, BOB, token)
        line = decision_line(ctx, address, ALICE.login, "allowed", since)
        ctx.check(f"{rule} " in line, f"cachet-sender names the rule that matched ({rule})", line)


@scenario("sender_not_owned_refused",
          "alice, logged in, is refused as bob@ with Postfix's exact reply", order=121)
def sender_not_owned_refused(ctx: Context) -> None:
    stack, token = ctx.stack, ctx.token()
    since = stack.log_marks()
    ctx.say(f"alice logs in on port {stack.submission_port} (STARTTLS) and gives "
            f"MAIL FROM:<{BOB.address}>")
    result = ctx.send(token, port=stack.submission_port, tls="starttls", auth=ALICE,
                      mail_from=BOB.address, to=BOB.address)
    ctx.refused(result, f"553 5.7.1 <{BOB.address}>: Sender address rejected: "
                        f"not owned by user {ALICE.login}")
    line = decision_line(ctx, BOB.address, ALICE.login, "not_owned", since)
    ctx.check("sendas.pcre:3 " in line and "owners=bob" in line,
              "refused by cachet-sender: the catch-all rule gives bob@ to bob only", line)
    query_mode(ctx)


def query_mode(ctx: Context) -> None:
    """The admin asks cachet-sender why (query mode reads the same files, no Postfix)."""
    bin_dir = os.environ.get("E2E_BIN_DIR") or str(
        Path(__file__).resolve().parents[3] / "build" / "default" / "bin")
    conf = ctx.stack.dir / "etc" / "sender.conf"
    cmd = [f"{bin_dir}/cachet-sender", "-c", str(conf), "-q", BOB.address, ALICE.login]
    ctx.say("admin: " + " ".join(["cachet-sender", "-c", conf.name, "-q", BOB.address, ALICE.login]))
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    for out_line in run.stdout.splitlines():
        ctx.say("  " + out_line)
    ctx.check(run.returncode == 1 and "not_owned" in run.stdout and "sendas.pcre:3" in run.stdout,
              "query mode: refused (exit 1) by sendas.pcre:3", run.stdout + run.stderr)


@scenario("sender_unauthenticated_local_refused",
          "a client without AUTH using a local sender is refused: not logged in", order=122)
def sender_unauthenticated_local_refused(ctx: Context) -> None:
    stack, token = ctx.stack, ctx.token()
    since = stack.log_marks()
    ctx.say(f"{OUTSIDE_HELO} (127.0.0.2) on port {stack.submission_port}, STARTTLS, no AUTH, "
            f"MAIL FROM:<{ALICE.address}> to bob")
    result = ctx.send(token, port=stack.submission_port, tls="starttls",
                      client_ip=stack.outside_ip, helo=OUTSIDE_HELO,
                      mail_from=ALICE.address, to=BOB.address)
    ctx.refused(result, f"553 5.7.1 <{ALICE.address}>: Sender address rejected: not logged in")
    line = decision_line(ctx, ALICE.address, "", "not_logged_in", since)
    ctx.check("sendas.pcre:3 " in line,
              "refused by cachet-sender (reject_sender_login_mismatch checks anonymous clients)",
              line)

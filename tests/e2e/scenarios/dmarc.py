# SPDX-License-Identifier: BSD-2-Clause
#
# tests/e2e/scenarios/dmarc.py: cachet-dmarc in the real stack (plugins.d/40-dmarc.sh after
# 10-dkim.sh). Mail from the outside forging spoofed.test (p=reject, no SPF, no DKIM) gets
# dmarc=fail by default (report only) and is refused with 550 5.7.1 once RejectFailures is
# on (the scenario rewrites dmarc.conf, reloads with SIGHUP, and restores it afterwards); a
# message DKIM-signed by outside.test arrives with dmarc=pass.
import os
import signal
import subprocess

from cachet_e2e.scenario import Context, scenario
from cachet_e2e.smtp import build_message
from cachet_e2e.stack import ALICE

FORGER = "ceo@spoofed.test"
FRIEND = "friend@outside.test"


def auth_results(message) -> str:
    return " ".join(str(v) for v in message.get_all("Authentication-Results", []))


def reload_dmarc(ctx: Context, reject: bool) -> None:
    stack = ctx.stack
    conf = os.path.join(stack.dir, "etc", "dmarc.conf")
    with open(conf, encoding="utf-8") as f:
        lines = [line for line in f if not line.startswith("RejectFailures")]
    if reject:
        lines.append("RejectFailures\t\tyes\n")
    with open(conf, "w", encoding="utf-8") as f:
        f.writelines(lines)
    since = stack.log_position("dmarc.out")
    with open(os.path.join(stack.dir, "run", "dmarc.pid"), encoding="utf-8") as f:
        os.kill(int(f.read().strip()), signal.SIGHUP)
    stack.wait_for_log(r"dmarc\.state_loaded", name="dmarc.out", since=since)


def forged(ctx: Context, token: str):
    stack = ctx.stack
    return ctx.send(token, port=stack.smtp_port, client_ip=stack.outside_ip, helo="mx.outside.test",
                    mail_from=FORGER, to=ALICE.address)


@scenario("dmarc_fail_report_only", "forged p=reject mail arrives with dmarc=fail by default", order=400)
def dmarc_fail_report_only(ctx: Context) -> None:
    token = ctx.token()
    message = ctx.delivered_to_mailbox(forged(ctx, token), ALICE, token)
    ar = auth_results(message)
    ctx.check("dmarc=fail (p=reject dis=none) header.from=spoofed.test" in ar,
              "dmarc=fail (p=reject dis=none) header.from=spoofed.test", ar)
    ctx.show_added_headers(message)


@scenario("dmarc_reject_enforced", "with RejectFailures the same mail is refused with 550 5.7.1",
          order=410)
def dmarc_reject_enforced(ctx: Context) -> None:
    reload_dmarc(ctx, reject=True)
    try:
        token = ctx.token()
        ctx.refused(forged(ctx, token), "550 5.7.1 rejected by DMARC policy for spoofed.test")
    finally:
        reload_dmarc(ctx, reject=False)


@scenario("dmarc_pass_signed", "mail DKIM-signed by outside.test arrives with dmarc=pass", order=420)
def dmarc_pass_signed(ctx: Context) -> None:
    stack, token = ctx.stack, ctx.token()
    key = os.path.join(stack.dir, "dkim", "foreign.private")
    if not os.path.exists(key):
        ctx.say("SKIP: the DKIM plugin (plugins.d/10-dkim.sh, cachet-dkim) is not in this stack")
        return
    data = build_message(token=token, mail_from=FRIEND, to=ALICE.address, subject="dmarc news")
    script = ("import sys, dkim\n"
              "msg = sys.stdin.buffer.read()\n"
              "key = open(sys.argv[1], 'rb').read()\n"
              "sys.stdout.buffer.write(dkim.sign(msg, b'ext', b'outside.test', key,"
              " canonicalize=(b'relaxed', b'simple')) + msg)\n")
    signed = subprocess.run(["/usr/bin/python3", "-c", script, key], input=data,
                            capture_output=True, check=True).stdout
    result = ctx.send(port=stack.smtp_port, client_ip=stack.outside_ip, helo="mx.outside.test",
                      mail_from=FRIEND, to=ALICE.address, data=signed)
    message = ctx.delivered_to_mailbox(result, ALICE, token)
    ar = auth_results(message)
    ctx.check("dmarc=pass (p=reject dis=none) header.from=outside.test" in ar,
              "dmarc=pass (p=reject dis=none) header.from=outside.test", ar)
    ctx.show_added_headers(message)

# SPDX-License-Identifier: BSD-2-Clause
#
# tests/e2e/scenarios/dmarc.py: cachet-dmarc in the real stack (plugins.d/40-dmarc.sh after
# 10-dkim.sh). Mail from the outside forging spoofed.test (p=reject, no SPF, no DKIM) gets
# dmarc=fail by default (report only) and is refused with 550 5.7.1 once RejectFailures is
# on (the scenario rewrites dmarc.conf, reloads with SIGHUP, and restores it afterwards); a
# message DKIM-signed by outside.test arrives with dmarc=pass. rua.test's mail ends in an
# aggregate report that `cachetctl dmarc-report send` mails through Postfix to the sink.
# Each message's dmarc.result line is checked: the verdict with the inputs it used (SPF and
# DKIM identities, where the SPF result came from, policy, disposition, alignment).
# With FailureReports on, forged mail from ruf.test makes cachet-dmarc mail an ARF failure
# report through Postfix's sendmail to the authorized ruf addresses (the sink).
import email
import os
import sqlite3
import subprocess

from cachet_e2e.scenario import Context, scenario
from cachet_e2e.smtp import build_message
from cachet_e2e.stack import ALICE, stable_bytes, wait_until

FORGER = "ceo@spoofed.test"
FRIEND = "friend@outside.test"


def auth_results(message) -> str:
    return " ".join(str(v) for v in message.get_all("Authentication-Results", []))


def reload_dmarc(ctx: Context, reject: bool) -> None:
    ctx.stack.reconfigure("dmarc", "RejectFailures", "yes" if reject else None, r"dmarc\.state_loaded")


def forged(ctx: Context, token: str):
    stack = ctx.stack
    return ctx.send(token, port=stack.smtp_port, client_ip=stack.outside_ip, helo="mx.outside.test",
                    mail_from=FORGER, to=ALICE.address)


@scenario("dmarc_fail_report_only", "forged p=reject mail arrives with dmarc=fail by default", order=400)
def dmarc_fail_report_only(ctx: Context) -> None:
    token = ctx.token()
    marks = ctx.stack.log_marks()
    result = forged(ctx, token)
    message = ctx.delivered_to_mailbox(result, ALICE, token)
    ar = auth_results(message)
    ctx.check("dmarc=fail (p=reject dis=none) header.from=spoofed.test" in ar,
              "dmarc=fail (p=reject dis=none) header.from=spoofed.test", ar)
    ctx.decision("dmarc", "dmarc.result", marks,
                 "dmarc.result: fail under p=reject, disposition none (report only), nothing aligned",
                 qid=result.queue_id, **{"from": "spoofed.test"}, result="fail", policy="reject",
                 disposition="none", dkim="none", spf="spoofed.test:notpass", spf_source="Received-SPF",
                 policy_domain="spoofed.test", pct="100", aligned="none")
    ctx.show_added_headers(message)


@scenario("dmarc_reject_enforced", "with RejectFailures the same mail is refused with 550 5.7.1",
          order=410)
def dmarc_reject_enforced(ctx: Context) -> None:
    reload_dmarc(ctx, reject=True)
    try:
        token = ctx.token()
        marks = ctx.stack.log_marks()
        ctx.refused(forged(ctx, token), "550 5.7.1 rejected by DMARC policy for spoofed.test")
        ctx.decision("dmarc", "dmarc.result", marks, "dmarc.result: fail, disposition reject",
                     **{"from": "spoofed.test"}, result="fail", policy="reject", disposition="reject",
                     aligned="none")
    finally:
        reload_dmarc(ctx, reject=False)


@scenario("dmarc_pass_signed", "mail DKIM-signed by outside.test arrives with dmarc=pass", order=420)
def dmarc_pass_signed(ctx: Context) -> None:
    stack, token = ctx.stack, ctx.token()
    key = os.path.join(stack.dir, "dkim", "foreign.private")
    # plugins.d/10-dkim.sh makes this key at start (and fails the start without cachet-dkim):
    # no key means a broken stack, a failure, never a silent pass.
    ctx.check(os.path.exists(key), f"outside.test's DKIM key {key} exists (plugins.d/10-dkim.sh)")
    data = build_message(token=token, mail_from=FRIEND, to=ALICE.address, subject="dmarc news")
    script = ("import sys, dkim\n"
              "msg = sys.stdin.buffer.read()\n"
              "key = open(sys.argv[1], 'rb').read()\n"
              "sys.stdout.buffer.write(dkim.sign(msg, b'ext', b'outside.test', key,"
              " canonicalize=(b'relaxed', b'simple')) + msg)\n")
    signed = subprocess.run(["/usr/bin/python3", "-c", script, key], input=data,
                            capture_output=True, check=True).stdout
    marks = stack.log_marks()
    result = ctx.send(port=stack.smtp_port, client_ip=stack.outside_ip, helo="mx.outside.test",
                      mail_from=FRIEND, to=ALICE.address, data=signed)
    message = ctx.delivered_to_mailbox(result, ALICE, token)
    ar = auth_results(message)
    ctx.check("dmarc=pass (p=reject dis=none) header.from=outside.test" in ar,
              "dmarc=pass (p=reject dis=none) header.from=outside.test", ar)
    ctx.decision("dmarc", "dmarc.result", marks,
                 "dmarc.result: pass through the aligned DKIM signature, read from cachet-dkim's A-R",
                 qid=result.queue_id, **{"from": "outside.test"}, result="pass", policy="reject",
                 disposition="none", dkim="outside.test:pass", ar="mail.example.test", aligned="dkim")
    ctx.show_added_headers(message)


def report_in_sink(stack, recipient: str):
    """The sink file holding an aggregate report for rua.test addressed to `recipient`."""
    for path in sorted(stack.sink_dir.iterdir()):
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            continue
        if b"Report Domain: rua.test " in raw and f"To: <{recipient}>".encode() in raw:
            return path
    return None


def last_recorded(history: str, domain: str):
    """When cachet-dmarc's history writer last recorded mail of `domain` (None: not yet; the
    writer creates the file and its table on its first batch)."""
    try:
        with sqlite3.connect(f"file:{history}?mode=ro", uri=True) as db:
            return db.execute("SELECT max(received) FROM messages WHERE policy_domain = ?", (domain,)).fetchone()[0]
    except sqlite3.OperationalError:
        return None


def mail_from_rua_test(ctx: Context) -> int:
    """Sends mail from rua.test from the outside, waits until it is delivered and recorded in
    cachet-dmarc's history, and returns the time recorded."""
    stack, token = ctx.stack, ctx.token()
    marks = stack.log_marks()
    result = ctx.send(token, port=stack.smtp_port, client_ip=stack.outside_ip, helo="mx.outside.test",
                      mail_from="news@rua.test", to=ALICE.address)
    ctx.delivered_to_mailbox(result, ALICE, token)
    ctx.decision("dmarc", "dmarc.result", marks, "dmarc.result: rua.test's p=none fails, nothing to apply",
                 qid=result.queue_id, **{"from": "rua.test"}, result="fail", policy="none", disposition="none")
    history = os.path.join(stack.dir, "dmarc", "history.sqlite")
    return wait_until("rua.test in the DMARC history", lambda: last_recorded(history, "rua.test"))


def send_reports(ctx: Context, now: int) -> subprocess.CompletedProcess:
    stack = ctx.stack
    ctl = os.path.join(os.environ.get("E2E_BIN_DIR", ""), "cachetctl")
    env = dict(os.environ, MAIL_CONFIG=stack.facts["E2E_POSTFIX_CONF"])
    return subprocess.run([stack.in_stack, ctl, "dmarc-report", "send", "-c",
                           os.path.join(stack.dir, "etc", "dmarc.conf"),
                           "--report-email", "dmarc-reports@example.test", "--report-org", "Example Test",
                           "--domain", "rua.test", "--since", str(now - 2 * 86400), "--now", str(now)],
                          capture_output=True, text=True, env=env, timeout=60)


@scenario("dmarc_reports_sent", "the daily report command mails rua.test's aggregate report through Postfix "
          "to its own and to the authorized address only, once", order=430)
def dmarc_reports_sent(ctx: Context) -> None:
    stack = ctx.stack
    received = mail_from_rua_test(ctx)
    # As if the timer ran the day after: the message's UTC day is over.
    now = received - received % 86400 + 86400 + 60
    run = send_reports(ctx, now)
    ctx.say(run.stderr.strip())
    ctx.check(run.returncode == 0, "cachetctl dmarc-report send exits 0", run.stderr)
    for rcpt in ("dmarc@rua.test", "reports@remote.test"):
        path = wait_until(f"the report to {rcpt} in the sink", lambda r=rcpt: report_in_sink(stack, r))
        ctx.check(path is not None, f"the report reached {rcpt} through Postfix", path)
    ctx.check("rcpt=reports@outside.test" in run.stderr and "not authorized" in run.stderr,
              "reports@outside.test is skipped: no rua.test._report._dmarc.outside.test record", run.stderr)
    ctx.check(report_in_sink(stack, "reports@outside.test") is None, "nothing reached reports@outside.test")
    again = send_reports(ctx, now)
    ctx.check(again.returncode == 0 and "dmarc-report.done reports=0 sent=0" in again.stderr,
              "a second run sends nothing", again.stderr)


@scenario("dmarc_reports_submission", "with --smtp the report goes through port 587: STARTTLS, AUTH as alice "
          "(password from a 0600 file), then relayed like any mail", order=440)
def dmarc_reports_submission(ctx: Context) -> None:
    stack = ctx.stack
    received = mail_from_rua_test(ctx)
    password = os.path.join(stack.dir, "etc", "report-smtp.pw")
    fd = os.open(password, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, (ALICE.password + "\n").encode())
    os.close(fd)
    now = received - received % 3600 + 3600 + 60  # hourly periods: a report key of its own
    ctl = os.path.join(os.environ.get("E2E_BIN_DIR", ""), "cachetctl")
    since = stack.log_position()
    run = subprocess.run([stack.in_stack, ctl, "dmarc-report", "send", "-c", os.path.join(stack.dir, "etc", "dmarc.conf"),
                          "--report-email", ALICE.address, "--domain", "rua.test", "--period", "1h",
                          "--since", str(now - 7200), "--now", str(now),
                          "--smtp", f"{stack.inside_ip}:{stack.submission_port}", "--smtp-user", ALICE.login,
                          "--smtp-password-file", password, "--smtp-ca", str(stack.tls_cert),
                          "--smtp-helo", "reports.example.test"],
                         capture_output=True, text=True, timeout=60)
    ctx.say(run.stderr.strip())
    ctx.check(run.returncode == 0, "cachetctl dmarc-report send --smtp exits 0", run.stderr)
    ctx.check(ALICE.password not in run.stderr, "the password is never logged")
    log = stack.wait_for_log(r"sasl_method=PLAIN, sasl_username=alice", since=since)
    ctx.check(log is not None, "Postfix logged the authenticated submission", log.group(0) if log else "")

    def hourly_report():
        for path in sorted(stack.sink_dir.iterdir()):
            raw = path.read_bytes()
            if b"Report Domain: rua.test " in raw and f"Report-ID: <{now - 60 - 3600}.".encode() in raw \
                    and b"To: <dmarc@rua.test>" in raw:
                return path
        return None
    path = wait_until("the hourly report to dmarc@rua.test in the sink", hourly_report)
    ctx.check(path is not None, "the report submitted on 587 reached dmarc@rua.test", path)


def arf_in_sink(stack, token: str, recipient: str):
    """The sink file holding a failure report about the message `token` sent to `recipient`."""
    for path in sorted(stack.sink_dir.iterdir()):
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            continue
        if token.encode() in raw and b"Feedback-Type: auth-failure" in raw and f"To: <{recipient}>".encode() in raw:
            return path
    return None


# ReportCommand's stand-in: a sendmail(1) for `-i -f FROM -- TO...` that submits over SMTP
# to the stack's Postfix on the inside address (mynetworks: relayed like local mail; the
# sender is in mail.example.test, which sendas.pcre does not tie to a login).
# Postfix's own sendmail cannot serve here: its setgid postdrop ignores MAIL_CONFIG for a
# user other than root (the daemon runs as postfix), and the stack's main.cf is not the
# default one. `cachetctl dmarc-report send`, run as root, uses the real sendmail above.
SENDMAIL_SHIM = """#!/usr/bin/python3
import re, smtplib, sys
args = sys.argv[1:]
sender, rcpts = args[args.index("-f") + 1], args[args.index("--") + 1:]
data = re.sub(rb"\\r?\\n", b"\\r\\n", sys.stdin.buffer.read())
with smtplib.SMTP("{ip}", {port}, local_hostname="mail.example.test") as s:
    s.sendmail(sender, rcpts, data)
"""


def enable_failure_reports(ctx: Context, on: bool) -> None:
    """FailureReports on (or back off), ReportCommand naming the stand-in sendmail."""
    stack = ctx.stack
    shim = stack.dir / "etc" / "report-sendmail"
    if on:
        shim.write_text(SENDMAIL_SHIM.format(ip=stack.inside_ip, port=stack.smtp_port), encoding="utf-8")
        shim.chmod(0o755)
    steps = [("ReportCommand", f"{shim} -t"), ("FailureReportsSentBy", "dmarc-failures@mail.example.test"),
             ("FailureReports", "yes")]
    for option, value in (steps if on else reversed(steps)):  # the check wants ReportCommand first
        stack.reconfigure("dmarc", option, value if on else None, r"dmarc\.state_loaded")


@scenario("dmarc_failure_report_sent", "with FailureReports forged ruf.test mail makes cachet-dmarc mail an ARF "
          "report through Postfix to the authorized ruf addresses only", order=450)
def dmarc_failure_report_sent(ctx: Context) -> None:
    stack = ctx.stack
    enable_failure_reports(ctx, True)
    try:
        token = ctx.token()
        since = stack.log_marks()
        result = ctx.send(token, port=stack.smtp_port, client_ip=stack.outside_ip, helo="mx.outside.test",
                          mail_from="ceo@ruf.test", to=ALICE.address)
        ctx.delivered_to_mailbox(result, ALICE, token)  # p=quarantine, not held: delivered
        ctx.decision("dmarc", "dmarc.result", since, "dmarc.result: ruf.test's p=quarantine fails",
                     qid=result.queue_id, **{"from": "ruf.test"}, result="fail", policy="quarantine")
        for rcpt in ("failures@ruf.test", "failures@remote.test"):
            path = wait_until(f"the failure report to {rcpt} in the sink", lambda r=rcpt: arf_in_sink(stack, token, r))
            ctx.check(path is not None, f"the ARF report reached {rcpt} through Postfix", path)
            report = email.message_from_bytes(stable_bytes(path))
            parts = report.get_payload()
            feedback = parts[1].get_payload()[0]
            ctx.check(report.get_content_type() == "multipart/report"
                      and report.get_param("report-type") == "feedback-report"
                      and [p.get_content_type() for p in parts]
                      == ["text/plain", "message/feedback-report", "text/rfc822-headers"],
                      "it parses as multipart/report; report-type=feedback-report", report.get_content_type())
            ctx.check(feedback["Feedback-Type"] == "auth-failure" and feedback["Reported-Domain"] == "ruf.test"
                      and feedback["Source-IP"] == stack.outside_ip,
                      f"message/feedback-report: auth-failure for ruf.test from {stack.outside_ip}", str(feedback))
        ctx.decision("dmarc", "dmarc.failure_report", since,
                     "failures@outside.test is skipped: no ruf.test._report._dmarc.outside.test record",
                     to="failures@outside.test", outcome="unauthorized")
        ctx.check(arf_in_sink(stack, token, "failures@outside.test") is None, "nothing reached failures@outside.test")
    finally:
        enable_failure_reports(ctx, False)

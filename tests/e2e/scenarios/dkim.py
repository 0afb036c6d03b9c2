# SPDX-License-Identifier: BSD-2-Clause
#
# tests/e2e/scenarios/dkim.py: cachet-dkim in the real stack (plugins.d/10-dkim.sh).
# Outbound: an authenticated submission leaves signed, and the copy at the sink verifies
# with python3-dkim against the stack's DNS. Inbound: a message signed with outside.test's
# key arrives with dkim=pass; the same message tampered arrives with dkim=fail. Each checks
# cachet-dkim's dkim.decision line for the message: signed with what and why, or not signed
# and why, with each signature's result and reason.
import os
import re
import subprocess

from cachet_e2e.scenario import Context, scenario
from cachet_e2e.smtp import build_message
from cachet_e2e.stack import ALICE

REMOTE = "carol@remote.test"
FRIEND = "friend@outside.test"


def dkim_sign(data: bytes, key_path: str, selector: str = "ext") -> bytes:
    script = ("import sys, dkim\n"
              "msg = sys.stdin.buffer.read()\n"
              "key = open(sys.argv[1], 'rb').read()\n"
              "sys.stdout.buffer.write(dkim.sign(msg, sys.argv[2].encode(), b'outside.test', key,"
              " canonicalize=(b'relaxed', b'simple')) + msg)\n")
    return subprocess.run(["/usr/bin/python3", "-c", script, key_path, selector], input=data,
                          capture_output=True, check=True).stdout


@scenario("dkim_signs_submission",
          "alice's mail to a remote domain leaves DKIM-signed and verifies with dkimverify",
          order=200)
def dkim_signs_submission(ctx: Context) -> None:
    stack, token = ctx.stack, ctx.token()
    marks = stack.log_marks()
    result = ctx.send(token, port=stack.smtps_port, tls="smtps", auth=ALICE,
                      mail_from=ALICE.address, to=REMOTE)
    message = ctx.relayed_to_sink(result, REMOTE, token)
    ctx.decision("dkim", "dkim.decision", marks, "dkim.decision: signed d=example.test s=default a=rsa-sha256, and why",
                 qid=result.queue_id, sign="yes", d="example.test", s="default", a="rsa-sha256",
                 why="client in InternalHosts")
    path, _ = stack.find_in_sink(token)
    raw = path.read_bytes()  # the bytes as relayed: the email package would refold them
    sig = str(message["DKIM-Signature"])
    ctx.check("d=example.test" in sig and "s=default" in sig, "signed by example.test, selector default", sig)
    # dkimverify runs inside the stack, so it asks the stack's DNS (bind-mounted resolv.conf).
    passed, output = stack.dkimverify(raw)
    ctx.check(passed, "python3-dkim's dkimverify accepts the signature", output)
    ctx.show_added_headers(message)


def inbound(ctx: Context, tamper: bool):
    """Sends outside.test's signed message (altered after signing if `tamper`) to alice and
    returns (message as delivered, queue id, log marks from before sending)."""
    stack, token = ctx.stack, ctx.token()
    marks = stack.log_marks()
    data = build_message(token=token, mail_from=FRIEND, to=ALICE.address, subject="signed news")
    signed = dkim_sign(data, os.path.join(stack.dir, "dkim", "foreign.private"))
    if tamper:
        signed = signed.replace(b"signed news", b"changed news", 1)
    result = ctx.send(port=stack.smtp_port, client_ip=stack.outside_ip, helo="mx.outside.test",
                      mail_from=FRIEND, to=ALICE.address, data=signed)
    return ctx.delivered_to_mailbox(result, ALICE, token), result.queue_id, marks


NOT_OURS = "client 127.0.0.2 is not in InternalHosts and did not authenticate"


@scenario("dkim_inbound_pass", "a message signed by outside.test arrives with dkim=pass", order=210)
def dkim_inbound_pass(ctx: Context) -> None:
    message, qid, marks = inbound(ctx, tamper=False)
    ar = " ".join(str(v) for v in message.get_all("Authentication-Results", []))
    ctx.check("dkim=pass" in ar and "header.d=outside.test" in ar, "dkim=pass header.d=outside.test", ar)
    ctx.decision("dkim", "dkim.decision", marks, "dkim.decision: not signed (outside client), verify=pass",
                 qid=qid, sign="no", why=NOT_OURS, verify="pass", sigs="d=outside.test s=ext a=rsa-sha256 pass")
    ctx.show_added_headers(message)


@scenario("dkim_inbound_tampered_fail", "the same message altered in transit arrives with dkim=fail",
          order=220)
def dkim_inbound_tampered_fail(ctx: Context) -> None:
    message, qid, marks = inbound(ctx, tamper=True)
    ar = " ".join(str(v) for v in message.get_all("Authentication-Results", []))
    ctx.check("dkim=fail" in ar and "dkim=pass" not in ar, "dkim=fail, never pass", ar)
    # The Subject was changed, a signed header field: the header hash check fails, not the body's.
    ctx.decision("dkim", "dkim.decision", marks, "dkim.decision: verify=fail with the reason",
                 qid=qid, sign="no", why=NOT_OURS, verify="fail",
                 sigs=re.compile(r"^d=outside\.test s=ext a=rsa-sha256 fail \(signature verification failed\)$"))
    ctx.show_added_headers(message)


@scenario("dkim_inbound_failure_reasons",
          "signatures that fail say why: body changed, no key in DNS, key revoked", order=225)
def dkim_inbound_failure_reasons(ctx: Context) -> None:
    stack = ctx.stack
    key = os.path.join(stack.dir, "dkim", "foreign.private")
    # (what to do to the signed message, selector, the dkim.decision's sigs field)
    cases = (
        ("the body changed after signing", "ext", lambda m: m.replace(b"cachet e2e test message", b"cachet e2e test massage", 1),
         "d=outside.test s=ext a=rsa-sha256 fail (body hash mismatch)"),
        ("no key published for the selector", "gone", lambda m: m,
         "d=outside.test s=gone a=rsa-sha256 permerror (no key for signature)"),
        ("the selector's key is revoked (p= empty)", "revoked", lambda m: m,
         re.compile(r"^d=outside\.test s=revoked a=rsa-sha256 \w+ \(key revoked\)$")),
    )
    for what, selector, alter, sigs in cases:
        token = ctx.token()
        marks = stack.log_marks()
        ctx.say(f"outside.test signs with selector {selector}; {what}")
        data = build_message(token=token, mail_from=FRIEND, to=ALICE.address, subject="signed news")
        signed = alter(dkim_sign(data, key, selector))
        result = ctx.send(port=stack.smtp_port, client_ip=stack.outside_ip, helo="mx.outside.test",
                          mail_from=FRIEND, to=ALICE.address, data=signed)
        message = ctx.delivered_to_mailbox(result, ALICE, token)
        ar = " ".join(str(v) for v in message.get_all("Authentication-Results", []))
        ctx.check("dkim=pass" not in ar, "never dkim=pass", ar)
        ctx.decision("dkim", "dkim.decision", marks, f"dkim.decision names the reason: {what}",
                     qid=result.queue_id, sign="no", why=NOT_OURS, sigs=sigs)


@scenario("dkim_not_signed_foreign_from",
          "alice's mail with a header From in a domain we do not sign for leaves unsigned, and says why",
          order=205)
def dkim_not_signed_foreign_from(ctx: Context) -> None:
    stack, token = ctx.stack, ctx.token()
    marks = stack.log_marks()
    ctx.say("alice logs in on SMTPS and writes From: newsletter@outside.test (envelope alice@example.test)")
    result = ctx.send(token, port=stack.smtps_port, tls="smtps", auth=ALICE, mail_from=ALICE.address,
                      to=REMOTE, headers={"From": "newsletter@outside.test"})
    message = ctx.relayed_to_sink(result, REMOTE, token)
    ctx.check(message.get("DKIM-Signature") is None, "no DKIM-Signature", message.get("DKIM-Signature"))
    ctx.decision("dkim", "dkim.decision", marks, "dkim.decision: not signed, the From domain matches no Domain",
                 qid=result.queue_id, sign="no", why="From domain outside.test matches no Domain")

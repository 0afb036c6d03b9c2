# SPDX-License-Identifier: BSD-2-Clause
#
# tests/e2e/scenarios/base.py: the mail stack as the classic guide sets it up, before any
# cachet daemon joins: DNS isolation, SMTPS and submission with AUTH, local mbox delivery
# read back over IMAP, relay to the sink, and the refusals (open relay, sender-login
# mismatch, unauthenticated submission). Order 10-90; daemons' scenarios come after.
# Where a cachet daemon took part, the scenario also checks the decision line that explains
# the outcome (cachet-dkim signing, cachet-sender allowing or refusing, SPF and DMARC on
# inbound mail); the refusals that Postfix makes on its own have none.
import re
import socket

from cachet_e2e.scenario import Context, scenario
from cachet_e2e.smtp import build_message
from cachet_e2e.stack import ALICE, BOB

REMOTE = "carol@remote.test"      # a remote recipient: Postfix relays it to the sink
FRIEND = "friend@outside.test"    # a foreign sender whose server is 127.0.0.2
OUTSIDE_HELO = "mx.outside.test"


@scenario("dns_answers_local_data_only",
          "DNS inside the stack answers from the stack's zone data and nothing else", order=10)
def dns_answers_local_data_only(ctx: Context) -> None:
    rcode, answers = ctx.stack.dns("mail.example.test", "A")
    ctx.say(f"mail.example.test A: {rcode} {answers}")
    ctx.check(rcode == "NOERROR" and any(a.endswith("127.0.0.1") for a in answers),
              "mail.example.test resolves to 127.0.0.1 (zones.d)", answers)
    rcode, _ = ctx.stack.dns("example.com", "A")
    ctx.say(f"example.com A: {rcode}")
    ctx.check(rcode == "NXDOMAIN", "a name outside the zone data is NXDOMAIN: nothing leaves", rcode)
    address = socket.getaddrinfo("mx.remote.test", 25, socket.AF_INET)[0][4][0]
    ctx.check(address == "127.0.0.3",
              "the system resolver (bind-mounted resolv.conf) asks the stack's unbound", address)


@scenario("smtps_auth_delivered_and_read_over_imap",
          "alice sends to bob over SMTPS (port 465, AUTH); bob reads it over IMAP", order=20)
def smtps_auth_delivered_and_read_over_imap(ctx: Context) -> None:
    stack, token = ctx.stack, ctx.token()
    marks = stack.log_marks()
    ctx.say(f"alice logs in on port {stack.smtps_port} (TLS from the first byte) and writes to bob")
    result = ctx.send(token, port=stack.smtps_port, tls="smtps", auth=ALICE,
                      mail_from=ALICE.address, to=BOB.address)
    ctx.decision("sender", "sender.decision", marks, "cachet-sender: alice owns alice@ (sendas.pcre:3)",
                 sender=ALICE.address, login="alice", decision="allowed", rule=re.compile(r"sendas\.pcre:3$"))
    ctx.check("235 2.7.0 Authentication successful" in result.replies,
              "AUTH PLAIN as alice accepted (235)", result.transcript)
    ctx.delivered_to_mailbox(result, BOB, token)
    ctx.decision("dkim", "dkim.decision", marks, "cachet-dkim signed it and says why",
                 qid=result.queue_id, sign="yes", d="example.test", s="default", a="rsa-sha256",
                 why="client in InternalHosts")
    message = stack.imap_find(BOB, token)
    ctx.check(message is not None,
              "read back over IMAP by bob (Dovecot, IMAPS, certificate verified)")
    received = str(message["Received"])
    ctx.check("with ESMTPSA" in received,
              "its Received field records an authenticated TLS submission (ESMTPSA)", received)
    ctx.show_added_headers(message)


@scenario("submission_starttls_relayed_to_sink",
          "bob sends to a remote domain over submission (port 587, STARTTLS, AUTH); it is relayed",
          order=30)
def submission_starttls_relayed_to_sink(ctx: Context) -> None:
    stack, token = ctx.stack, ctx.token()
    marks = stack.log_marks()
    ctx.say(f"bob connects to port {stack.submission_port}, starts TLS, logs in, writes to {REMOTE}")
    result = ctx.send(token, port=stack.submission_port, tls="starttls", auth=BOB,
                      mail_from=BOB.address, to=REMOTE)
    ctx.check(any(r.startswith("220 2.0.0") for r in result.replies), "STARTTLS accepted",
              result.transcript)
    message = ctx.relayed_to_sink(result, REMOTE, token)
    ctx.decision("sender", "sender.decision", marks, "cachet-sender: bob owns bob@",
                 sender=BOB.address, login="bob", decision="allowed")
    ctx.decision("dkim", "dkim.decision", marks, "cachet-dkim signed it with example.test's key",
                 qid=result.queue_id, sign="yes", d="example.test", s="default")
    ctx.show_added_headers(message)


@scenario("inbound_local_delivery",
          "a server on the Internet (127.0.0.2) sends to alice; it is delivered", order=40)
def inbound_local_delivery(ctx: Context) -> None:
    stack, token = ctx.stack, ctx.token()
    marks = stack.log_marks()
    ctx.say(f"{OUTSIDE_HELO} (127.0.0.2) connects to port {stack.smtp_port}: {FRIEND} -> alice")
    # exact bytes (as a test that signs its message first would send them)
    data = build_message(token=token, mail_from=FRIEND, to=ALICE.address,
                         subject="news from outside")
    result = ctx.send(port=stack.smtp_port, client_ip=stack.outside_ip, helo=OUTSIDE_HELO,
                      mail_from=FRIEND, to=ALICE.address, data=data)
    message = ctx.delivered_to_mailbox(result, ALICE, token)
    ctx.check(message["Subject"] == f"news from outside [{token}]", "its header arrived unchanged",
              message["Subject"])
    received = str(message["Received"])
    ctx.check("mx.outside.test [127.0.0.2]" in received,
              "Postfix named the client by its reverse DNS from the stack's zone", received)
    ctx.decision("spf", "spf.request", marks, "cachet-spf: outside.test publishes no SPF record",
                 identity="mailfrom", ip="127.0.0.2", result="none", why="mailfrom outside.test: no SPF record")
    ctx.decision("dkim", "dkim.decision", marks, "cachet-dkim did not sign an outside client's mail, and says why",
                 qid=result.queue_id, sign="no", verify="none",
                 why="client 127.0.0.2 is not in InternalHosts and did not authenticate")
    ctx.decision("dmarc", "dmarc.result", marks,
                 "cachet-dmarc: outside.test's p=reject fails (nothing aligned), reported only",
                 qid=result.queue_id, **{"from": "outside.test"}, result="fail", policy="reject",
                 disposition="none", dkim="none", spf="outside.test:notpass", spf_source="Received-SPF",
                 aligned="none")
    ctx.show_added_headers(message)


@scenario("relay_refused",
          "a client on the Internet (127.0.0.2) tries to relay to a remote domain; refused",
          order=50)
def relay_refused(ctx: Context) -> None:
    stack, token = ctx.stack, ctx.token()
    since = stack.log_position()
    ctx.say(f"{OUTSIDE_HELO} (127.0.0.2, no AUTH) asks to deliver {FRIEND} -> {REMOTE}")
    result = ctx.send(token, port=stack.smtp_port, client_ip=stack.outside_ip,
                      helo=OUTSIDE_HELO, mail_from=FRIEND, to=REMOTE)
    expected = f"554 5.7.1 <{REMOTE}>: Relay access denied"
    ctx.refused(result, expected)
    line = stack.wait_for_log(r"^.*NOQUEUE: reject: RCPT from mx\.outside\.test\[127\.0\.0\.2\]: "
                              r"554 5\.7\.1 <carol@remote\.test>.*$", since=since).group(0)
    ctx.say(f"Postfix log: {line.split(': ', 1)[1]}")


@scenario("sender_login_mismatch_refused",
          "bob logs in but claims to be alice; refused (sender login maps)", order=60)
def sender_login_mismatch_refused(ctx: Context) -> None:
    stack, token = ctx.stack, ctx.token()
    marks = stack.log_marks()
    ctx.say(f"bob logs in on port {stack.smtps_port} and gives MAIL FROM:<{ALICE.address}>")
    result = ctx.send(token, port=stack.smtps_port, tls="smtps", auth=BOB,
                      mail_from=ALICE.address, to=REMOTE)
    expected = f"553 5.7.1 <{ALICE.address}>: Sender address rejected: not owned by user bob"
    ctx.refused(result, expected)
    ctx.decision("sender", "sender.decision", marks, "refused by cachet-sender, with the map line and the owner",
                 sender=ALICE.address, login="bob", decision="not_owned", rule=re.compile(r"sendas\.pcre:3$"),
                 owners="alice", why="login not among owners")


@scenario("submission_requires_auth",
          "a client without AUTH on the submission ports cannot send, even to a local user",
          order=70)
def submission_requires_auth(ctx: Context) -> None:
    stack, token = ctx.stack, ctx.token()
    for port, tls in ((stack.smtps_port, "smtps"), (stack.submission_port, "starttls")):
        marks = stack.log_marks()
        ctx.say(f"port {port} ({tls}), no AUTH, {FRIEND} -> bob")
        result = ctx.send(token, port=port, tls=tls, client_ip=stack.outside_ip,
                          helo=OUTSIDE_HELO, mail_from=FRIEND, to=BOB.address)
        # the submission services' relay restrictions end in a plain "reject"
        expected = f"554 5.7.1 <{BOB.address}>: Recipient address rejected: Access denied"
        ctx.refused(result, expected, f"port {port} refused: {expected}")
        # cachet-sender runs first and lets a foreign sender through: the refusal is Postfix's
        ctx.decision("sender", "sender.decision", marks,
                     "cachet-sender let the foreign sender pass (no rule): Postfix's relay restrictions refused",
                     sender=FRIEND, login="", decision="allowed", rule="none", why="unauthenticated, not in map")


@scenario("mx_sender_restrictions",
          "on port 25, forged local senders and sender domains without DNS are refused",
          order=80)
def mx_sender_restrictions(ctx: Context) -> None:
    # The classic guide puts its sender restrictions in main.cf, so they hold on port 25 too.
    # Later scenarios' foreign sender domains therefore need an A or MX record in zones.d.
    stack, token = ctx.stack, ctx.token()
    cases = ((ALICE.address, f"553 5.7.1 <{ALICE.address}>: Sender address rejected: not logged in"),
             ("someone@nowhere.test",
              "450 4.1.8 <someone@nowhere.test>: Sender address rejected: Domain not found"))
    for sender, expected in cases:
        ctx.say(f"{OUTSIDE_HELO} (127.0.0.2) gives MAIL FROM:<{sender}> for bob")
        result = ctx.send(token, port=stack.smtp_port, client_ip=stack.outside_ip,
                          helo=OUTSIDE_HELO, mail_from=sender, to=BOB.address)
        ctx.refused(result, expected)

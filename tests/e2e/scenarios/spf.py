# SPDX-License-Identifier: BSD-2-Clause
#
# tests/e2e/scenarios/spf.py: cachet-spf in the real stack, spawned by Postfix as the classic
# guide runs policyd-spf: a foreign domain whose SPF record does not authorize the client is
# refused with RFC 7372's 550 5.7.23; an authorized one is delivered with Received-SPF.
# Each checks cachet-spf's spf.request line: the result, the action and why (syslog.log when
# spawned, log/spf.out when the stack runs it as a socket server).
import re

from cachet_e2e.scenario import Context, scenario
from cachet_e2e.stack import BOB

OUTSIDE_HELO = "mx.outside.test"


@scenario("spf_fail_refused", "a foreign sender whose SPF record fails 127.0.0.2 is refused with 550 5.7.23",
          order=300)
def spf_fail_refused(ctx: Context) -> None:
    stack, token = ctx.stack, ctx.token()
    ctx.say("spffail.test publishes v=spf1 ip4:192.0.2.1 -all; the mail comes from 127.0.0.2")
    marks = stack.log_marks()
    result = ctx.send(token, port=stack.smtp_port, client_ip="127.0.0.2", helo=OUTSIDE_HELO,
                      mail_from="someone@spffail.test", to=BOB.address)
    ctx.refused(result, "550 5.7.23 <" + BOB.address + ">: Recipient address rejected: "
                "Message rejected due to: SPF fail - not authorized. Please see "
                "https://www.rfc-editor.org/rfc/rfc7208#section-8.4")
    ctx.decision("spf", "spf.request", marks, "spf.request: fail, rejected, and why",
                 identity="mailfrom", ip="127.0.0.2", result="fail",
                 action=re.compile(r"^550 5\.7\.23 "),
                 why="mailfrom spffail.test: its SPF record forbids 127.0.0.2 (a - mechanism or -all matched)")


@scenario("spf_pass_delivered", "a foreign sender authorized by SPF is delivered with Received-SPF: Pass",
          order=301)
def spf_pass_delivered(ctx: Context) -> None:
    stack, token = ctx.stack, ctx.token()
    ctx.say("spfpass.test publishes v=spf1 ip4:127.0.0.2 -all; the mail comes from 127.0.0.2")
    marks = stack.log_marks()
    result = ctx.send(token, port=stack.smtp_port, client_ip="127.0.0.2", helo=OUTSIDE_HELO,
                      mail_from="someone@spfpass.test", to=BOB.address)
    message = ctx.delivered_to_mailbox(result, BOB, token)
    header = str(message.get("Received-SPF", ""))
    ctx.check(header.startswith("Pass (mailfrom) identity=mailfrom; client-ip=127.0.0.2;"),
              "Received-SPF: Pass (mailfrom) for client 127.0.0.2 is in bob's mailbox", header)
    ctx.decision("spf", "spf.request", marks, "spf.request: pass, header prepended, and why",
                 identity="mailfrom", ip="127.0.0.2", result="pass",
                 action=re.compile(r"^prepend Received-SPF: Pass \(mailfrom\)"),
                 why="mailfrom spfpass.test: its SPF record permits 127.0.0.2")
    ctx.show_added_headers(message)

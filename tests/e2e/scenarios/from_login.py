# SPDX-License-Identifier: BSD-2-Clause
#
# tests/e2e/scenarios/from_login.py: cachet-dkim binds the header From to the SASL login
# (FromLoginMismatch) in the real stack: Dovecot SASL on SMTPS, the classic guide's
# sendas.pcre read through the stack's main.cf (plugins.d/10-dkim.sh sets PostfixMainCf).
# alice writing From: alice@ or From: postmaster@ (the guide's first rule gives it to her) is
# signed; alice writing From: bob@ with the envelope alice@ (which Postfix's
# reject_sender_login_mismatch and cachet-sender accept) is refused with the exact reply
# under `reject`, relayed unsigned under `nosign`, and signed under `sign` (opendkim's
# behaviour, the default). Every copy the sink catches is checked with dkimverify. Each
# scenario rewrites dkim.conf, reloads cachet-dkim with SIGHUP, and restores the default
# afterwards (scenarios take turns on the stack: RESOURCE_LOCK in tests/e2e/CMakeLists.txt).
from cachet_e2e.scenario import Context, scenario
from cachet_e2e.stack import ALICE

REMOTE = "carol@remote.test"
POSTMASTER = "postmaster@example.test"
BOB_ADDRESS = "bob@example.test"
REFUSED = "550 5.7.1 <bob@example.test>: header From address rejected: not owned by user alice"


def reload_dkim(ctx: Context, policy: str | None) -> None:
    """dkim.conf with `FromLoginMismatch policy` (None: the line removed), reloaded."""
    ctx.stack.reconfigure("dkim", "FromLoginMismatch", policy, r"dkim\.keys_loaded")
    ctx.say(f"cachet-dkim reloaded with FromLoginMismatch {policy or 'unset (sign)'}")


def submit(ctx: Context, token: str, header_from: str, mail_from: str = ALICE.address):
    """alice, logged in on SMTPS, sends to a remote address with this header From."""
    return ctx.send(token, port=ctx.stack.smtps_port, tls="smtps", auth=ALICE, mail_from=mail_from,
                    to=REMOTE, headers={"From": header_from})


def check_signed(ctx: Context, result, token: str, header_from: str) -> None:
    message = ctx.relayed_to_sink(result, REMOTE, token)
    ctx.check(header_from in str(message["From"]), f"From: {header_from} as written", message["From"])
    sig = str(message.get("DKIM-Signature", ""))
    ctx.check("d=example.test" in sig, "signed by example.test", sig or "no DKIM-Signature")
    path, _ = ctx.stack.find_in_sink(token)
    passed, output = ctx.stack.dkimverify(path.read_bytes())
    ctx.check(passed, "dkimverify accepts the sink's copy", output)
    ctx.decision("dkim", "dkim.decision", {}, "dkim.decision: signed d=example.test",
                 qid=result.queue_id, sign="yes", d="example.test", s="default")


def with_policy(ctx: Context, policy: str, body) -> None:
    reload_dkim(ctx, policy)
    try:
        body()
    finally:
        reload_dkim(ctx, None)


@scenario("dkim_from_login_owned",
          "FromLoginMismatch reject: alice's own From and postmaster@ (sendas.pcre) are signed",
          order=230)
def dkim_from_login_owned(ctx: Context) -> None:
    def body() -> None:
        token = ctx.token()
        check_signed(ctx, submit(ctx, token, f"Alice <{ALICE.address}>"), token, ALICE.address)
        token = ctx.token()
        check_signed(ctx, submit(ctx, token, POSTMASTER, mail_from=POSTMASTER), token, POSTMASTER)
    with_policy(ctx, "reject", body)


@scenario("dkim_from_login_reject",
          "FromLoginMismatch reject: alice writing From: bob@ (envelope alice@) is refused",
          order=240)
def dkim_from_login_reject(ctx: Context) -> None:
    def body() -> None:
        token = ctx.token()
        since = ctx.stack.log_marks()
        ctx.refused(submit(ctx, token, f"Bob <{BOB_ADDRESS}>"), REFUSED)
        ctx.decision("dkim", "dkim.from_login", since, "cachet-dkim logged the refusal with the login and the address",
                     login="alice", field="From", address=BOB_ADDRESS, verdict="not_owned", action="reject")
        ctx.decision("dkim", "dkim.decision", since, "dkim.decision: not signed, the header From refused",
                     sign="no", why="header From refused: " + REFUSED.split(" ", 2)[2])
    with_policy(ctx, "reject", body)


@scenario("dkim_from_login_nosign",
          "FromLoginMismatch nosign: alice's From: bob@ leaves unsigned, and the log says why",
          order=250)
def dkim_from_login_nosign(ctx: Context) -> None:
    def body() -> None:
        token = ctx.token()
        since = ctx.stack.log_marks()
        result = submit(ctx, token, BOB_ADDRESS)
        message = ctx.relayed_to_sink(result, REMOTE, token)
        ctx.check(message.get("DKIM-Signature") is None, "no DKIM-Signature",
                  message.get("DKIM-Signature"))
        path, _ = ctx.stack.find_in_sink(token)
        passed, output = ctx.stack.dkimverify(path.read_bytes())
        ctx.check(not passed, "dkimverify finds no valid signature on the sink's copy", output)
        ctx.decision("dkim", "dkim.from_login", since, "the from_login line says why",
                     address=BOB_ADDRESS, verdict="not_owned", action="nosign", why="not owned by user alice")
        ctx.decision("dkim", "dkim.decision", since, "dkim.decision: not signed, and why",
                     qid=result.queue_id, sign="no",
                     why="header From not bound to the login (FromLoginMismatch nosign)")
    with_policy(ctx, "nosign", body)


@scenario("dkim_from_login_sign",
          "FromLoginMismatch sign (the default, as opendkim): alice's From: bob@ is signed",
          order=260)
def dkim_from_login_sign(ctx: Context) -> None:
    def body() -> None:
        token = ctx.token()
        check_signed(ctx, submit(ctx, token, BOB_ADDRESS), token, BOB_ADDRESS)
    with_policy(ctx, "sign", body)

# SPDX-License-Identifier: BSD-2-Clause
#
# tests/e2e/cachet_e2e/smtp.py: sending mail into the stack with swaks, and what the server
# answered. send() runs one SMTP transaction (plain, STARTTLS or SMTPS wrappermode, optional
# AUTH PLAIN, from the "inside" 127.0.0.1 or the "outside" 127.0.0.2) and returns an
# SmtpResult with every server reply in order and the queue id if the message was accepted.
# A transaction the server refuses is a normal result, not an exception; only a swaks that
# cannot run raises. Must run inside the stack's namespace (see run.py).
from __future__ import annotations

import dataclasses
import email.utils
import os
import re
import subprocess
import tempfile

from .stack import DEFAULT_TIMEOUT, User

# swaks prefixes: "<-" reply, "<~" reply over TLS, "<**"/"<~*" error reply (4xx/5xx)
_REPLY = re.compile(r"^<(?:-|~|\*\*|~\*)\s+(\d{3})([ -])(.*)$")
_QUEUED = re.compile(r"^250 .*queued as ([0-9A-Za-z]+)")


@dataclasses.dataclass
class SmtpResult:
    transcript: str
    exit_code: int
    replies: list[str]          # the last line of each server reply: "250 2.1.0 Ok"

    @property
    def queue_id(self) -> str | None:
        for reply in self.replies:
            match = _QUEUED.match(reply)
            if match:
                return match.group(1)
        return None

    @property
    def accepted(self) -> bool:
        return self.queue_id is not None

    @property
    def refusal(self) -> str | None:
        """The first 4xx/5xx reply, e.g. "554 5.7.1 <x@remote.test>: Relay access denied"."""
        return next((r for r in self.replies if r[:1] in "45"), None)

    def summary(self) -> str:
        if self.accepted:
            return f"accepted, queued as {self.queue_id}"
        return f"refused: {self.refusal or 'no reply (swaks exit ' + str(self.exit_code) + ')'}"


def build_message(*, token: str, mail_from: str, to: str, subject: str,
                  body: str = "cachet e2e test message", headers: dict[str, str] | None = None) -> bytes:
    """A complete RFC 5322 message (CRLF line ends) marked with `token`, for send(data=...)
    when a test must hold the exact bytes, e.g. to DKIM-sign them before sending."""
    fields = {"Date": email.utils.formatdate(usegmt=True),
              "Message-ID": email.utils.make_msgid(domain=mail_from.rpartition("@")[2] or None),
              "From": mail_from, "To": to, "Subject": f"{subject} [{token}]",
              "X-Cachet-Test": token, **(headers or {})}
    lines = [f"{name}: {value}" for name, value in fields.items()] + ["", *body.splitlines()]
    return ("\r\n".join(lines) + "\r\n").encode()


def send(*, port: int, mail_from: str, to: str, tls: str | None = None, auth: User | None = None,
         client_ip: str = "127.0.0.1", helo: str = "client.example.test",
         headers: dict[str, str] | None = None, body: str = "cachet e2e test message",
         data: bytes | None = None, timeout: float = DEFAULT_TIMEOUT) -> SmtpResult:
    """One transaction with swaks against 127.0.0.1:port.
    tls: None (plain), "starttls" (required) or "smtps" (TLS from the first byte).
    headers: added to swaks' default message (Subject among them); ignored when `data` (a
    complete message, CRLF or LF line ends, see build_message) is given instead."""
    argv = ["swaks", "--server", "127.0.0.1", "--port", str(port), "--local-interface", client_ip,
            "--helo", helo, "--from", mail_from, "--to", to, "--timeout", str(int(timeout)),
            "--suppress-data"]
    if tls == "starttls":
        argv.append("--tls")
    elif tls == "smtps":
        argv.append("--tls-on-connect")
    elif tls is not None:
        raise ValueError(f"tls must be None, 'starttls' or 'smtps', not {tls!r}")
    if auth:
        argv += ["--auth", "PLAIN", "--auth-user", auth.login, "--auth-password", auth.password]
    with tempfile.NamedTemporaryFile(prefix="cachet-e2e-", suffix=".eml") as message_file:
        if data is not None:
            message_file.write(data)
            message_file.flush()
            argv += ["--data", message_file.name]
        else:
            for name, value in (headers or {}).items():
                argv += ["--header", f"{name}: {value}"]
            argv += ["--body", body]
        run = subprocess.run(argv, capture_output=True, text=True, timeout=timeout + 10,
                             env=dict(os.environ, LC_ALL="C"))
    transcript = run.stdout + run.stderr
    replies = [f"{m.group(1)} {m.group(3)}" for m in map(_REPLY.match, transcript.splitlines())
               if m and m.group(2) == " "]
    return SmtpResult(transcript, run.returncode, replies)

# SPDX-License-Identifier: BSD-2-Clause
#
# tests/e2e/cachet_e2e/stack.py: a running e2e stack (tests/e2e/stack/start) as a test sees
# it: its connection facts (read from $E2E_STACK_DIR/env), the Postfix log, the delivered
# mboxes, the sink's captured files, IMAP access and DNS lookups.
# Everything here waits for a condition with a deadline (a log line, a file that stopped
# growing), never for a fixed time; a deadline passing raises StackError with what was awaited.
# Must run inside the stack's network namespace for sockets (run.py re-executes itself there).
# Standard library only.
from __future__ import annotations

import dataclasses
import email
import email.message
import email.policy
import fcntl
import imaplib
import os
import re
import shlex
import signal
import ssl
import subprocess
import time
from pathlib import Path

from . import logs

DEFAULT_TIMEOUT = 20.0
POLL_INTERVAL = 0.05


class StackError(Exception):
    """The stack is missing, or something it should do did not happen in time."""


@dataclasses.dataclass(frozen=True)
class User:
    login: str       # SASL and IMAP login, as the classic guide's system users
    password: str
    address: str


# The cachet daemons of the stack (plugins.d), by the name of their log (daemon_log).
DAEMONS = ("dkim", "dmarc", "spf", "sender")

ALICE = User("alice", "alicepw", "alice@example.test")
BOB = User("bob", "bobpw", "bob@example.test")


def default_stack_dir() -> Path:
    """Where stack/start puts a stack, from E2E_STACK_DIR / E2E_NETNS as stack/lib.sh does."""
    netns = os.environ.get("E2E_NETNS", "cachet-e2e")
    return Path(os.environ.get("E2E_STACK_DIR", f"/run/cachet-e2e/{netns}"))


def read_env_file(path: Path) -> dict[str, str]:
    """Parses the `export NAME=value ...` lines stack/start writes (shell-quoted values)."""
    facts: dict[str, str] = {}
    for line in path.read_text().splitlines():
        words = shlex.split(line, comments=True)
        for word in words[1:] if words[:1] == ["export"] else words:
            name, sep, value = word.partition("=")
            if sep:
                facts[name] = value
    return facts


def parse_message(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def read_mbox(path: Path) -> list[bytes]:
    """The messages of an mbox file, each without its "From " separator line. Reads under a
    shared fcntl lock: Postfix appends and Dovecot rewrites (X-UID headers) under fcntl write
    locks, so the snapshot is never torn."""
    try:
        with open(path, "rb") as f:
            fcntl.lockf(f, fcntl.LOCK_SH)
            data = f.read()
    except FileNotFoundError:
        return []
    # A separator is a "From " line at the start or after an empty line; in bodies Postfix
    # quotes such lines as ">From ".
    chunks = re.split(rb"(?:^|\n\n)From [^\n]*\n", data)
    return [chunk for chunk in chunks if chunk.strip()]


def wait_until(what: str, probe, timeout: float = DEFAULT_TIMEOUT):
    """Calls probe() until it returns something truthy and returns that; StackError after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise StackError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(POLL_INTERVAL)


def stable_bytes(path: Path, settle: float = 0.1) -> bytes:
    """The file's content once two reads `settle` seconds apart agree (a writer may still be busy)."""
    previous = path.read_bytes()
    while True:
        time.sleep(settle)
        current = path.read_bytes()
        if current == previous:
            return current
        previous = current


class Stack:
    def __init__(self, facts: dict[str, str]):
        self.facts = facts
        self.dir = Path(facts["E2E_STACK_DIR"])
        self.netns = facts["E2E_NETNS"]
        self.in_stack = facts["E2E_IN_STACK"]
        self.smtp_port = int(facts["E2E_SMTP_PORT"])
        self.smtps_port = int(facts["E2E_SMTPS_PORT"])
        self.submission_port = int(facts["E2E_SUBMISSION_PORT"])
        self.imaps_port = int(facts["E2E_IMAPS_PORT"])
        self.inside_ip = facts["E2E_INSIDE_IP"]
        self.outside_ip = facts["E2E_OUTSIDE_IP"]
        self.mail_spool = Path(facts["E2E_MAIL_SPOOL"])
        self.sink_dir = Path(facts["E2E_SINK_DIR"])
        self.log_dir = Path(facts["E2E_LOG_DIR"])
        self.tls_cert = Path(facts["E2E_TLS_CERT"])

    @classmethod
    def load(cls, stack_dir: Path | None = None) -> "Stack":
        env_file = (stack_dir or default_stack_dir()) / "env"
        if not env_file.is_file():
            raise StackError(f"no running stack: {env_file} does not exist (run tests/e2e/stack/start)")
        stack = cls(read_env_file(env_file))
        if not Path(f"/run/netns/{stack.netns}").exists():
            raise StackError(f"stack {stack.netns} is not running (no /run/netns/{stack.netns})")
        return stack

    def is_inside(self) -> bool:
        """True when this process already lives in the stack's network namespace."""
        try:
            return os.stat("/proc/self/ns/net").st_ino == os.stat(f"/run/netns/{self.netns}").st_ino
        except FileNotFoundError:
            return False

    # ------------------------------------------------------------------ logs
    def log(self, name: str = "postfix.log") -> Path:
        return self.log_dir / name

    def log_position(self, name: str = "postfix.log") -> int:
        """Current size of a log: pass it as `since` to look only at lines written after now."""
        try:
            return self.log(name).stat().st_size
        except FileNotFoundError:
            return 0

    def log_text(self, name: str = "postfix.log", since: int = 0) -> str:
        try:
            with open(self.log(name), "rb") as f:
                f.seek(since)
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def wait_for_log(self, pattern: str, *, name: str = "postfix.log", since: int = 0,
                     timeout: float = DEFAULT_TIMEOUT) -> re.Match:
        """The first match of a regex (multiline) in a log, waiting until it shows up."""
        regex = re.compile(pattern, re.MULTILINE)
        return wait_until(f"/{pattern}/ in {name}",
                          lambda: regex.search(self.log_text(name, since)), timeout)

    def daemon_log(self, daemon: str) -> str:
        """The log a cachet daemon writes to: log/<daemon>.out when the stack runs it in the
        foreground (stack_daemon, -f: stderr), else syslog.log (cachet-spf spawned by Postfix
        logs through /dev/log)."""
        if (self.dir / "run" / f"{daemon}.pid").exists():
            return f"{daemon}.out"
        return "syslog.log"

    def log_marks(self) -> dict[str, int]:
        """The current end of every daemon log: pass it to find_event as `since`."""
        return {d: self.log_position(self.daemon_log(d)) for d in DAEMONS}

    def find_event(self, daemon: str, event: str, since: dict[str, int] | None = None,
                   timeout: float = DEFAULT_TIMEOUT, **want) -> dict[str, object]:
        """Waits for the first `event` line of a daemon (after `since`) whose fields match
        `want` (logs.matches: a value, a compiled regex or a predicate) and returns its fields.
        Works in both LogFormat text and json."""
        name = self.daemon_log(daemon)
        start = (since or {}).get(daemon, 0)

        def probe():
            for _, fields in logs.events(self.log_text(name, start), event):
                if logs.matches(fields, want):
                    return fields
            return None

        shown = " ".join(f"{k}={getattr(v, 'pattern', v)}" for k, v in want.items())
        return wait_until(f"{event} {shown} in {name}", probe, timeout)

    def delivery(self, queue_id: str, recipient: str, timeout: float = DEFAULT_TIMEOUT) -> tuple[str, str]:
        """Waits for Postfix's delivery record of one recipient of a queued message and returns
        (status, line): status is sent, bounced, deferred or expired."""
        match = self.wait_for_log(
            rf"^.*\b{re.escape(queue_id)}: to=<{re.escape(recipient)}>.* status=(\w+).*$",
            timeout=timeout)
        return match.group(1), match.group(0)

    # ------------------------------------------------------------------ delivered mail
    def mbox_path(self, user: User) -> Path:
        return self.mail_spool / user.login

    def find_in_mbox(self, user: User, token: str) -> email.message.EmailMessage | None:
        """The message carrying `token` in its X-Cachet-Test header in the user's mbox, if any.
        Call it after delivery() said sent: virtual(8) reports only when the write is complete."""
        for raw in read_mbox(self.mbox_path(user)):
            if token.encode() in raw:
                message = parse_message(raw)
                if message.get("X-Cachet-Test") == token:
                    return message
        return None

    def find_in_sink(self, token: str, timeout: float = DEFAULT_TIMEOUT) -> tuple[Path, email.message.EmailMessage]:
        """The sink file holding the message with `token` once it stopped growing. smtp-sink
        writes the file while the transaction runs; its first lines are X-Client-Addr and
        friends, then the Received header it adds, then the message."""
        needle = token.encode()

        def probe():
            for path in sorted(self.sink_dir.iterdir()):
                try:
                    if needle in path.read_bytes():
                        return path
                except FileNotFoundError:
                    continue
            return None

        path = wait_until(f"a message with {token} in {self.sink_dir}", probe, timeout)
        return path, parse_message(stable_bytes(path))

    def imap_find(self, user: User, token: str) -> email.message.EmailMessage | None:
        """Logs in over IMAPS (the stack's certificate is verified, host 127.0.0.1), searches the
        INBOX for the token's X-Cachet-Test header and fetches the message without marking it."""
        context = ssl.create_default_context(cafile=str(self.tls_cert))
        with imaplib.IMAP4_SSL(self.inside_ip, self.imaps_port, ssl_context=context, timeout=DEFAULT_TIMEOUT) as imap:
            imap.login(user.login, user.password)
            imap.select("INBOX", readonly=True)
            status, data = imap.search(None, "HEADER", "X-Cachet-Test", token)
            numbers = data[0].split() if status == "OK" and data and data[0] else []
            if not numbers:
                return None
            status, data = imap.fetch(numbers[-1], "(BODY.PEEK[])")
            if status != "OK":
                raise StackError(f"IMAP FETCH failed: {data!r}")
            return parse_message(data[0][1])

    # ------------------------------------------------------------------ DNS
    def dns(self, name: str, rrtype: str = "A") -> tuple[str, list[str]]:
        """Asks the stack's unbound (drill) and returns (rcode, answer records as text)."""
        out = subprocess.run(["drill", "@127.0.0.1", name, rrtype], capture_output=True,
                             text=True, timeout=DEFAULT_TIMEOUT).stdout
        rcode = re.search(r"rcode: (\w+)", out)
        section = re.search(r";; ANSWER SECTION:\n(.*?)\n\n", out, re.S)
        answers = [" ".join(line.split()) for line in section.group(1).splitlines()] if section else []
        return (rcode.group(1) if rcode else "no answer"), answers

    # ------------------------------------------------------------------ daemons
    def reconfigure(self, daemon: str, option: str, value: str | None, loaded: str) -> None:
        """Sets `option` to `value` (None: removes it) in $STACK/etc/<daemon>.conf, sends the
        daemon SIGHUP and waits for its `loaded` line (a regex) in log/<daemon>.out."""
        conf = self.dir / "etc" / f"{daemon}.conf"
        lines = [line for line in conf.read_text(encoding="utf-8").splitlines(keepends=True)
                 if line.split(maxsplit=1)[:1] != [option]]
        if value is not None:
            lines.append(f"{option}\t{value}\n")
        conf.write_text("".join(lines), encoding="utf-8")
        since = self.log_position(f"{daemon}.out")
        pid = int((self.dir / "run" / f"{daemon}.pid").read_text(encoding="utf-8").strip())
        os.kill(pid, signal.SIGHUP)
        self.wait_for_log(loaded, name=f"{daemon}.out", since=since)

    # ------------------------------------------------------------------ DKIM
    def dkimverify(self, raw: bytes) -> tuple[bool, str]:
        """python3-dkim's dkimverify on the bytes as relayed (the email package would refold
        them), run inside the stack so that it asks the stack's DNS. (passed, its output)."""
        run = subprocess.run([self.in_stack, "/usr/bin/dkimverify"], input=raw, capture_output=True,
                             timeout=DEFAULT_TIMEOUT)
        return run.returncode == 0, (run.stdout + run.stderr).decode(errors="replace")

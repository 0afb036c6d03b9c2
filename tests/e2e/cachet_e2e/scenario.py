# SPDX-License-Identifier: BSD-2-Clause
#
# tests/e2e/cachet_e2e/scenario.py: scenarios, the one place where an end-to-end behaviour
# is written down. A scenario is a function of a Context, declared with @scenario in a file
# tests/e2e/scenarios/*.py; ctest runs each one as test e2e.<name>, and scripts/demo runs
# them all in order and shows what they say. Scenarios narrate with ctx.say() in plain words
# and assert with ctx.check(); the first failed check raises CheckFailed with its evidence,
# and a scenario that returns without a single check fails (run.py).
# Scenarios share one stack and may run in parallel: each marks its mail with ctx.token()
# and looks only for that, never at counts.
from __future__ import annotations

import dataclasses
import importlib.util
import sys
import uuid
from pathlib import Path
from typing import Callable, TextIO

from . import logs, smtp
from .stack import Stack, User


class CheckFailed(AssertionError):
    pass


class ScenarioSkipped(Exception):
    """The scenario cannot run on this stack or machine (run.py prints SKIP and exits 77)."""


@dataclasses.dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    run: Callable[["Context"], None]
    order: int
    source: str
    observe: bool = False  # a check of the observability stack only (E2E_OBSERVE=1)


_registry: dict[str, Scenario] = {}


def scenario(name: str, title: str, *, order: int = 100, observe: bool = False):
    """Declares a scenario. name: ctest's e2e.<name> (snake_case, unique); title: one line for
    the demo; order: demo order (smaller first; the base stack uses 10-90). observe: a check
    that reads what the other scenarios left on the observability stack (metrics, JSON logs):
    run by name only (tests/e2e/CMakeLists.txt), never by --list, --all or --demo."""
    def register(func: Callable[["Context"], None]):
        if name in _registry:
            raise ValueError(f"scenario {name} declared twice ({_registry[name].source}, {func.__module__})")
        _registry[name] = Scenario(name, title, func, order, func.__module__, observe)
        return func
    return register


def load_scenarios(directory: Path) -> list[Scenario]:
    """Imports every directory/*.py and returns all declared scenarios in demo order."""
    for path in sorted(directory.glob("*.py")):
        module_name = f"cachet_e2e_scenarios.{path.stem}"
        if module_name in sys.modules:
            continue
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return sorted(_registry.values(), key=lambda s: (s.order, s.name))


class Context:
    def __init__(self, stack: Stack, current: Scenario, out: TextIO = sys.stdout):
        self.stack = stack
        self.scenario = current
        self.out = out
        self.checks = 0

    def token(self) -> str:
        """A fresh marker for one message: goes into X-Cachet-Test and the Subject."""
        return f"{self.scenario.name}.{uuid.uuid4().hex[:12]}"

    def say(self, text: str) -> None:
        """One line of narrative: what was sent, what the server said, where mail went."""
        print(f"    {text}", file=self.out, flush=True)

    def check(self, condition: object, claim: str, evidence: object = "") -> None:
        """Asserts a claim; prints it when true, raises CheckFailed with the evidence if not."""
        if not condition:
            raise CheckFailed(f"{claim}\n    evidence: {evidence}" if evidence != "" else claim)
        self.checks += 1
        print(f"    ok: {claim}", file=self.out, flush=True)

    def decision(self, daemon: str, event: str, since: dict[str, int], claim: str, **want) -> dict[str, object]:
        """Checks that `daemon` wrote an `event` line (after the marks `since` from
        stack.log_marks()) with these fields, narrates it and returns its fields. A line that
        does not come is a failure naming what was awaited."""
        fields = self.stack.find_event(daemon, event, since, **want)
        self.say(f"cachet-{daemon}: {logs.render(event, fields)}")
        self.check(True, claim)
        return fields

    def send(self, token: str | None = None, **kwargs) -> smtp.SmtpResult:
        """smtp.send(), marking the message with `token` (header and Subject) and narrating the
        outcome. Keyword arguments as smtp.send(); `subject` sets the Subject's text. With
        data=bytes the message is sent as is: make it with smtp.build_message(token=...)."""
        headers = dict(kwargs.pop("headers", None) or {})
        subject = kwargs.pop("subject", self.scenario.title)
        if token:
            headers.setdefault("X-Cachet-Test", token)
            headers.setdefault("Subject", f"{subject} [{token}]")
        result = smtp.send(headers=headers, **kwargs)
        self.say(f"server: {result.summary()}")
        return result

    def delivered(self, result: smtp.SmtpResult, recipient: str) -> str:
        """Checks that an accepted message reached `recipient` (Postfix logged status=sent)
        and returns that log line."""
        self.check(result.accepted, f"message to {recipient} accepted", result.transcript)
        status, line = self.stack.delivery(result.queue_id, recipient)
        self.check(status == "sent", f"Postfix delivered {result.queue_id} to {recipient}", line)
        return line

    def refused(self, result: smtp.SmtpResult, expected: str, claim: str = "") -> None:
        """Checks that the transaction was refused with exactly this reply (code, enhanced
        status and text, e.g. "554 5.7.1 <x@remote.test>: Relay access denied")."""
        self.check(result.refusal == expected and not result.accepted,
                   claim or f"refused: {expected}", result.transcript)

    def delivered_to_mailbox(self, result: smtp.SmtpResult, user: User, token: str):
        """Checks that an accepted message was delivered to the user's mbox and returns it
        (an email.message.EmailMessage, as Postfix wrote it)."""
        self.delivered(result, user.address)
        message = self.stack.find_in_mbox(user, token)
        self.check(message is not None,
                   f"delivered to {user.login}'s mailbox {self.stack.mbox_path(user)}")
        return message

    def relayed_to_sink(self, result: smtp.SmtpResult, recipient: str, token: str):
        """Checks that an accepted message was relayed out (to the sink) and returns it, the
        sink's own X-Client-* and Received fields on top."""
        self.delivered(result, recipient)
        path, message = self.stack.find_in_sink(token)
        self.check(message["X-Cachet-Test"] == token, f"relayed out: the sink caught it ({path.name})")
        return message

    # Header fields a mail server adds on the way; later issues' daemons add theirs here.
    ADDED_FIELDS = ("Return-Path", "Delivered-To", "Received", "Received-SPF",
                    "Authentication-Results", "DKIM-Signature")

    def show_added_headers(self, message, fields: tuple[str, ...] = ADDED_FIELDS) -> None:
        """Narrates the trace and authentication header fields of a delivered message (the
        newest Received only, not counting the sink's own), unfolded, as the demo's "headers
        added"."""
        for name in fields:
            values = [" ".join(str(v).split()) for v in message.get_all(name) or []]
            if name == "Received":
                values = [v for v in values if "(smtp-sink)" not in v][:1]
            for value in values:
                self.say(f"header  {name}: {value}")

# SPDX-License-Identifier: BSD-2-Clause
#
# tests/e2e/cachet_e2e/logs.py: the cachet daemons' log lines as data. One parser for both
# formats a daemon writes (LogFormat text: `event key=value key="quoted value"`; LogFormat
# json: one JSON object whose first members are "event" and "level"), behind whatever prefix
# the log file adds (stderr with -f: `cachet-dkim: info: `; syslog: `date ident[pid]: `), so
# that a scenario asserts a decision line the same way in either format.
# Pure functions; standard library only.
from __future__ import annotations

import json
import re

# A text line: the event name (dotted), then key=value pairs; a value is bare (no space) or
# double-quoted with \" \\ and \xNN escapes (common/log/logger.cpp append_value).
_TEXT_EVENT = re.compile(r"(?:^|: )(?:(error|warning|info|debug): )?([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)(?= |$)")
_TEXT_PAIR = re.compile(r' ([A-Za-z_][A-Za-z0-9_-]*)=("(?:[^"\\]|\\.)*"|[^ ]*)')
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|.)")


def _unquote(value: str) -> str:
    if not value.startswith('"'):
        return value
    return _ESCAPE.sub(lambda m: chr(int(m.group(1)[1:], 16)) if m.group(1)[0] == "x" and len(m.group(1)) == 3
                       else m.group(1), value[1:-1])


def json_part(line: str) -> str | None:
    """The JSON object of a line (after any syslog/stderr prefix), or None if there is none."""
    start = line.find("{")
    if start < 0:
        return None
    prefix = line[:start]
    if prefix and not prefix.endswith(": "):
        return None
    return line[start:]


def parse_line(line: str) -> tuple[str, dict[str, object]] | None:
    """(event, fields) of one daemon log line in either format, or None when the line is not
    one of ours. fields keeps the order of the line; in JSON "level" is one of them, in text
    it is there when the prefix names it (stderr)."""
    line = line.rstrip("\n")
    body = json_part(line)
    if body is not None:
        try:
            obj = json.loads(body)
        except json.JSONDecodeError:
            return None
        if isinstance(obj, dict) and isinstance(obj.get("event"), str):
            fields = {k: v for k, v in obj.items() if k != "event"}
            return obj["event"], fields
        return None
    match = _TEXT_EVENT.search(line)
    if not match:
        return None
    fields: dict[str, object] = {}
    if match.group(1):
        fields["level"] = match.group(1)
    rest = line[match.end():]
    position = 0
    while position < len(rest):
        pair = _TEXT_PAIR.match(rest, position)
        if not pair:
            return None  # not a line Event wrote
        fields[pair.group(1)] = _unquote(pair.group(2))
        position = pair.end()
    return match.group(2), fields


def events(text: str, event: str | None = None) -> list[tuple[str, dict[str, object]]]:
    """Every parsed line of a log text (optionally only one event), in order."""
    out = []
    for line in text.splitlines():
        parsed = parse_line(line)
        if parsed and (event is None or parsed[0] == event):
            out.append(parsed)
    return out


def matches(fields: dict[str, object], want: dict[str, object]) -> bool:
    """True when every wanted key is there with that value: a str compares equal, a compiled
    regex must search the value's text, a callable must return true for it."""
    for key, expected in want.items():
        if key not in fields:
            return False
        value = fields[key]
        if isinstance(expected, re.Pattern):
            if not expected.search(str(value)):
                return False
        elif callable(expected):
            if not expected(value):
                return False
        elif str(value) != str(expected):
            return False
    return True


def render(event: str, fields: dict[str, object]) -> str:
    """A parsed line shown back in the text format, for the narrative."""
    parts = [event]
    for key, value in fields.items():
        if key == "level":
            continue
        text = str(value)
        if text == "" or any(c in text for c in ' "='):
            text = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
        parts.append(f"{key}={text}")
    return " ".join(parts)

# SPDX-License-Identifier: BSD-2-Clause
#
# tests/e2e/scenarios/observe.py: checks of the observability stack (E2E_OBSERVE=1,
# plugins.d/90-observe.sh), run by name after e2e.observe.scenarios ran every scenario on it
# (tests/e2e/CMakeLists.txt). On any other stack they skip.
#
# observe_metrics: a real Prometheus server scraped every daemon during the scenarios. The
#   test waits until Prometheus has scraped each one after now (the targets API's lastScrape,
#   never a fixed sleep) and reads every counter back through /api/v1/query: each must equal
#   the count of the decision lines the daemon wrote for that label (the lines the scenarios
#   asserted one by one). Then it sends a known set of messages and checks that each counter
#   moved by exactly what was sent. `promtool check metrics` passes on each endpoint. The
#   per-domain series (MetricsDomains) are among them: listed domains by name, others "other".
# observe_json_logs: every line each daemon wrote (LogFormat json) parses as one JSON object
#   whose first members are "event" and "level", every event name is in the daemon's man
#   page, and the decision lines carry only the keys their man page documents (the LOGGING
#   key tables), with the required ones present.
from __future__ import annotations

import datetime
import json
import re
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

from cachet_e2e import logs
from cachet_e2e.scenario import Context, ScenarioSkipped, scenario
from cachet_e2e.smtp import build_message
from cachet_e2e.stack import ALICE, BOB, DAEMONS, wait_until

REPO = Path(__file__).resolve().parents[3]
MAN_PAGES = {"dkim": "milters/dkim/cachet-dkim.8.md", "dmarc": "milters/dmarc/cachet-dmarc.8.md",
             "spf": "policyd/spf/cachet-spf.8.md", "sender": "policyd/sender/cachet-sender.8.md"}
DECISION_EVENTS = {"dkim": "dkim.decision", "dmarc": "dmarc.result", "spf": "spf.request",
                   "sender": "sender.decision"}
LEVELS = ("error", "warning", "info", "debug")
# The series each daemon counts its decision lines in: (metric, label).
# A series with two labels is keyed "domain/value" (the MetricsDomains series).
SERIES = {"dkim": [("cachet_dkim_messages_total", ("decision",)), ("cachet_dkim_signatures_total", ("algorithm",)),
                   ("cachet_dkim_verify_results_total", ("result",)),
                   ("cachet_dkim_domain_signatures_total", ("domain", "algorithm")),
                   ("cachet_dkim_domain_verify_results_total", ("domain", "result"))],
          "dmarc": [("cachet_dmarc_results_total", ("result",)), ("cachet_dmarc_dispositions_total", ("disposition",)),
                    ("cachet_dmarc_domain_results_total", ("domain", "result"))],
          "spf": [("cachet_spf_results_total", ("result",)), ("cachet_spf_actions_total", ("action",))],
          "sender": [("cachet_sender_decisions_total", ("decision",))]}
# MetricsDomains as plugins.d/90-observe.sh sets it: these get their own domain label value.
METRICS_DOMAINS = {"dkim": ("example.test",), "dmarc": ("outside.test", "spoofed.test")}
DMARC_DOMAIN_RESULTS = ("pass", "fail", "none", "temperror", "permerror")


def domain_label(daemon: str, domain: str) -> str:
    return domain.lower() if domain.lower() in METRICS_DOMAINS[daemon] else "other"


def observe_stack(ctx: Context, need_prometheus: bool) -> None:
    if ctx.stack.facts.get("E2E_OBSERVE") != "1":
        raise ScenarioSkipped("not the observability stack (start it with E2E_OBSERVE=1; "
                              "ctest runs it as e2e.observe.*)")
    if need_prometheus and not ctx.stack.facts.get("E2E_PROMETHEUS"):
        raise ScenarioSkipped("prometheus is not installed (scripts/packages.d/metrics.txt): "
                              "the counters cannot be read back through a real Prometheus")


def metrics_ports(ctx: Context) -> dict[str, int]:
    pairs = (p.split(":") for p in ctx.stack.facts["E2E_METRICS_PORTS"].split())
    return {daemon: int(port) for daemon, port in pairs}


def http_get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as reply:
        return reply.read()


# ---------------------------------------------------------------------- decision lines -> labels
def spf_action_label(action: str) -> str:
    """The action label cachet-spf counts for an action text (policyd/spf/session.cpp)."""
    lowered = action.lower()
    if lowered.startswith("dunno"):
        return "dunno"
    if lowered.startswith("prepend"):
        return "prepend"
    if lowered.startswith(("defer", "4")):
        return "defer"
    if lowered.startswith(("reject", "5")):
        return "reject"
    return "restriction"


def expected_counts(daemon: str, lines: list[dict[str, object]]) -> Counter:
    """What the daemon's counters must read after writing these decision lines:
    Counter[(metric, label value)]."""
    want: Counter = Counter()
    for f in lines:
        if daemon == "dkim":
            if f.get("sign") == "yes":
                want["cachet_dkim_messages_total", "signed"] += 1
                for domain, algorithm in zip(str(f["d"]).split(","), str(f["a"]).split(",")):
                    want["cachet_dkim_signatures_total", algorithm] += 1
                    want["cachet_dkim_domain_signatures_total", f"{domain_label(daemon, domain)}/{algorithm}"] += 1
            elif str(f.get("why", "")).startswith("signing failed"):
                want["cachet_dkim_messages_total", "sign_error"] += 1
            else:
                want["cachet_dkim_messages_total", "not_signed"] += 1
            if "verify" in f:
                sigs = [s for s in str(f.get("sigs", "")).split("; ") if s]
                if not sigs:
                    want["cachet_dkim_verify_results_total", "none"] += 1
                for sig in sigs:  # "d=... s=... a=... RESULT (REASON)"
                    words = sig.split()
                    want["cachet_dkim_verify_results_total", words[3]] += 1
                    domain = domain_label(daemon, words[0].removeprefix("d="))
                    want["cachet_dkim_domain_verify_results_total", f"{domain}/{words[3]}"] += 1
        elif daemon == "dmarc":
            want["cachet_dmarc_results_total", f["result"]] += 1
            want["cachet_dmarc_dispositions_total", f.get("disposition", "none")] += 1
            if f.get("from"):
                result = f["result"] if f["result"] in DMARC_DOMAIN_RESULTS else "other"
                want["cachet_dmarc_domain_results_total", f"{domain_label(daemon, str(f['from']))}/{result}"] += 1
        elif daemon == "spf":
            identity = f["identity"]
            want["cachet_spf_results_total", identity if identity in ("skip", "cached") else f["result"]] += 1
            want["cachet_spf_actions_total", spf_action_label(str(f["action"]))] += 1
        elif daemon == "sender":
            want["cachet_sender_decisions_total", f["decision"]] += 1
    return want


# ---------------------------------------------------------------------- Prometheus
class Prometheus:
    def __init__(self, address: str):
        self.base = f"http://{address}"

    def api(self, path: str, **params) -> dict:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        reply = json.loads(http_get(f"{self.base}/api/v1/{path}{query}"))
        if reply.get("status") != "success":
            raise AssertionError(f"Prometheus {path}: {reply}")
        return reply["data"]

    def scraped_after(self, since: float) -> dict[str, float] | None:
        """{job: last scrape time} when every target is up and was scraped after `since`."""
        targets = self.api("targets")["activeTargets"]
        seen = {}
        for t in targets:
            # lastScrape: RFC 3339 with nanoseconds; Python reads up to microseconds
            stamp = re.sub(r"(\.\d{6})\d*", r"\1", t["lastScrape"]).replace("Z", "+00:00")
            seen[t["labels"]["job"]] = datetime.datetime.fromisoformat(stamp).timestamp()
            if t["health"] != "up" or seen[t["labels"]["job"]] <= since:
                return None
        return seen if set(seen) == set(DAEMONS) else None

    def wait_for_scrape(self, ctx: Context) -> None:
        """Waits until Prometheus has scraped every daemon after now (a scrape that started
        after every line the caller has seen was written)."""
        since = time.time()
        seen = wait_until("a Prometheus scrape of every daemon after now", lambda: self.scraped_after(since))
        ctx.say("Prometheus scraped " + ", ".join(f"{j} at +{t - since:.2f}s" for j, t in sorted(seen.items())))

    def value(self, query: str) -> float:
        """The single value of an instant query (0 when it has no result)."""
        rows = self.api("query", query=query)["result"]
        if len(rows) > 1:
            raise AssertionError(f"{query}: {len(rows)} series, expected one")
        return float(rows[0]["value"][1]) if rows else 0.0

    def counters(self) -> Counter:
        """Every cachet decision counter as Prometheus has it now: Counter[(metric, label)]."""
        got: Counter = Counter()
        for series in [s for daemon in SERIES.values() for s in daemon]:
            metric, labels = series
            for row in self.api("query", query=metric)["result"]:
                got[metric, "/".join(row["metric"][label] for label in labels)] += int(float(row["value"][1]))
        return got


def decision_lines(ctx: Context, daemon: str, since: dict[str, int] | None = None) -> list[dict[str, object]]:
    stack = ctx.stack
    text = stack.log_text(stack.daemon_log(daemon), (since or {}).get(daemon, 0))
    return [f for _, f in logs.events(text, DECISION_EVENTS[daemon])]


def nonzero(counts: Counter) -> dict:
    return {k: v for k, v in sorted(counts.items()) if v}


@scenario("observe_metrics", "Prometheus scraped every daemon: the counters equal what the scenarios sent",
          order=900, observe=True)
def observe_metrics(ctx: Context) -> None:
    observe_stack(ctx, need_prometheus=True)
    stack = ctx.stack
    ports = metrics_ports(ctx)
    promtool = shutil.which("promtool")
    for daemon, port in ports.items():
        body = http_get(f"http://127.0.0.1:{port}/metrics")
        if promtool:
            run = subprocess.run([promtool, "check", "metrics"], input=body, capture_output=True, timeout=30)
            ctx.check(run.returncode == 0, f"promtool check metrics passes on cachet-{daemon}'s endpoint (:{port})",
                      (run.stdout + run.stderr).decode(errors="replace"))
    prometheus = Prometheus(stack.facts["E2E_PROMETHEUS"])

    # 1. Everything the scenarios sent: the counters equal the decision lines, label by label.
    prometheus.wait_for_scrape(ctx)
    got = prometheus.counters()
    for daemon in DAEMONS:
        lines = decision_lines(ctx, daemon)
        want = expected_counts(daemon, lines)
        mine = Counter({k: v for k, v in got.items() if k[0] in {m for m, _ in SERIES[daemon]}})
        ctx.say(f"cachet-{daemon}: {len(lines)} decision lines; Prometheus: {nonzero(mine)}")
        ctx.check(len(lines) > 0, f"the scenarios made cachet-{daemon} decide something")
        ctx.check(nonzero(mine) == nonzero(want),
                  f"cachet-{daemon}'s counters in Prometheus equal its {len(lines)} decision lines, label by label",
                  f"Prometheus {nonzero(mine)} vs lines {nonzero(want)}")

    # The runtime's series too: reloads by outcome equal the reload lines (the scenarios
    # reload cachet-dkim and cachet-dmarc with SIGHUP), and the daemons that resolve asked DNS.
    for daemon in DAEMONS:
        text = stack.log_text(stack.daemon_log(daemon))
        lines = Counter(event for event, _ in logs.events(text))
        for outcome, event in (("ok", "config.reloaded"), ("failed", "config.reload_failed")):
            value = prometheus.value(f'cachet_reloads_total{{job="{daemon}",outcome="{outcome}"}}')
            ctx.check(value == lines[event], f"cachet-{daemon}: cachet_reloads_total{{outcome=\"{outcome}\"}} = "
                      f"{lines[event]} {event} lines", f"Prometheus says {value}")
    for daemon in ("dkim", "dmarc", "spf"):
        value = prometheus.value(f'sum(cachet_dns_queries_total{{job="{daemon}"}})')
        ctx.check(value > 0, f"cachet-{daemon} counted its DNS queries ({value:.0f})", value)

    # 2. A known set of messages: each counter moves by exactly what was sent.
    marks = stack.log_marks()
    before = got
    sent = send_known_set(ctx)
    for daemon, count in sent.items():
        wait_until(f"{count} decision lines of cachet-{daemon}",
                   lambda d=daemon, c=count: len(decision_lines(ctx, d, marks)) >= c)
    prometheus.wait_for_scrape(ctx)
    after = prometheus.counters()
    delta = nonzero(after - before)
    want = nonzero(KNOWN_SET_DELTA)
    ctx.say(f"counters moved by {delta}")
    ctx.check(delta == want, "each counter moved by exactly what the known set sent", f"moved {delta}, sent {want}")


# What send_known_set() makes each daemon count, message by message (zones.d and plugins.d
# decide it: port 25 has cachet-spf, the submission ports cachet-sender, every message the
# milters; 127.0.0.1 is in cachet-dmarc's IgnoreHosts):
#   1. alice on SMTPS to carol@remote.test: sender allowed; signed (rsa-sha256); DMARC skipped
#   2. bob on SMTPS as alice@: sender not_owned, refused at RCPT (the milters never see it)
#   3. outside.test's signed mail on port 25: SPF none (no record), prepend; not signed,
#      verified pass; DMARC pass (aligned DKIM)
#   4. forged spoofed.test on port 25: SPF none, prepend; not signed, no signature (verify
#      none); DMARC fail, report only (disposition none)
#   5. spffail.test on port 25: SPF fail, reject at RCPT
#   6. bob on SMTPS to alice: sender allowed; signed; DMARC skipped
#   7. spfpass.test on port 25: SPF pass, prepend; not signed, no signature; DMARC none (no record)
KNOWN_SET_DELTA = Counter({
    ("cachet_sender_decisions_total", "allowed"): 2,        # 1, 6
    ("cachet_sender_decisions_total", "not_owned"): 1,      # 2
    ("cachet_spf_results_total", "none"): 2,                # 3, 4
    ("cachet_spf_results_total", "fail"): 1,                # 5
    ("cachet_spf_results_total", "pass"): 1,                # 7
    ("cachet_spf_actions_total", "prepend"): 3,             # 3, 4, 7
    ("cachet_spf_actions_total", "reject"): 1,              # 5
    ("cachet_dkim_messages_total", "signed"): 2,            # 1, 6
    ("cachet_dkim_signatures_total", "rsa-sha256"): 2,      # 1, 6
    ("cachet_dkim_messages_total", "not_signed"): 3,        # 3, 4, 7
    ("cachet_dkim_verify_results_total", "pass"): 1,        # 3
    ("cachet_dkim_verify_results_total", "none"): 2,        # 4, 7
    ("cachet_dmarc_results_total", "skipped"): 2,           # 1, 6
    ("cachet_dmarc_results_total", "pass"): 1,              # 3
    ("cachet_dmarc_results_total", "fail"): 1,              # 4
    ("cachet_dmarc_results_total", "none"): 1,              # 7
    ("cachet_dmarc_dispositions_total", "none"): 5,         # 1, 3, 4, 6, 7
    # MetricsDomains: cachet-dkim lists example.test, cachet-dmarc outside.test and spoofed.test
    ("cachet_dkim_domain_signatures_total", "example.test/rsa-sha256"): 2,  # 1, 6
    ("cachet_dkim_domain_verify_results_total", "other/pass"): 1,           # 3 (outside.test)
    ("cachet_dmarc_domain_results_total", "outside.test/pass"): 1,          # 3
    ("cachet_dmarc_domain_results_total", "spoofed.test/fail"): 1,          # 4
    ("cachet_dmarc_domain_results_total", "other/none"): 1,                 # 7 (spfpass.test)
})


def send_known_set(ctx: Context) -> dict[str, int]:
    """Sends the messages KNOWN_SET_DELTA accounts for and returns how many decision lines
    each daemon must write for them."""
    stack = ctx.stack
    outside = dict(port=stack.smtp_port, client_ip=stack.outside_ip, helo="mx.outside.test")
    token = ctx.token()
    ctx.relayed_to_sink(ctx.send(token, port=stack.smtps_port, tls="smtps", auth=ALICE, mail_from=ALICE.address,
                                 to="carol@remote.test"), "carol@remote.test", token)
    ctx.refused(ctx.send(ctx.token(), port=stack.smtps_port, tls="smtps", auth=BOB, mail_from=ALICE.address,
                         to=ALICE.address),
                f"553 5.7.1 <{ALICE.address}>: Sender address rejected: not owned by user bob")
    token = ctx.token()
    signed = sign_as_outside(ctx, build_message(token=token, mail_from="friend@outside.test", to=ALICE.address,
                                                subject="known set"))
    ctx.delivered_to_mailbox(ctx.send(mail_from="friend@outside.test", to=ALICE.address, data=signed, **outside),
                             ALICE, token)
    token = ctx.token()
    ctx.delivered_to_mailbox(ctx.send(token, mail_from="ceo@spoofed.test", to=ALICE.address, **outside), ALICE, token)
    ctx.refused(ctx.send(ctx.token(), mail_from="someone@spffail.test", to=BOB.address, **outside),
                f"550 5.7.23 <{BOB.address}>: Recipient address rejected: Message rejected due to: SPF fail - "
                "not authorized. Please see https://www.rfc-editor.org/rfc/rfc7208#section-8.4")
    token = ctx.token()
    ctx.delivered_to_mailbox(ctx.send(token, port=stack.smtps_port, tls="smtps", auth=BOB, mail_from=BOB.address,
                                      to=ALICE.address), ALICE, token)
    token = ctx.token()
    ctx.delivered_to_mailbox(ctx.send(token, mail_from="someone@spfpass.test", to=BOB.address, **outside), BOB, token)
    return {"sender": 3, "spf": 4, "dkim": 5, "dmarc": 5}  # decision lines, as KNOWN_SET_DELTA


def sign_as_outside(ctx: Context, data: bytes) -> bytes:
    key = Path(ctx.stack.dir) / "dkim" / "foreign.private"
    script = ("import sys, dkim\n"
              "msg = sys.stdin.buffer.read()\n"
              "key = open(sys.argv[1], 'rb').read()\n"
              "sys.stdout.buffer.write(dkim.sign(msg, b'ext', b'outside.test', key,"
              " canonicalize=(b'relaxed', b'simple')) + msg)\n")
    return subprocess.run(["/usr/bin/python3", "-c", script, str(key)], input=data,
                          capture_output=True, check=True).stdout


# ---------------------------------------------------------------------- JSON logs
def documented_keys(daemon: str) -> set[str]:
    """The keys the man page's LOGGING section documents for the decision line: the first
    column of its `| key | meaning |` table (a cell may name several: `d, s, a`)."""
    text = (REPO / MAN_PAGES[daemon]).read_text(encoding="utf-8")
    section = text.split("\n## LOGGING", 1)[1].split("\n## ", 1)[0]
    keys: set[str] = set()
    in_table = False
    for line in section.splitlines():
        if re.match(r"^\|\s*key\s*\|", line):
            in_table = True
            continue
        if in_table:
            if not line.startswith("|"):
                break
            cell = line.split("|")[1].strip()
            if set(cell) <= set("-: "):
                continue
            keys.update(k.strip(" `") for k in cell.split(","))
    return keys


@scenario("observe_json_logs", "every line each daemon wrote with LogFormat json parses, with the documented fields",
          order=910, observe=True)
def observe_json_logs(ctx: Context) -> None:
    observe_stack(ctx, need_prometheus=False)
    stack = ctx.stack
    for daemon in DAEMONS:
        name = stack.daemon_log(daemon)
        raw = stack.log_text(name)
        lines = [line for line in raw.splitlines() if line.strip()]
        bad, events = [], Counter()
        for line in lines:
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                bad.append(f"{line!r}: {e}")
                continue
            keys = list(obj) if isinstance(obj, dict) else []
            scalar = all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in obj.values()) \
                if keys else False
            if keys[:2] != ["event", "level"] or obj["level"] not in LEVELS or not scalar \
                    or not re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+", str(obj["event"])):
                bad.append(f"{line!r}: not {{\"event\": dotted name, \"level\": {'|'.join(LEVELS)}, scalars...}}")
                continue
            events[obj["event"]] += 1
        ctx.check(lines and not bad, f"{name}: all {len(lines)} lines are JSON objects starting with event and level",
                  "\n".join(bad[:5]))
        ctx.say(f"{name}: " + ", ".join(f"{e} x{n}" for e, n in sorted(events.items())))
        page = (REPO / MAN_PAGES[daemon]).read_text(encoding="utf-8")
        unnamed = sorted(e for e in events if f"`{e}" not in page)
        ctx.check(not unnamed, f"every event cachet-{daemon} wrote is named in {MAN_PAGES[daemon]}",
                  f"not in the man page: {unnamed}")
        documented = documented_keys(daemon)
        ctx.check("qid" in documented and len(documented) >= 4,
                  f"{MAN_PAGES[daemon]} documents the keys of {DECISION_EVENTS[daemon]}: {sorted(documented)}")
        decisions = decision_lines(ctx, daemon)
        undocumented = sorted({k for f in decisions for k in f if k != "level"} - documented)
        ctx.check(decisions and not undocumented,
                  f"{len(decisions)} {DECISION_EVENTS[daemon]} lines use only documented keys",
                  f"undocumented: {undocumented}")
        ctx.check(all("qid" in f for f in decisions), f"every {DECISION_EVENTS[daemon]} line has its qid")

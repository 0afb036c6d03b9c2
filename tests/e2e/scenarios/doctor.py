# SPDX-License-Identifier: BSD-2-Clause
#
# tests/e2e/scenarios/doctor.py: `cachetctl doctor` against the real stack: its unbound
# (zones.d/50-doctor.conf: doctor.test, one broken record of each kind), the stack's
# Postfix configuration (a copy whose smtpd is chrooted, while the milters listen under
# $STACK/run) and a KeyTable whose key is not the published one. Every ✗ the issue lists is
# found with its fix line, and the JSON output names the same findings as the text. With
# --postconf, the stack's Postfix (postconf -c DIR) supplies the defaults main.cf leaves unset.
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from cachet_e2e.scenario import Context, scenario

CHECK = "\u2717"


def bin_dir() -> str:
    return os.environ.get("E2E_BIN_DIR") or str(Path(__file__).resolve().parents[3] / "build" / "default" / "bin")


def doctor(ctx: Context, work: Path, *extra: str) -> subprocess.CompletedProcess:
    cmd = [ctx.stack.in_stack, f"{bin_dir()}/cachetctl", "doctor", "-d", "doctor.test", "--ip", "127.0.0.5",
           "--myhostname", "mail.doctor.test", "-n", "127.0.0.1", "--dkim-config", str(work / "dkim.conf"),
           "--dmarc-config", str(work / "none.conf"), "--postfix-dir", str(work / "postfix"),
           "--sbin-dir", str(work / "no-sbin"), *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


@scenario("doctor_finds_broken_records",
          "cachetctl doctor finds each broken record and the chrooted smtpd, each with its fix", order=900)
def doctor_finds_broken_records(ctx: Context) -> None:
    stack = ctx.stack
    with tempfile.TemporaryDirectory(prefix="cachet-doctor-") as tmp:
        work = Path(tmp)
        (work / "KeyTable").write_text(f"k1 doctor.test:default:{stack.dir}/dkim/foreign.private\n")
        (work / "dkim.conf").write_text(f"KeyTable file:{work}/KeyTable\nDomain doctor.test\n")
        postfix = work / "postfix"
        postfix.mkdir()
        pf = Path(stack.facts["E2E_POSTFIX_CONF"])
        shutil.copy(pf / "main.cf", postfix / "main.cf")
        master = (pf / "master.cf").read_text().splitlines()
        chrooted = []
        for line in master:  # smtpd chrooted, as Debian's master.cf ships it
            f = line.split()
            if len(f) >= 8 and f[1] == "inet" and f[7] == "smtpd" and not line[0].isspace():
                f[4] = "y"
                line = " ".join(f)
            chrooted.append(line)
        (postfix / "master.cf").write_text("\n".join(chrooted) + "\n")
        ctx.say("admin: cachetctl doctor -d doctor.test --ip 127.0.0.5 -n 127.0.0.1 (in the stack)")
        text = doctor(ctx, work)
        for line in text.stdout.splitlines():
            ctx.say("  " + line)
        ctx.check(text.returncode == 1, "doctor exits 1 (problems found)", text.stderr)
        lines = text.stdout.splitlines()

        def found(prefix: str, fix: str = "") -> None:
            hits = [i for i, l in enumerate(lines) if l.startswith(CHECK) and prefix in l]
            ctx.check(hits, f"\u2717 {prefix}", text.stdout)
            if fix:
                nxt = lines[hits[0] + 1] if hits[0] + 1 < len(lines) else ""
                ctx.check(nxt.startswith("    fix: ") and fix in nxt, f"  with fix: {fix}", nxt)

        found("MX 10 mx.doctor.test: no A/AAAA record", "publish an A (and AAAA) record for mx.doctor.test")
        found("no PTR record for 127.0.0.5", "to set its PTR to mail.doctor.test")
        found("11 DNS lookups, 0 void: more than 10 is a permerror", "flatten")
        found("127.0.0.5 gets SPF", "add ip4:127.0.0.5 (or mx) to the SPF record")
        found("default._domainkey.doctor.test: keys do not match", "publish the public half of this private key")
        found("report target reports.test has not authorized reports for doctor.test",
              "doctor.test._report._dmarc.reports.test. IN TXT")
        found("smtpd runs chrooted in", "put the socket under")
        ctx.check(any(l.startswith("! dns.dmarc.policy") and "p=none" in l for l in lines),
                  "! p=none is advice", text.stdout)

        js = doctor(ctx, work, "--json")
        data = json.loads(js.stdout)
        ctx.check(js.returncode == text.returncode and data["exit"] == 1 and data["status"] == "problem",
                  "--json: same exit status, status problem", js.stdout)
        marks = {"ok": "\u2713", "problem": CHECK, "advice": "!", "unchecked": "?"}
        from_json = [f"{marks[f['status']]} {f['check']}" for f in data["findings"]]
        from_text = [" ".join(l.split()[:2]) for l in lines if not l.startswith("    fix: ")]
        ctx.check(from_json == from_text, "--json lists the same findings, in the same order, as the text",
                  f"{from_json} vs {from_text}")
        fixes = sum(1 for l in lines if l.startswith("    fix: "))
        ctx.check(fixes == sum(1 for f in data["findings"] if "fix" in f), "and the same fixes")

        # Postfix's own view (postconf -c DIR): what main.cf leaves unset takes this
        # Postfix's defaults: milter_default_action, and $config_directory, which no file sets.
        pc = work / "postfix-pc"
        pc.mkdir()
        kept = [l for l in (pf / "main.cf").read_text().splitlines() if not l.startswith("milter_default_action")]
        kept.append("non_smtpd_milters = unix:$config_directory/doctor-none.sock")
        (pc / "main.cf").write_text("\n".join(kept) + "\n")
        shutil.copy(postfix / "master.cf", pc / "master.cf")
        ctx.say("admin: cachetctl doctor ... --postfix-dir DIR --postconf (postconf -c DIR's view)")
        run = doctor(ctx, work, "--postfix-dir", str(pc), "--postconf")
        for line in run.stdout.splitlines():
            ctx.say("  " + line)
        got = run.stdout.splitlines()
        ctx.check(any(l.startswith("\u2713 postfix.config") and f"postconf -c {pc} (Postfix 3." in l for l in got),
                  "\u2713 postfix.config: read through postconf -c DIR", run.stdout)
        ctx.check(any(l.startswith("\u2713 postfix.milter_default") and "tempfail (Postfix's default)" in l
                      for l in got), "unset milter_default_action: Postfix's default, tempfail", run.stdout)
        ctx.check(any(l.startswith(CHECK + " postfix.milters") and f"{pc}/doctor-none.sock does not exist" in l
                      for l in got), "$config_directory expanded with postconf's value", run.stdout)

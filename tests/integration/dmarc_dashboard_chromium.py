#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
#
# tests/integration/dmarc_dashboard_chromium.py: the DMARC dashboard in a real browser.
# Imports a generated corpus (dmarc_report_corpus.py) and one failure report with
# cachetctl, writes the page with `cachetctl dmarc-dashboard --no-dns`, and renders it in
# headless Debian chromium inside `unshare --net` (no network at all): the DOM must hold the
# three charts per domain and both tables, chromium must log no console message (a CSP
# violation or script error would show there), and screenshots at desktop (1280 px) and
# phone (390 px) width are kept as test artifacts in ARTIFACT_DIR.
# Exits 77 (skipped) without chromium or root (unshare).
# usage: dmarc_dashboard_chromium.py BIN_DIR ARTIFACT_DIR
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dmarc_report_corpus  # noqa: E402

FAILURE_MAIL = """From: dmarc-noreply@linkedin.example
Message-ID: <ruf-1@linkedin.example>
Subject: DMARC Failure report for example.com
Content-Type: multipart/report; report-type=feedback-report; boundary=x

--x
Content-Type: text/plain

A message claiming to be from you failed DMARC.
--x
Content-Type: message/feedback-report

Feedback-Type: auth-failure
Version: 1
Arrival-Date: Tue, 02 Jan 2024 02:09:00 +0000
Source-IP: 203.0.113.77
Auth-Failure: dmarc
Reported-Domain: example.com

--x
Content-Type: text/rfc822-headers

From: "Payroll" <payroll@example.com>
Subject: Your invoice <urgent>

--x--
"""



# Chromium's own console lines (a CSP violation or script error shows there). Left out: its
# "Slow network is detected" intervention, an INFO line it prints on a loaded machine when
# rendering takes long; it says nothing about the page.
def console_messages(stderr):
    return [l for l in stderr.splitlines()
            if re.search(r"CONSOLE|Refused to|Uncaught", l) and "Slow network is detected" not in l]


def chromium(args):
    base = ["unshare", "--net", "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--enable-logging=stderr", "--v=0", "--user-data-dir=" + args.pop(0)]
    return subprocess.run(base + args, capture_output=True, text=True, timeout=120)


def main():
    bin_dir, artifacts = sys.argv[1], sys.argv[2]
    if shutil.which("chromium") is None or shutil.which("unshare") is None:
        print("SKIP: chromium not installed (scripts/packages.d/dmarc-import.txt)")
        return 77
    if os.geteuid() != 0:
        print("SKIP: unshare --net needs root")
        return 77
    os.makedirs(artifacts, exist_ok=True)
    failures = []
    with tempfile.TemporaryDirectory(prefix="rua-in-dash-") as work:
        dmarc_report_corpus.write_corpus(os.path.join(work, "corpus"), 48, 11)
        with open(os.path.join(work, "corpus", "mail", "ruf.eml"), "w") as f:
            f.write(FAILURE_MAIL)
        db = os.path.join(work, "h.sqlite")
        ctl = os.path.join(bin_dir, "cachetctl")
        r = subprocess.run([ctl, "dmarc-import", "-q", "--db", db, os.path.join(work, "corpus", "mail")],
                           capture_output=True, text=True)
        if r.returncode != 0:
            print("FAIL: import: " + r.stderr)
            return 1
        out = os.path.join(work, "www")
        os.makedirs(out)
        r = subprocess.run([ctl, "dmarc-dashboard", "--no-dns", "--since", "2023-12-01", "--db", db, "--out", out],
                           capture_output=True, text=True)
        if r.returncode != 0:
            print("FAIL: dashboard: " + r.stderr)
            return 1
        url = "file://" + os.path.join(out, "index.html")
        shutil.copy(os.path.join(out, "index.html"), os.path.join(artifacts, "dmarc-dashboard.html"))
        dom = chromium([os.path.join(work, "profile0"), "--dump-dom", url])
        domains = len(dmarc_report_corpus.DOMAINS)
        for what, want in (("<svg", 3 * domains), ('class="failing"', 1), ('class="failures"', 1), ("<polyline", 3 * domains)):
            got = dom.stdout.count(what)
            if got < want:
                failures.append("DOM: %d x %s, want at least %d" % (got, what, want))
        if "Your invoice &lt;urgent&gt;" not in dom.stdout:
            failures.append("DOM: the failure report's subject is missing")
        console = console_messages(dom.stderr)
        if console:
            failures.append("console: " + " | ".join(console))
        for name, width, height in (("desktop", 1280, 2400), ("phone", 390, 3200)):
            png = os.path.join(artifacts, "dmarc-dashboard-%s.png" % name)
            shot = chromium([os.path.join(work, "profile-" + name), "--window-size=%d,%d" % (width, height),
                             "--screenshot=" + png, url])
            if shot.returncode != 0 or not os.path.exists(png) or os.path.getsize(png) < 10000:
                failures.append("%s screenshot failed: %s" % (name, shot.stderr[-500:]))
            console = console_messages(shot.stderr)
            if console:
                failures.append("%s console: %s" % (name, " | ".join(console)))
    for f in failures:
        print("FAIL: " + f)
    print("dashboard: %s; screenshots in %s" % ("ok" if not failures else "%d problems" % len(failures), artifacts))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
#
# tests/bench/dmarc_import_bench.py: `cachetctl dmarc-import` over N report mails (zip and
# gzip mixed: Google, Microsoft, Yahoo, RFC 9990 shapes from
# tests/integration/dmarc_report_corpus.py) into a fresh SQLite history, then the same
# folder again (every report a duplicate). Prints reports per second and peak RSS (the
# child's ru_maxrss) for N/10 and N mails: "memory flat" means the two peaks are close.
# Goal on the project's 2-core box: >= 500 reports/s. No assertion: figures only.
# usage: dmarc_import_bench.py BIN_DIR [N=10000]
import os
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import dmarc_report_corpus  # noqa: E402


def run(argv):
    """Runs argv as a fresh child (fork+exec via a wrapper python), returns (seconds, max RSS KiB)."""
    wrapper = ("import resource,subprocess,sys,time;t=time.monotonic();"
               "r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL);"
               "print(time.monotonic()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)")
    out = subprocess.run([sys.executable, "-c", wrapper] + argv, capture_output=True, text=True, check=True)
    seconds, rss, rc = out.stdout.split()
    if rc != "0":
        raise SystemExit("exit %s: %s" % (rc, out.stderr))
    return float(seconds), int(rss)


def main():
    ctl = os.path.join(sys.argv[1], "cachetctl")
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    with tempfile.TemporaryDirectory(prefix="rua-in-bench-") as work:
        for count in (max(1, n // 10), n):
            corpus = os.path.join(work, "c%d" % count)
            t = time.monotonic()
            dmarc_report_corpus.write_corpus(corpus, count, 5)
            gen = time.monotonic() - t
            db = os.path.join(work, "h%d.sqlite" % count)
            first, rss1 = run([ctl, "dmarc-import", "-q", "--db", db, os.path.join(corpus, "mail")])
            again, rss2 = run([ctl, "dmarc-import", "-q", "--db", db, os.path.join(corpus, "mail")])
            print("dmarc-import %6d mails (zip+gzip, %.1f MB; corpus made in %.1f s): %7.0f reports/s, peak RSS %6.1f MiB;"
                  " again (all duplicates): %7.0f reports/s, peak RSS %6.1f MiB"
                  % (count, sum(os.path.getsize(os.path.join(corpus, "mail", f)) for f in os.listdir(os.path.join(corpus, "mail"))) / 1e6,
                     gen, count / first, rss1 / 1024, count / again, rss2 / 1024))
    return 0


if __name__ == "__main__":
    sys.exit(main())

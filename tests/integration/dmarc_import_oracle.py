#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
#
# tests/integration/dmarc_import_oracle.py: cachetctl dmarc-import against two independent
# parsers from Debian on a generated corpus shaped like the big receivers' reports
# (dmarc_report_corpus.py): dmarc-cat (Go; run with -N, no DNS) reads each bare .zip/.xml.gz,
# Mail::DMARC's dmarc_receive (Perl, libmail-dmarc-perl) stores each mail in its own SQLite
# database (run in `unshare --net`: it gets no network). For every report the multiset of
# (source IP, count) rows must agree with ours, row for row; the mails and the bare files
# must import to the same rows. Known limitation of the oracle, checked as such: Mail::DMARC
# 1.20211209 cannot read the RFC 9990 (namespaced) shape ("findnodes on an undefined value"),
# and dmarc-cat answers "empty report" (exit 1) for a report without records: read as no rows.
# Exits 77 (skipped) when an oracle is not installed (scripts/packages.d/dmarc-import.txt).
# usage: dmarc_import_oracle.py BIN_DIR
import ipaddress
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dmarc_report_corpus  # noqa: E402

MD_INI = "/usr/share/perl5/auto/share/dist/Mail-DMARC/mail-dmarc.ini"


def ip(text_or_bytes):
    if isinstance(text_or_bytes, bytes):
        return str(ipaddress.ip_address(text_or_bytes))
    return str(ipaddress.ip_address(text_or_bytes.strip()))


def ours(db):
    rows = defaultdict(list)
    c = sqlite3.connect(db)
    for rid, in c.execute("SELECT report_id FROM dmarc_aggregate_reports"):
        rows[rid]  # empty reports too
    for rid, source, count in c.execute(
            "SELECT r.report_id, c.source_ip, c.count FROM dmarc_aggregate_records c "
            "JOIN dmarc_aggregate_reports r ON c.report = r.id"):
        rows[rid].append((ip(source), int(count)))
    return {k: sorted(v) for k, v in rows.items()}


def dmarc_cat(path):
    # -j 1: with parallel jobs dmarc-cat 0.15 sometimes pairs a row's IP with another row's count
    # (4 of 60 concurrent runs here): an oracle must not race.
    out = subprocess.run(["dmarc-cat", "-N", "-j", "1", path], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        # dmarc-cat refuses a report without records ("empty report"): no rows, as ours.
        return [] if "empty report" in out.stdout + out.stderr else None
    rows, in_table = [], False
    for line in out.stdout.splitlines():
        if line.startswith("IP "):
            in_table = True
            continue
        if in_table and line.strip():
            fields = line.split()
            rows.append((ip(fields[0]), int(fields[1])))
    return sorted(rows)


def mail_dmarc(mails, work):
    ini = os.path.join(work, "mail-dmarc.ini")
    db = os.path.join(work, "mail-dmarc.sqlite")
    with open(MD_INI) as src, open(ini, "w") as dst:
        dst.write(src.read().replace("dbname=dmarc_reports.sqlite", "dbname=" + db))
    env = dict(os.environ, MAIL_DMARC_CONFIG_FILE=ini)
    for m in mails:
        subprocess.run(["unshare", "--net", "dmarc_receive", "--file", m], env=env, capture_output=True, timeout=120)
    rows = defaultdict(list)
    c = sqlite3.connect(db)
    c.text_factory = bytes
    for uuid, in c.execute("SELECT uuid FROM report"):
        rows[uuid.decode()]
    for uuid, source, count in c.execute(
            "SELECT r.uuid, rr.source_ip, rr.count FROM report_record rr JOIN report r ON rr.report_id = r.id"):
        rows[uuid.decode()].append((ip(source), int(count)))
    return {k: sorted(v) for k, v in rows.items()}


def main():
    bin_dir = sys.argv[1]
    for tool in ("dmarc-cat", "dmarc_receive", "unshare"):
        if shutil.which(tool) is None:
            print("SKIP: %s not installed (scripts/packages.d/dmarc-import.txt)" % tool)
            return 77
    if os.geteuid() != 0:
        print("SKIP: unshare --net needs root")
        return 77
    failures = []
    with tempfile.TemporaryDirectory(prefix="rua-in-oracle-") as work:
        corpus = os.path.join(work, "corpus")
        manifest = dmarc_report_corpus.write_corpus(corpus, 40, 7)
        ctl = os.path.join(bin_dir, "cachetctl")
        for sub in ("mail", "bare"):
            r = subprocess.run([ctl, "dmarc-import", "-q", "--db", os.path.join(work, sub + ".sqlite"),
                                os.path.join(corpus, sub)], capture_output=True, text=True, timeout=300)
            if r.returncode != 0:
                failures.append("cachetctl dmarc-import %s: exit %d: %s" % (sub, r.returncode, r.stderr))
        got = ours(os.path.join(work, "mail.sqlite"))
        if got != ours(os.path.join(work, "bare.sqlite")):
            failures.append("mails and bare files imported to different rows")
        cat_agree = md_agree = 0
        md = mail_dmarc(sorted(os.path.join(corpus, "mail", m) for m in os.listdir(os.path.join(corpus, "mail"))), work)
        md_unreadable = []
        for name, rid, kind, n in manifest:
            mine = got.get(rid)
            if mine is None or len(mine) != n:
                failures.append("%s: ours has %s rows, the corpus %d" % (name, None if mine is None else len(mine), n))
                continue
            cat = dmarc_cat(os.path.join(corpus, "bare", name))
            if cat == mine:
                cat_agree += 1
            else:
                failures.append("%s: dmarc-cat %s, ours %s" % (name, cat, mine))
            if rid not in md:
                md_unreadable.append((name, kind))
            elif md[rid] == mine:
                md_agree += 1
            else:
                failures.append("%s: Mail::DMARC %s, ours %s" % (name, md[rid], mine))
        unexpected = [n for n, kind in md_unreadable if kind != "rfc9990"]
        if unexpected:
            failures.append("Mail::DMARC did not store: %s" % unexpected)
        records = sum(len(v) for v in got.values())
        print("oracle: %d reports, %d records (%d empty reports); dmarc-cat agrees on %d/%d; Mail::DMARC on %d/%d "
              "(%d RFC 9990 reports it cannot read)" % (len(manifest), records, sum(1 for m in manifest if m[3] == 0),
                                                         cat_agree, len(manifest), md_agree,
                                                         len(manifest) - len(md_unreadable), len(md_unreadable)))
    for f in failures:
        print("FAIL: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

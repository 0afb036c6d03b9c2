#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
#
# tests/integration/dmarc_report_corpus.py: writes a corpus of DMARC aggregate report mails
# shaped like the big receivers' (deterministic, from a seed): Google (a zip named
# google.com!DOMAIN!BEGIN!END.zip, application/zip), Microsoft (gzip,
# enterprise.protection.outlook.com!DOMAIN!BEGIN!END.xml.gz, application/gzip), Yahoo
# (gzip, application/gzip), the RFC 9990 shape (namespace, np, testing, discovery_method);
# several records per report, IPv4 and IPv6 sources, empty reports (no record).
# Each report is written twice: DIR/mail/NNN-KIND.eml and the bare attachment DIR/bare/NAME;
# DIR/manifest.tsv lists NAME, report id, kind and record count.
# Used by dmarc_import_oracle.py and the import benchmark. Standard library only.
# usage: dmarc_report_corpus.py DIR [COUNT] [SEED]
import base64
import gzip
import io
import os
import random
import sys
import zipfile

DOMAINS = ["example.com", "example.org", "shop.example.net"]


def record(rng, domain):
    if rng.random() < 0.3:
        ip = "2001:db8:%x::%x" % (rng.randrange(1, 0xffff), rng.randrange(1, 0xffff))
    else:
        ip = "%d.%d.%d.%d" % (rng.choice([192, 198, 203, 209]), rng.randrange(256), rng.randrange(256), rng.randrange(1, 255))
    dkim, spf = rng.choice(["pass", "fail"]), rng.choice(["pass", "fail"])
    disposition = "none" if "pass" in (dkim, spf) else rng.choice(["none", "quarantine", "reject"])
    return (ip, rng.randrange(1, 500), disposition, dkim, spf, domain)


def report_xml(shape, org, email, report_id, begin, end, domain, records):
    ns = ' xmlns="urn:ietf:params:xml:ns:dmarc-2.0"' if shape == "rfc9990" else ""
    extra = "<np>reject</np><testing>n</testing><discovery_method>treewalk</discovery_method>" if shape == "rfc9990" \
        else "<pct>100</pct>"
    out = ['<?xml version="1.0" encoding="UTF-8" ?>\n<feedback%s>\n  <version>1.0</version>\n' % ns,
           "  <report_metadata>\n    <org_name>%s</org_name>\n    <email>%s</email>\n" % (org, email),
           "    <report_id>%s</report_id>\n    <date_range>\n      <begin>%d</begin>\n      <end>%d</end>\n"
           "    </date_range>\n  </report_metadata>\n" % (report_id, begin, end),
           "  <policy_published>\n    <domain>%s</domain>\n    <adkim>r</adkim>\n    <aspf>r</aspf>\n"
           "    <p>quarantine</p>\n    <sp>quarantine</sp>\n    %s\n  </policy_published>\n" % (domain, extra)]
    for ip, count, disposition, dkim, spf, hfrom in records:
        out.append(
            "  <record>\n    <row>\n      <source_ip>%s</source_ip>\n      <count>%d</count>\n"
            "      <policy_evaluated>\n        <disposition>%s</disposition>\n        <dkim>%s</dkim>\n"
            "        <spf>%s</spf>\n      </policy_evaluated>\n    </row>\n    <identifiers>\n"
            "      <envelope_from>%s</envelope_from>\n      <header_from>%s</header_from>\n    </identifiers>\n"
            "    <auth_results>\n      <dkim>\n        <domain>%s</domain>\n        <selector>s1</selector>\n"
            "        <result>%s</result>\n      </dkim>\n      <spf>\n        <domain>%s</domain>\n"
            "        <scope>mfrom</scope>\n        <result>%s</result>\n      </spf>\n    </auth_results>\n"
            "  </record>\n" % (ip, count, disposition, dkim, spf, hfrom, hfrom, hfrom, dkim, hfrom, spf))
    out.append("</feedback>\n")
    return "".join(out).encode()


def mail(sender, org, domain, report_id, ctype, name, payload):
    b64 = base64.encodebytes(payload).decode()
    return ("From: %s\nTo: dmarc-reports@%s\nSubject: Report domain: %s Submitter: %s Report-ID: <%s>\n"
            "Message-ID: <%s@%s>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMIME-Version: 1.0\n"
            "Content-Type: multipart/mixed; boundary=\"=_b\"\n\n--=_b\nContent-Type: text/plain; charset=us-ascii\n\n"
            "This is an aggregate report from %s.\n\n--=_b\nContent-Type: %s; name=\"%s\"\n"
            "Content-Disposition: attachment; filename=\"%s\"\nContent-Transfer-Encoding: base64\n\n%s--=_b--\n"
            % (sender, domain, domain, org, report_id, report_id, org.replace(" ", ""), org, ctype, name, name, b64)).encode()


def write_corpus(directory, count=40, seed=7):
    rng = random.Random(seed)
    os.makedirs(os.path.join(directory, "mail"), exist_ok=True)
    os.makedirs(os.path.join(directory, "bare"), exist_ok=True)
    kinds = ["google", "microsoft", "yahoo", "rfc9990"]
    names = []
    for i in range(count):
        kind = kinds[i % len(kinds)]
        domain = DOMAINS[i % len(DOMAINS)]
        begin = 1704067200 + 86400 * (i // len(kinds))
        end = begin + 86399
        n_records = 0 if i % 10 == 9 else rng.choice([1, 2, 3, 5, 8])
        records = [record(rng, domain) for _ in range(n_records)]
        if kind == "google":
            org, email, rid = "google.com", "noreply-dmarc-support@google.com", str(rng.randrange(10**18, 10**19))
            name = "google.com!%s!%d!%d.zip" % (domain, begin, end)
            xml = report_xml("rfc7489", org, email, rid, begin, end, domain, records)
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr(name[:-4] + ".xml", xml)
            payload, ctype = buf.getvalue(), "application/zip"
        elif kind == "microsoft":
            org, email, rid = "Enterprise Outlook", "dmarcreport@microsoft.com", "%032x" % rng.getrandbits(128)
            name = "enterprise.protection.outlook.com!%s!%d!%d.xml.gz" % (domain, begin, end)
            payload, ctype = gzip.compress(report_xml("rfc7489", org, email, rid, begin, end, domain, records), mtime=0), "application/gzip"
        elif kind == "yahoo":
            org, email, rid = "Yahoo", "dmarchelp@yahooinc.com", "%d.%d" % (begin, rng.randrange(10**6))
            name = "yahoo.com!%s!%d!%d.xml.gz" % (domain, begin, end)
            payload, ctype = gzip.compress(report_xml("rfc7489", org, email, rid, begin, end, domain, records), mtime=0), "application/gzip"
        else:
            org, email, rid = "mail.example.net", "dmarc@mail.example.net", "dmarcbis-%d" % i
            name = "mail.example.net!%s!%d!%d.xml.gz" % (domain, begin, end)
            payload, ctype = gzip.compress(report_xml("rfc9990", org, email, rid, begin, end, domain, records), mtime=0), "application/gzip"
        with open(os.path.join(directory, "bare", name), "wb") as f:
            f.write(payload)
        with open(os.path.join(directory, "mail", "%03d-%s.eml" % (i, kind)), "wb") as f:
            f.write(mail(email, org, domain, rid, ctype, name, payload))
        names.append((name, rid, kind, len(records)))
    with open(os.path.join(directory, "manifest.tsv"), "w") as f:
        for name, rid, kind, n in names:
            f.write("%s\t%s\t%s\t%d\n" % (name, rid, kind, n))
    return names


if __name__ == "__main__":
    write_corpus(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 40, int(sys.argv[3]) if len(sys.argv) > 3 else 7)

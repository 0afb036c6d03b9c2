# SPDX-License-Identifier: BSD-2-Clause
#
# tests/e2e/scenarios/dmarc_import.py: a receiver's aggregate report (gzip attachment, as
# Microsoft and Yahoo send them) mailed from the outside to dmarc-reports@reports.example.test
# reaches `cachetctl dmarc-import` through the pipe transport of plugins.d/45-dmarc-import.sh,
# and `cachetctl dmarc-summary` then shows its records.
import base64
import gzip
import json
import os
import subprocess

from cachet_e2e.scenario import Context, scenario

REPORT = """<?xml version="1.0" encoding="UTF-8"?>
<feedback><report_metadata><org_name>outside.test</org_name><email>dmarc@outside.test</email>
<report_id>{rid}</report_id><date_range><begin>{begin}</begin><end>{end}</end></date_range></report_metadata>
<policy_published><domain>{domain}</domain><p>none</p></policy_published>
<record><row><source_ip>192.0.2.25</source_ip><count>7</count><policy_evaluated><disposition>none</disposition>
<dkim>pass</dkim><spf>pass</spf></policy_evaluated></row><identifiers><header_from>{domain}</header_from></identifiers>
<auth_results/></record>
<record><row><source_ip>2001:db8::66</source_ip><count>3</count><policy_evaluated><disposition>none</disposition>
<dkim>fail</dkim><spf>fail</spf></policy_evaluated></row><identifiers><header_from>{domain}</header_from></identifiers>
<auth_results/></record></feedback>
"""


@scenario("dmarc_report_import", "a report mailed to the reports address is imported and summarised", order=450)
def dmarc_report_import(ctx: Context) -> None:
    stack = ctx.stack
    token = ctx.token()
    domain = token.split(".")[-1] + ".example.test"  # a domain of its own: the summary is per domain
    xml = REPORT.format(rid=token, begin=1704067200, end=1704153599, domain=domain).encode()
    name = "outside.test!%s!1704067200!1704153599.xml.gz" % domain
    data = ("From: dmarc@outside.test\r\nTo: dmarc-reports@reports.example.test\r\n"
            "Subject: Report Domain: %s Submitter: outside.test [%s]\r\nX-Cachet-Test: %s\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nreport\r\n"
            "--b\r\nContent-Type: application/gzip; name=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n--b--\r\n"
            % (domain, token, token, name, base64.encodebytes(gzip.compress(xml)).decode().replace("\n", "\r\n"))).encode()
    result = ctx.send(port=stack.smtp_port, client_ip=stack.outside_ip, helo="mx.outside.test",
                      mail_from="dmarc@outside.test", to="dmarc-reports@reports.example.test", data=data)
    line = ctx.delivered(result, "dmarc-reports@reports.example.test")
    ctx.check("relay=dmarc-import" in line, "delivered through the dmarc-import pipe transport", line)
    db = os.path.join(stack.dir, "dmarc-reports", "reports.sqlite")
    out = subprocess.run([os.path.join(os.environ["E2E_BIN_DIR"], "cachetctl"), "dmarc-summary", "--db", db,
                          "--since", "0", "--no-dns", "--json", "--domain", domain],
                         capture_output=True, text=True, timeout=60)
    ctx.check(out.returncode == 0, "cachetctl dmarc-summary found the report", out.stderr)
    summary = json.loads(out.stdout)
    tally = summary[0]["tally"] if summary else {}
    ctx.check(tally.get("messages") == 10 and tally.get("dmarc_pass") == 7,
              "dmarc-summary: 10 messages for %s, 7 passing DMARC" % domain, out.stdout[:400])
    failing = [s["source_ip"] for s in summary[0]["failing"]]
    ctx.check(failing == ["2001:db8::66"], "the failing source is 2001:db8::66", failing)
    ctx.say("dmarc-summary: " + out.stdout.replace("\n", " ")[:200])

#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# tests/integration/spf_oracle.py: runs the real policyd-spf (Debian postfix-policyd-spf-python)
# and cachet-spf on the same requests, the same configuration files and the same DNS zone,
# and compares their action lines byte for byte.
# Isolation: the script re-executes itself in a private network and mount namespace
# (`unshare --net --mount`), brings up loopback, bind-mounts a resolv.conf naming
# 127.0.0.1 over /etc/resolv.conf (pyspf reads it; cachet-spf does too), and runs unbound
# on 127.0.0.1:53 serving only the test zone. Nothing can reach the system resolver.
# Known differences (docs/migrating.md, cachet-spf) are normalised before comparing: the {url}
# (www.openspf.net vs RFC 7208) and the engine's wording after "SPF Permanent Error:";
# with Per_User set, policyd-spf writes the whole recipient address into receiver= (we
# keep the domain), so receiver= is normalised for that config. Rows marked `known`
# differ on purpose (documented) and are shown but not counted. Answers are counted: each side
# must reply exactly once per request; a missing or extra reply on either side is a failure
# (two silent daemons must not compare equal).
# Usage: spf_oracle.py BIN_DIR  (exit 0 all equal, 1 differences, 77 skipped: not root,
# or unshare/unbound/policyd-spf missing).
import os, re, shutil, subprocess, sys, tempfile, time, socket

ZONE = """
local-zone: "example." static
local-data: "mx.none.example. A 192.0.2.99"
local-data: "none.example. A 192.0.2.99"
local-data: 'pass.example. TXT "v=spf1 ip4:192.0.2.1 ip6:2001:db8::1 -all"'
local-data: 'fail.example. TXT "v=spf1 -all"'
local-data: 'softfail.example. TXT "v=spf1 ~all"'
local-data: 'neutral.example. TXT "v=spf1 ?all"'
local-data: 'perm.example. TXT "v=spf1 foo:bar -all"'
local-data: 'inc.example. TXT "v=spf1 include:a.inc.example -all"'
local-data: 'a.inc.example. TXT "v=spf1 include:b.inc.example -all"'
local-data: 'b.inc.example. TXT "v=spf1 ip4:192.0.2.0/24 -all"'
local-data: 'exp.example. TXT "v=spf1 -all exp=why.exp.example"'
local-data: 'why.exp.example. TXT "Go away %{i}"'
"""

CONFIGS = {
    "debian-default": "debugLevel = 1\nTestOnly = 1\nHELO_reject = Fail\nMail_From_reject = Fail\n"
                      "PermError_reject = False\nTempError_Defer = False\n"
                      "skip_addresses = 127.0.0.0/8,::ffff:127.0.0.0/104,::1\n",
    "ar-strict": "Mail_From_reject = Softfail\nPermError_reject = True\nTempError_Defer = True\n"
                 "Header_Type = AR\nAuthserv_Id = mx.dest.example\n",
    "no-esc": "Mail_From_reject = Softfail\nPermError_reject = True\nSPF_Enhanced_Status_Codes = No\n",
    "test-mode": "TestOnly = 0\n",
    "hide-receiver": "Hide_Receiver = Yes\nHELO_reject = SPF_Not_Pass\n",
}

# policyd-spf.peruser(5): the file written next to the per-user config ({work} replaced).
PER_USER_FILE = """# per-user overrides for the oracle
strict@dest.example,Mail_From_reject=Softfail|PermError_reject=True
lax@dest.example,Mail_From_reject=False|HELO_reject=False
noesc@dest.example,Mail_From_reject=Softfail|SPF_Enhanced_Status_Codes=No|Reason_Message=Go away: {spf}
"""
PER_USER_CONFIG = "HELO_reject = Fail\nPer_User = text,{work}/userconf\n"

# (name, helo, sender, client, instance or None)
REQUESTS = [
    ("pass", "mx.none.example", "u@pass.example", "192.0.2.1", None),
    ("fail", "mx.none.example", "u@fail.example", "192.0.2.1", None),
    ("softfail", "mx.none.example", "u@softfail.example", "192.0.2.1", None),
    ("neutral", "mx.none.example", "u@neutral.example", "192.0.2.1", None),
    ("none", "mx.none.example", "u@none.example", "192.0.2.1", None),
    ("permerror", "mx.none.example", "u@perm.example", "192.0.2.1", None),
    ("include chain", "mx.none.example", "u@inc.example", "192.0.2.1", None),
    ("exp= explanation", "mx.none.example", "u@exp.example", "192.0.2.1", None),
    ("helo fail", "fail.example", "u@pass.example", "192.0.2.1", None),
    ("null sender helo pass", "pass.example", "", "192.0.2.1", None),
    ("mailfrom none helo pass", "pass.example", "u@none.example", "192.0.2.1", None),
    ("1st rcpt", "mx.none.example", "u@pass.example", "192.0.2.1", "same.1"),
    ("2nd rcpt same instance", "mx.none.example", "u@pass.example", "192.0.2.1", "same.1"),
    ("skip_addresses", "mx.none.example", "u@pass.example", "127.0.0.1", None),
    ("ipv6 pass", "mx.none.example", "u@pass.example", "2001:db8::1", None),
    ("ipv6 fail", "mx.none.example", "u@fail.example", "2001:db8::1", None),
    ("upper case", "MX.None.Example", "U@Pass.Example", "192.0.2.1", None),
]

# (name, helo, sender, client, instance or None, recipient, known difference or None)
PER_USER_REQUESTS = [
    ("strict softfail", "mx.none.example", "u@softfail.example", "192.0.2.1", None, "strict@dest.example", None),
    ("strict permerror", "mx.none.example", "u@perm.example", "192.0.2.1", None, "strict@dest.example", None),
    ("strict pass", "mx.none.example", "u@pass.example", "192.0.2.1", None, "strict@dest.example", None),
    ("lax fail", "mx.none.example", "u@fail.example", "192.0.2.1", None, "lax@dest.example", None),
    ("lax helo fail", "fail.example", "u@pass.example", "192.0.2.1", None, "lax@dest.example", None),
    ("noesc softfail", "mx.none.example", "u@softfail.example", "192.0.2.1", None, "noesc@dest.example", None),
    ("plain fail", "mx.none.example", "u@fail.example", "192.0.2.1", None, "rcpt@dest.example", None),
    ("plain softfail", "mx.none.example", "u@softfail.example", "192.0.2.1", None, "rcpt@dest.example", None),
    ("upper-case recipient", "mx.none.example", "u@softfail.example", "192.0.2.1", None, "Strict@Dest.Example", None),
    ("m1 plain first", "mx.none.example", "u@softfail.example", "192.0.2.1", "m1", "a@dest.example", None),
    ("m1 strict second", "mx.none.example", "u@softfail.example", "192.0.2.1", "m1", "strict@dest.example", None),
    ("m1 lax third", "mx.none.example", "u@softfail.example", "192.0.2.1", "m1", "lax@dest.example", None),
    ("m1 plain fourth", "mx.none.example", "u@softfail.example", "192.0.2.1", "m1", "b@dest.example", None),
    ("m2 lax first", "mx.none.example", "u@fail.example", "192.0.2.1", "m2", "lax@dest.example", None),
    ("m2 plain second", "mx.none.example", "u@fail.example", "192.0.2.1", "m2", "a@dest.example", None),
    ("m3 lax first", "mx.none.example", "u@softfail.example", "192.0.2.1", "m3", "lax@dest.example", None),
    ("m3 plain second", "mx.none.example", "u@softfail.example", "192.0.2.1", "m3", "a@dest.example",
     "policyd-spf prepends a second header; we answer dunno (one header per message)"),
]


def request_bytes(requests):
    out = []
    for i, row in enumerate(requests):
        _, helo, sender, ip, inst = row[:5]
        rcpt = row[5] if len(row) > 5 else "rcpt@dest.example"
        out.append("request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n"
                   f"helo_name={helo}\nqueue_id=Q{i}\nsender={sender}\n"
                   f"recipient={rcpt}\nclient_address={ip}\nclient_name=unknown\n"
                   f"instance={inst or 'inst.%d' % i}\n\n")
    return "".join(out).encode()


def normalise(line, per_user=False):
    if per_user:
        line = re.sub(r"receiver=[^ ;)]*", "receiver=<R>", line)
    line = re.sub(r"http://www\.openspf\.net/Why\?\S*", "<URL>", line)
    line = re.sub(r"https://www\.rfc-editor\.org/rfc/rfc7208#section-[0-9.]+", "<URL>", line)
    line = re.sub(r"(SPF (Permanent|Temporary) Error:).*?(?=\. Please see|$)", r"\1 <cause>", line)
    return line


def actions(cmd, data):
    p = subprocess.run(cmd, input=data, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=120)
    return [l for l in p.stdout.decode("utf-8", "replace").split("\n") if l.startswith("action=")]


def inside(bin_dir):
    work = tempfile.mkdtemp(prefix="spf-oracle-")
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    resolv = os.path.join(work, "resolv.conf")
    with open(resolv, "w") as f:
        f.write("nameserver 127.0.0.1\n")
    subprocess.run(["mount", "--bind", resolv, "/etc/resolv.conf"], check=True)
    conf = os.path.join(work, "unbound.conf")
    with open(conf, "w") as f:
        f.write("server:\n interface: 127.0.0.1\n port: 53\n do-daemonize: no\n username: \"\"\n"
                f" chroot: \"\"\n directory: \"{work}\"\n pidfile: \"{work}/unbound.pid\"\n"
                " use-syslog: no\n do-ip6: no\n access-control: 127.0.0.0/8 allow\n"
                " module-config: \"iterator\"\n" + ZONE)
    unbound = subprocess.Popen(["unbound", "-d", "-c", conf], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):  # wait until unbound answers on 127.0.0.1:53/udp
            out = subprocess.run(["ss", "-lun"], stdout=subprocess.PIPE).stdout.decode()
            if "127.0.0.1:53 " in out:
                break
            time.sleep(0.05)
        failures = 0
        runs = [(name, text, REQUESTS, False) for name, text in CONFIGS.items()]
        with open(os.path.join(work, "userconf"), "w") as f:
            f.write(PER_USER_FILE)
        runs.append(("per-user", PER_USER_CONFIG.format(work=work), PER_USER_REQUESTS, True))
        for name, text, requests, per_user in runs:
            data = request_bytes(requests)
            path = os.path.join(work, name + ".conf")
            with open(path, "w") as f:
                f.write(text)
            peer = actions(["/usr/bin/policyd-spf", path], data)
            ours = actions([os.path.join(bin_dir, "cachet-spf"), path], data)
            print(f"== config {name}")
            for side, got in (("policyd-spf", peer), ("cachet-spf", ours)):
                if len(got) != len(requests):
                    failures += 1
                    print(f"  COUNT     {side}: {len(got)} replies to {len(requests)} requests")
            for i, row in enumerate(requests):
                req = row[0]
                known = row[6] if len(row) > 6 else None
                p = peer[i] if i < len(peer) else None
                o = ours[i] if i < len(ours) else None
                if p is None or o is None:
                    failures += 1
                    print(f"  NO REPLY  {req}\n    peer: {p!r}\n    ours: {o!r}")
                elif p == o:
                    print(f"  same      {req}: {o!r}")
                elif normalise(p, per_user) == normalise(o, per_user):
                    print(f"  same*     {req}: (documented url/cause/receiver wording)\n    peer: {p!r}\n    ours: {o!r}")
                elif known:
                    print(f"  known     {req}: {known}\n    peer: {p!r}\n    ours: {o!r}")
                else:
                    failures += 1
                    print(f"  DIFFERENT {req}\n    peer: {p!r}\n    ours: {o!r}")
        print(f"{failures} difference(s)")
        return 1 if failures else 0
    finally:
        unbound.terminate()
        unbound.wait()
        shutil.rmtree(work, ignore_errors=True)


def main():
    if len(sys.argv) >= 3 and sys.argv[2] == "--inside":
        return inside(sys.argv[1])
    missing = [t for t in ("unshare", "unbound", "ip", "ss") if not shutil.which(t)]
    if os.geteuid() != 0 or missing or not os.path.exists("/usr/bin/policyd-spf"):
        print("SKIP: needs root, unshare, unbound, ip, ss and /usr/bin/policyd-spf", missing)
        return 77
    return subprocess.run(["unshare", "--net", "--mount", sys.executable, os.path.abspath(__file__),
                           sys.argv[1], "--inside"]).returncode


if __name__ == "__main__":
    sys.exit(main())

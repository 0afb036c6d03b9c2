#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
#
# tests/integration/dkim_interop/dkimpy_oracle.py: python3-dkim (dkimpy) as an independent
# signer and verifier for cachetctl_dkim_test.cpp. Keys never come from DNS: the verifier's
# dnsfunc reads the zone stubs named on the command line, and every socket is refused, so
# nothing here can reach the system resolver.
#   sign ALGORITHM SELECTOR DOMAIN KEYFILE < message > signed message
#   verify NAME=ZONEFILE... < message     prints "pass" or "fail", exit 0 / 1
# KEYFILE: a PEM key; an Ed25519 PKCS#8 PEM is turned into the base64 seed dkimpy wants.
import base64
import re
import socket
import sys


class _NoNetwork(socket.socket):
    def connect(self, *args, **kwargs):
        raise OSError("network use refused in the DKIM interop test")

    def sendto(self, *args, **kwargs):
        raise OSError("network use refused in the DKIM interop test")


socket.socket = _NoNetwork
socket.getaddrinfo = lambda *a, **k: (_ for _ in ()).throw(OSError("no DNS in tests"))

import dkim  # noqa: E402  (after the socket guard)


def zone_record(path):
    text = open(path, encoding="ascii").read()
    strings = re.findall(r'"((?:[^"\\]|\\.)*)"', text)
    return "".join(strings).replace('\\"', '"').encode("ascii")


def private_key(path):
    pem = open(path, "rb").read()
    body = b"".join(l for l in pem.splitlines() if l and not l.startswith(b"-----"))
    der = base64.b64decode(body)
    if len(der) == 48 and b"\x2b\x65\x70" in der[:16]:  # PKCS#8 Ed25519 (OID 1.3.101.112)
        return base64.b64encode(der[-32:])
    return pem


def main(argv):
    msg = sys.stdin.buffer.read()
    if argv[1] == "sign":
        alg, selector, domain, keyfile = argv[2:6]
        sig = dkim.sign(msg, selector.encode(), domain.encode(), private_key(keyfile),
                        signature_algorithm=alg.encode(),
                        canonicalize=(b"relaxed", b"simple"))
        sys.stdout.buffer.write(sig + msg)
        return 0
    if argv[1] == "verify":
        keys = {}
        for spec in argv[2:]:
            name, path = spec.split("=", 1)
            keys[name.lower().rstrip(".")] = zone_record(path)

        def dnsfunc(name, timeout=5):
            return keys.get(name.decode().lower().rstrip("."))

        ok = dkim.verify(msg, dnsfunc=dnsfunc)
        print("pass" if ok else "fail")
        return 0 if ok else 1
    print("usage: dkimpy_oracle.py sign|verify ...", file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
#
# tests/data/bench/make_messages.py: writes the benchmark's test messages, deterministic
# (a fixed word list and a fixed linear congruential generator, no randomness, no date):
#   msg-2k.eml    about 2 KB in all (headers + body), like a short personal mail
#   msg-100k.eml  about 100 KB, like a mail with a small attachment (base64 part)
# From: alice@bench.example, the domain the benchmark zone and signer keys use.
# Usage: make_messages.py [OUTDIR]  (default: this script's directory). CRLF line ends.
import base64
import os
import sys

WORDS = ("mail message sender domain policy record signature header body key relay "
         "postfix report alignment lookup selector queue delivery server client "
         "the a of to and in for with on at by from").split()


def words(n_bytes, seed):
    x, out, line = seed, [], ""
    while sum(len(l) + 2 for l in out) + len(line) < n_bytes:
        x = (1103515245 * x + 12345) % 2**31
        w = WORDS[x % len(WORDS)]
        if len(line) + len(w) + 1 > 72:
            out.append(line)
            line = ""
        line = (line + " " + w) if line else w
    out.append(line)
    return out


def headers(subject, extra=()):
    return [
        "From: Alice Example <alice@bench.example>",
        "To: Bob Example <bob@rcpt.example>",
        "Subject: " + subject,
        "Date: Thu, 01 Jan 2026 12:00:00 +0000",
        "Message-ID: <" + subject.replace(" ", "-") + "@bench.example>",
        "MIME-Version: 1.0",
        *extra,
    ]


def small():
    hs = headers("bench message 2k", ["Content-Type: text/plain; charset=us-ascii"])
    body = words(2048 - sum(len(h) + 2 for h in hs) - 2, 7)
    return hs + [""] + body


def large():
    b = "bench-boundary-1"
    hs = headers("bench message 100k", ['Content-Type: multipart/mixed; boundary="%s"' % b])
    text = words(1500, 11)
    raw = "\n".join(words(72000, 13)).encode()
    att = base64.encodebytes(raw).decode().split()
    return hs + ["", "--" + b, "Content-Type: text/plain; charset=us-ascii", ""] + text + [
        "--" + b, "Content-Type: application/octet-stream; name=data.txt",
        "Content-Transfer-Encoding: base64", ""] + att + ["--" + b + "--"]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for name, lines in (("msg-2k.eml", small()), ("msg-100k.eml", large())):
        with open(os.path.join(out, name), "wb") as f:
            f.write("".join(l + "\r\n" for l in lines).encode())


if __name__ == "__main__":
    main()

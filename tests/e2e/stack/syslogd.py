#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
#
# tests/e2e/stack/syslogd.py: the stack's stand-in for syslogd. Binds a unix datagram socket
# (bin/in-stack shows it as /dev/log to processes started with E2E_DEVLOG=1) and appends every
# message, without its <priority> prefix, as one line to a file. Runs until killed.
# Usage: syslogd.py SOCKET LOGFILE
import os
import re
import socket
import sys

PRIORITY = re.compile(rb"^<\d{1,3}>")


def main() -> None:
    sock_path, log_path = sys.argv[1], sys.argv[2]
    if os.path.exists(sock_path):
        os.unlink(sock_path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    # daemons drop root (postfix, nobody, their own users) and must still be able to log
    os.chmod(sock_path, 0o666)
    with open(log_path, "ab", buffering=0) as log:
        while True:
            record = PRIORITY.sub(b"", sock.recv(65536))
            log.write(record.rstrip(b"\0\n") + b"\n")


if __name__ == "__main__":
    main()

// SPDX-License-Identifier: BSD-2-Clause
//
// common/daemon/sd_notify.hpp: the systemd readiness protocol (sd_notify(3)), written out
// so the daemons need not link libsystemd (which pulls libgcrypt, liblzma, libzstd, liblz4
// and libcap into every process and costs a spawned cachet-spf about a millisecond of
// dynamic loading before its first answer).
//
// Protocol (systemd's sd_notify(3), "NOTIFY_SOCKET"): one AF_UNIX SOCK_DGRAM datagram of
// newline-separated VAR=value assignments, sent to the path in $NOTIFY_SOCKET; a leading
// '@' names a Linux abstract socket (the '@' becomes a NUL byte). No reply is read.
// LIMITATION: the "vsock:" address form (systemd >= 254, for VMs) is not supported; such a
// NOTIFY_SOCKET is reported as an error and readiness is not sent.
// Thread-safety: any thread (no shared state; reads the environment only in notify()).
// See also: process.hpp notify(), tests/unit/common/daemon/sd_notify_test.cpp
#pragma once

#include <string_view>

#include "common/base/result.hpp"

namespace cachet::daemon {

// Sends `state` as one datagram to `socket_address` (a NOTIFY_SOCKET value). Errors:
// Errc::config for an address that is neither an absolute path nor '@'-abstract or is too
// long for sockaddr_un; Errc::temporary when socket() or sendto() fails (errno text).
[[nodiscard]] Result<void> send_notify(std::string_view socket_address, std::string_view state);

}  // namespace cachet::daemon

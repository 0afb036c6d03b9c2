// SPDX-License-Identifier: BSD-2-Clause
//
// common/daemon/socket_spec.hpp: the peers' socket syntax (opendkim.conf(5) Socket,
// libmilter smfi_setconn): `local:/path`, `unix:/path`, a bare `/path`, `inet:port`,
// `inet:port@host`, `inet6:port`, `inet6:port@host` (host may be bracketed). Scheme names are
// case-insensitive; ports are numeric (1-65535).
//
// parse_socket_spec and to_milter_conn are pure. listen_socket, remove_stale_socket and
// socket_identity do I/O at startup (single-threaded; listen_socket changes the process umask
// for the duration of bind). Errors: Errc::config for operator mistakes (bad spec, a live
// daemon on the path, a non-socket in the way), Errc::temporary for OS failures.
// See also: tests/unit/common/daemon/socket_spec_test.cpp
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/fd.hpp"
#include "common/base/result.hpp"

namespace cachet::daemon {

inline constexpr std::size_t kMaxSocketSpecBytes = 1024;
inline constexpr std::size_t kMaxUnixPathBytes = 107;  // sizeof(sockaddr_un::sun_path) - 1
inline constexpr int kListenBacklog = 128;

struct SocketSpec {
  enum class Family { unix_path, inet, inet6 };
  Family family = Family::unix_path;
  std::string path;        // unix_path only
  std::string host;        // inet/inet6; empty = any address
  std::uint16_t port = 0;  // inet/inet6

  bool is_unix() const noexcept { return family == Family::unix_path; }
  friend bool operator==(const SocketSpec&, const SocketSpec&) = default;
};

// Errors (Errc::config): empty, too long, unknown scheme, empty or over-long path, missing,
// non-numeric, zero or out-of-range port, empty host after '@', NUL bytes.
[[nodiscard]] Result<SocketSpec> parse_socket_spec(std::string_view text);

// The libmilter smfi_setconn(3) string: `local:/path`, `inet:port[@host]`, `inet6:port[@host]`.
std::string to_milter_conn(const SocketSpec& spec);

// Makes way for binding a UNIX socket at path: nothing there → ok; a socket nobody answers
// on → unlinked; a socket someone answers on → Errc::config "another daemon is listening
// on PATH"; anything else (file, directory, symlink) is never removed → Errc::config.
[[nodiscard]] Result<void> remove_stale_socket(const std::string& path);

// Binds and listens (close-on-exec, SO_REUSEADDR for inet). For a UNIX socket it first
// calls remove_stale_socket and binds with the given umask in force (e.g. 002 → mode 0775),
// restoring the previous umask afterwards. Hosts are numeric addresses or "localhost".
[[nodiscard]] Result<Fd> listen_socket(const SocketSpec& spec, mode_t umask_bits);
// The process umask, read without changing it (startup, single-threaded).
mode_t process_umask() noexcept;

// Device, inode and change time of a socket (lstat), so the owner can remove exactly the
// socket it created at exit and not one a successor created in its place (inode numbers
// are reused at once, hence the ctime). Take it after any chown/chmod of the socket.
struct FileIdentity {
  dev_t dev = 0;
  ino_t ino = 0;
  long ctime_sec = 0;
  long ctime_nsec = 0;
  friend bool operator==(const FileIdentity&, const FileIdentity&) = default;
};
std::optional<FileIdentity> socket_identity(const std::string& path);
// Unlinks path only if it is still the socket identified by id. Returns true if removed.
bool remove_own_socket(const std::string& path, const FileIdentity& id);

}  // namespace cachet::daemon

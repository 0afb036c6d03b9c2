// SPDX-License-Identifier: BSD-2-Clause
//
// milters/dkim/key_file.hpp: reading private key files the way opendkim's RequireSafeKeys
// wants them. The file is opened first and checked with fstat on that descriptor (no race
// between check and read): a regular file, not readable or writable by "other", not
// group-writable, owned by root or the user the daemon runs as. Then every ancestor
// directory is checked (as opendkim does, realstack.md gotcha 2): none may be writable by
// other users (group or world), and each is owned by root or the daemon's user. Refusals
// are Errc::config and name the exact path plus the chmod/chown that fixes it. Key bytes
// are read into SecretBytes and never logged.
// I/O at startup and reload (signal thread); no shared state.
// See also: settings.cpp, tests/integration/dkim_milter_test.cpp (refused at start).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "common/base/result.hpp"
#include "common/crypto/crypto.hpp"

namespace cachet::dkimd {

struct KeyFileCheck {
  bool require_safe = true;          // RequireSafeKeys
  std::optional<uid_t> run_as_uid;   // the UserID user (else the current effective uid)
};

// Errors: config (cannot open/read, unsafe mode or owner, parent directory unsafe, not a
// key), each message naming the path and the fix.
[[nodiscard]] Result<crypto::PrivateKey> load_key_file(const std::string& path,
                                                       const KeyFileCheck& check);

}  // namespace cachet::dkimd

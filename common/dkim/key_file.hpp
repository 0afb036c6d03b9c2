// SPDX-License-Identifier: BSD-2-Clause
//
// common/dkim/key_file.hpp: private key files on disk: reading one (through the opened
// descriptor, so the mode judged is the mode of the bytes read) and judging whether it is
// safe (opendkim's RequireSafeKeys, opendkim-testkey's "unsafe permissions" warning).
// The rule (each problem names the path and the command that fixes it):
//   * the key file is a regular file with no group or other permission bits
//     ("chmod 0600 PATH"): anyone else who can read it can sign as the domain;
//   * the key file is owned by the user reading it or by root ("chown USER PATH"); when
//     root reads it (an admin's check), any owner is accepted;
//   * every directory above it is not writable by group or others unless the sticky bit
//     is set ("chmod go-w DIR"), and is owned by root, the reader or the key's owner
//     ("chown root DIR"): whoever can write there can swap the key.
// judge_key_path() is pure (stat data in, problems out); inspect_key_path() and
// read_key_file() do the I/O. Any thread. Nothing here logs or prints key material.
// See also: crypto.hpp (PrivateKey::load), tools/cachetctl/cmd_testkey.cpp,
// tests/unit/common/dkim/key_file_test.cpp
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/base/result.hpp"
#include "common/crypto/crypto.hpp"

namespace cachet::dkim {

struct PathStat {
  std::string path;
  mode_t mode = 0;  // st_mode (type and permission bits)
  uid_t uid = 0;
  gid_t gid = 0;
};

struct KeyFileProblem {
  std::string path;
  std::string what;  // "readable by group and others (mode 0644)"
  std::string fix;   // "chmod 0600 /etc/opendkim/keys/sel.private"
};

// `file`: the key file; `dirs`: its parent directories, nearest first, up to "/";
// `reader`: the effective uid of the process that uses the key, `reader_name` its user
// name (for the chown line; the number when it has none).
std::vector<KeyFileProblem> judge_key_path(const PathStat& file, const std::vector<PathStat>& dirs,
                                           uid_t reader, const std::string& reader_name);

// stat data of the file (through `fd` when >= 0, else stat(2)) and of every parent
// directory of its absolute path. Errors (config): a path that cannot be examined.
[[nodiscard]] Result<std::vector<KeyFileProblem>> inspect_key_path(const std::string& path,
                                                                   int fd = -1);

struct KeyFile {
  crypto::SecretBytes text;  // the file's bytes
  std::vector<KeyFileProblem> problems;  // judge_key_path() of what was opened
};

// Opens, fstat()s, judges and reads `path` (at most crypto::kMaxKeyTextBytes).
// Errors (config): cannot open/read, not a regular file, too large.
[[nodiscard]] Result<KeyFile> read_key_file(const std::string& path);

// "chmod 0600 PATH" etc. as one line per problem: "PATH: WHAT; fix: FIX".
std::string describe(const KeyFileProblem& p);

}  // namespace cachet::dkim

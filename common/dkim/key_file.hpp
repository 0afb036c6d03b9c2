// SPDX-License-Identifier: BSD-2-Clause
//
// common/dkim/key_file.hpp: private key files on disk: reading one (through the opened
// descriptor, so the mode judged is the mode of the bytes read) and the one rule that says
// whether it is safe. Used by cachet-dkim (RequireSafeKeys refuses the key), cachetctl
// testkey and sign (warnings). The rule follows opendkim's dkimf_securefile(): the key may
// be read only by the user that uses it ("the key user": the daemon's UserID user, else the
// effective uid) and root. Each problem names the path and the command that fixes it:
//   * the key file is a regular file owned by root or the key user ("chown USER PATH");
//   * no permission bits for others, no group write or execute ("chmod 0600 PATH", or
//     "chmod 0640 PATH" when group read is allowed);
//   * group read only when the file's group is private to the key user: no other user
//     has it as primary group or is listed as a member (root does not count). This is
//     what the packages ship: 0640 root:cachet-dkim. A wide group ("users", "adm") is
//     refused: its members could sign as the domain. Judged for root (a check run by root
//     without UserID) with one other user in the group, the fix first says to judge the
//     key for that user (the packaged layout), then chmod 0600;
//   * every directory above it is owned by root or the key user ("chown root DIR") and is
//     not writable by group or others unless the sticky bit is set ("chmod go-w DIR"):
//     whoever can write there can swap the key. (opendkim accepts a group-writable
//     directory of a private group and refuses sticky ones; we are stricter on the first
//     and accept /tmp-style sticky directories, whose entries only their owner can
//     replace.)
// judge_key_path() is pure (stat data in, problems out); the other functions do the I/O
// (stat, passwd/group lookups, reading). Any thread, except that the passwd walk uses
// getpwent(): call them from one thread at a time (startup, reload, the CLI).
// Nothing here logs or prints key material.
// See also: crypto.hpp (PrivateKey::load), tools/cachetctl/cmd_testkey.cpp,
// milters/dkim/settings.cpp, tests/unit/common/dkim/key_file_test.cpp
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
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

// The user that uses the key.
struct KeyUser {
  uid_t uid = 0;
  std::string name;  // user name, or the number when it has none
};

// The key file's group, as far as the rule needs it.
struct GroupStat {
  std::string name;                 // group name, or the number
  std::vector<std::string> others;  // users other than the key user and root in it
};

struct KeyFileProblem {
  std::string path;
  std::string what;  // "readable by others (mode 0644)"
  std::string fix;   // "chmod 0600 /etc/opendkim/keys/sel.private"
};

// `file`: the key file and its group; `dirs`: its parent directories, nearest first, up to
// "/".
std::vector<KeyFileProblem> judge_key_path(const PathStat& file, const GroupStat& group,
                                           const std::vector<PathStat>& dirs, const KeyUser& user);

// The user the packages run cachet-dkim as (the unit's User=, DESIGN.md s3).
inline constexpr std::string_view kPackagedDaemonUser = "cachet-dkim";

// Whom a tool run by hand (cachetctl testkey, keygen's advice) judges key files for, so
// that it accepts exactly what the daemon will: `user_id` (--user, else the config's
// UserID) when given; else, when run as root, kPackagedDaemonUser if that user exists (the
// packaged unit never starts the daemon as root: a root testkey must not call the packaged
// 0640 root:cachet-dkim layout unsafe); else the effective user.
// Errors (config): `user_id` names no user.
[[nodiscard]] Result<KeyUser> tool_key_user(std::string_view user_id);

// The key user for `uid`, or the effective uid when nullopt (name from the passwd file).
KeyUser key_user(std::optional<uid_t> uid = std::nullopt);
// The key user named by a UserID value ("user" or "user:group", or a number).
// Errors (config): no such user.
[[nodiscard]] Result<KeyUser> key_user_named(std::string_view user_id);

// stat data of the file (through `fd` when >= 0, else stat(2)), its group's members and
// every parent directory of its absolute path, judged. Errors (config): a path that
// cannot be examined.
[[nodiscard]] Result<std::vector<KeyFileProblem>> inspect_key_path(const std::string& path, const KeyUser& user,
                                                                   int fd = -1);

struct KeyFile {
  crypto::SecretBytes text;              // the file's bytes
  std::vector<KeyFileProblem> problems;  // judge_key_path() of what was opened
};

// Opens, fstat()s, judges and reads `path` (at most crypto::kMaxKeyTextBytes).
// Errors (config): cannot open ("cannot open PATH: REASON; fix: open_fix()"), cannot read,
// not a regular file, too large.
[[nodiscard]] Result<KeyFile> read_key_file(const std::string& path, const KeyUser& user);

// read_key_file + PrivateKey::load, the daemon's way: with `require_safe`
// (RequireSafeKeys) the first problem is an error. Errors (config): those of
// read_key_file, "PATH: WHAT; fix: FIX", no usable private key in the file.
[[nodiscard]] Result<crypto::PrivateKey> load_private_key(const std::string& path, const KeyUser& user,
                                                          bool require_safe);

// The fix for a key file open(2) failed on with `err` (missing: keygen; no permission: the
// packaged ownership for `user`). Pure.
std::string open_fix(const std::string& path, int err, const KeyUser& user);

// One line per problem: "PATH: WHAT; fix: FIX".
std::string describe(const KeyFileProblem& p);

}  // namespace cachet::dkim

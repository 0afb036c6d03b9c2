// SPDX-License-Identifier: BSD-2-Clause
//
// policyd/spf/per_user.hpp: policyd-spf's per-recipient overrides (policyd-spf.peruser(5),
// option `Per_User = text,/path`).
//
// File format, as policyd-spf 3.0.4 reads it: one line per recipient,
//   postmaster@example.com,Mail_From_reject=No_Check|PermError_reject=False
// '#' starts a comment anywhere; blank lines are skipped; the recipient ends at the first
// ','; the settings are `Name=value` pairs separated by '|' (values may hold ',' but not
// '=' or '|'). The FIRST line naming a recipient wins (policyd-spf stops there).
//
// parse_per_user is pure (no I/O, no logging) and collects every problem as
// `file:line: problem`. Errors (the whole file is refused; cachet-spf exits 78, a reload
// keeps the old config): a line without ',', an empty recipient, a pair without exactly
// one '=', an unknown name, an option that is not per-user (Socket, Per_User, ...), a bad
// value, a NUL or control byte, a limit exceeded. Warnings: the options the man page says
// cannot be set per user (Lookup_Time, Header_Type, Hide_Receiver, Authserv_Id,
// Prospective, debugLevel, Mock: ignored), defaultSeedOnly (no effect), TestOnly=0 (test
// mode), a repeated recipient (the first wins), a repeated name on one line (the last wins).
//
// Deliberate differences from policyd-spf (docs/migrating.md, cachet-spf): policyd-spf crashes on
// a malformed line and ignores a missing file or an unknown name; we refuse the file (a
// per-user rule that silently vanishes could weaken a user's policy). Recipients match
// case-insensitively (policyd-spf lower-cases the request but not the file, so an
// upper-case entry never matched there). policyd-spf applies its "not per user" options
// anyway; we follow its man page. Regular-expression users (mentioned by the man page) are
// not implemented by policyd-spf 3.0.4 either: recipients match exactly.
//
// PerUserTable: the Settings of each listed recipient (the global Settings with that line's
// overrides), built once per config snapshot; immutable, any thread.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/base/result.hpp"
#include "common/config/config.hpp"
#include "policyd/spf/settings.hpp"

namespace cachet::spfd {

// LIMITATION: each listed recipient holds a full Settings copy (under 1 KiB), so the
// entry limit keeps a table under about 10 MB; policyd-spf's text type is meant for "a
// small number of users" (its man page).
inline constexpr std::size_t kMaxPerUserBytes = 4u << 20;
inline constexpr std::size_t kMaxPerUserLineBytes = 8192;
inline constexpr std::size_t kMaxPerUserEntries = 10000;
inline constexpr std::size_t kMaxPerUserPairs = 32;

struct PerUserEntry {
  std::size_t line = 0;
  std::string recipient;                                    // lower-cased
  std::vector<std::pair<std::string, std::string>> values;  // canonical name, value
};

struct PerUserOutcome {
  std::vector<PerUserEntry> entries;  // only recipients' first lines, in file order
  std::vector<config::Problem> problems;
  bool ok() const noexcept;  // no problem is an error
};

PerUserOutcome parse_per_user(std::string_view text, std::string_view file_name);

class PerUserTable {
 public:
  // The global Settings with each entry's overrides. Errors (Errc::config): a value
  // apply_option refuses (parse_per_user has checked them, so this is a bug guard).
  [[nodiscard]] static Result<std::shared_ptr<const PerUserTable>> build(const Settings& global,
                                                                         const std::vector<PerUserEntry>& entries);
  // The Settings for a (lower-cased) recipient; nullptr when it has no line.
  const Settings* find(std::string_view recipient) const;
  std::size_t size() const noexcept { return by_recipient_.size(); }

 private:
  std::unordered_map<std::string, std::shared_ptr<const Settings>> by_recipient_;
};

// I/O: reads the Per_User file of `cfg` (at most kMaxPerUserBytes) and builds its table
// over `global`; nullptr when Per_User is unset. Errors (Errc::config): per_user_path's,
// an unreadable file, the first error problem of parse_per_user (as file:line: text).
[[nodiscard]] Result<std::shared_ptr<const PerUserTable>> load_per_user(const config::Config& cfg,
                                                                        const Settings& global);

// I/O: check mode: every problem of the Per_User file (errors and warnings).
std::vector<config::Problem> check_per_user(const config::Config& cfg);

}  // namespace cachet::spfd

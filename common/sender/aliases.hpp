// SPDX-License-Identifier: BSD-2-Clause
//
// common/sender/aliases.hpp: the aliases(5) source format, read so that the owners of an
// alias may send as it (cachet-sender AllowAliasOwners): `name: value, value, ...` per
// logical line (continuation lines start with whitespace; '#' comment lines and blank
// lines are skipped, as postalias(1) reads them). Names are folded to lower case; a
// duplicate name keeps the first entry (postalias warns likewise). Values are kept as
// written, split on commas and whitespace; `|command`, `/file`, `:include:` and quoted
// values are not logins and are dropped.
// LIMITATION: quoted alias names ("a b": x) are skipped with a warning.
// Pure: no I/O, no logging; an Aliases object is immutable and thread-safe.
// Errors (Errc::config, "file:line: ..."): those of read_logical_lines (NUL, long lines),
// more than kMaxAliases entries. A line without ':' is skipped with a warning.
// See also: tests/unit/common/sender/aliases_test.cpp
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/base/result.hpp"

namespace cachet::sender {

inline constexpr std::size_t kMaxAliases = 1'000'000;

struct AliasEntry {
  std::vector<std::string> members;  // "alice", "bob@example.org"
  std::size_t line = 0;
};

class Aliases {
 public:
  // The entry for a local name (case-insensitive), or nullptr.
  const AliasEntry* find(std::string_view name) const;
  std::size_t size() const noexcept { return entries_.size(); }
  const std::string& file_name() const noexcept { return file_name_; }
  const std::vector<std::string>& warnings() const noexcept { return warnings_; }

 private:
  friend Result<Aliases> parse_aliases(std::string_view text, std::string_view file_name);
  std::unordered_map<std::string, AliasEntry> entries_;
  std::vector<std::string> warnings_;
  std::string file_name_;
};

[[nodiscard]] Result<Aliases> parse_aliases(std::string_view text, std::string_view file_name);

}  // namespace cachet::sender

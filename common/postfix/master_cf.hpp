// SPDX-License-Identifier: BSD-2-Clause
//
// common/postfix/master_cf.hpp: a small reader for Postfix master.cf (master(5)), enough
// for `cachetctl doctor` to see how a service is run: one entry per logical line (a line
// starting with whitespace continues the previous one; '#' lines and blank lines are
// skipped: the table rules of common/tables/lines.hpp), eight fields: service, type,
// private, unpriv, chroot, wakeup, maxproc, then the command and its arguments. Fields
// keep their text ('-' = Postfix's default). `{ a b }` grouped arguments are not split.
// Pure: no I/O; any thread. Errors (Errc::config, "file:line: ..."): those of
// read_logical_lines, an entry with fewer than eight fields.
// See also: main_cf.hpp, common/doctor/postfix_checks.hpp
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"

namespace cachet::postfix {

struct MasterEntry {
  std::string service, type, is_private, unpriv, chroot, wakeup, maxproc;
  std::vector<std::string> command;  // command name, then its arguments
  std::size_t line = 0;

  // The value of a `name=value` argument ("argv", "user"), if given.
  std::optional<std::string> argument(std::string_view name) const;
  // chroot column: 'y' (or 'yes') chroots; '-' is Postfix's default, given by the caller.
  bool is_chrooted(bool chroot_default) const;
};

struct MasterCf {
  std::string file_name;
  std::vector<MasterEntry> entries;
  // The entry for service/type ("smtp", "inet"), if any (the first one).
  const MasterEntry* find(std::string_view service, std::string_view type) const;
};

[[nodiscard]] Result<MasterCf> parse_master_cf(std::string_view text, std::string_view file_name);

}  // namespace cachet::postfix

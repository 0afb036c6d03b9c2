// SPDX-License-Identifier: BSD-2-Clause
// common/postfix/master_cf.cpp: see master_cf.hpp.
#include "common/postfix/master_cf.hpp"

#include "common/base/strings.hpp"
#include "common/tables/lines.hpp"

namespace cachet::postfix {

std::optional<std::string> MasterEntry::argument(std::string_view name) const {
  const std::string prefix = std::string(name) + "=";
  for (std::size_t i = 1; i < command.size(); ++i)
    if (command[i].rfind(prefix, 0) == 0) return command[i].substr(prefix.size());
  return std::nullopt;
}

bool MasterEntry::is_chrooted(bool chroot_default) const {
  if (chroot == "-") return chroot_default;
  return iequals(chroot, "y") || iequals(chroot, "yes");
}

const MasterEntry* MasterCf::find(std::string_view service, std::string_view type) const {
  for (const MasterEntry& e : entries)
    if (e.service == service && e.type == type) return &e;
  return nullptr;
}

Result<MasterCf> parse_master_cf(std::string_view text, std::string_view file_name) {
  auto lines = tables::read_logical_lines(text, file_name);
  if (!lines) return Unexpected<Error>(lines.error());
  MasterCf out;
  out.file_name = std::string(file_name);
  for (const tables::LogicalLine& l : lines->lines) {
    std::vector<std::string> fields;
    std::string_view rest = l.text;
    while (!rest.empty()) {
      std::size_t i = 0;
      while (i < rest.size() && tables::is_table_space(rest[i])) ++i;
      rest.remove_prefix(i);
      if (rest.empty()) break;
      std::size_t n = 0;
      while (n < rest.size() && !tables::is_table_space(rest[n])) ++n;
      fields.emplace_back(rest.substr(0, n));
      rest.remove_prefix(n);
    }
    if (fields.size() < 8)
      return fail(Errc::config, std::string(file_name) + ":" + std::to_string(l.line) +
                                    ": expected service type private unpriv chroot wakeup maxproc command");
    MasterEntry e{fields[0], fields[1], fields[2], fields[3],
                  fields[4], fields[5], fields[6], std::vector<std::string>(fields.begin() + 7, fields.end()),
                  l.line};
    out.entries.push_back(std::move(e));
  }
  return out;
}

}  // namespace cachet::postfix

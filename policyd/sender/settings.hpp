// SPDX-License-Identifier: BSD-2-Clause
//
// policyd/sender/settings.hpp: cachet-sender's settings: the decision's options
// (HandlerSettings) and everything it reads from files (SenderMaps), loaded together from
// one config snapshot so a request sees one consistent set: the login maps (a TableList),
// the local-domain facts (main.cf and LocalDomains), and the optional aliases files.
// Lookup follows Postfix's mail_addr_find order (common/tables/table_list.hpp); an
// unqualified sender is looked up as sender@$myorigin, as trivial-rewrite would make it.
// Immutable after load; lookups are thread-safe. load() does I/O through the FileReader
// (read_table_file in the daemon, an in-memory map in tests).
// Errors (Errc::config, naming file:line where the parser gives one): unreadable files,
// table and main.cf syntax errors, no login maps at all.
// See also: session.hpp (reload), tests/unit/policyd/sender/session_test.cpp
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/config/config.hpp"
#include "common/postfix/main_cf.hpp"
#include "common/sender/aliases.hpp"
#include "common/sender/login_check.hpp"
#include "common/tables/table_list.hpp"

namespace cachet::senderd {

// The pure decision (common/sender/login_check.hpp) and the aliases reader.
using sender::Aliases;
using sender::Decision;
using sender::LoginFacts;
using sender::MismatchPolicy;
using sender::Owners;
using sender::TableErrorAction;
using sender::Verdict;

struct MapsSettings {
  std::string login_maps;                 // SenderLoginMaps ("" = from main.cf)
  std::string main_cf;                    // PostfixMainCf ("" = none)
  std::vector<std::string> local_domains;  // LocalDomains
  std::string recipient_delimiter;        // RecipientDelimiter ("" = from main.cf)
  std::vector<std::string> alias_files;   // AliasMaps
  bool allow_alias_owners = false;        // AllowAliasOwners
  bool strict = true;                     // StrictMaps
  std::string system_hostname;            // Postfix's default $myhostname
};

MapsSettings settings_from(const config::Config& cfg, std::string system_hostname);

struct HandlerSettings {
  MismatchPolicy policy = MismatchPolicy::all;
  TableErrorAction on_table_error = TableErrorAction::defer_if_permit;
  std::chrono::seconds reload_check_interval{1};  // 0 = never check
  MapsSettings maps;
};

HandlerSettings handler_settings_from(const config::Config& cfg, std::string system_hostname);

class SenderMaps {
 public:
  SenderMaps() = default;
  SenderMaps(const SenderMaps&) = delete;  // query_ points into facts_
  SenderMaps& operator=(const SenderMaps&) = delete;
  // Loads every file. `warnings` receives load-time diagnostics ("file:line: ...").
  [[nodiscard]] static Result<std::shared_ptr<const SenderMaps>> load(
      const MapsSettings& settings, const tables::FileReader& reader,
      std::vector<std::string>& warnings);

  // Check mode: load() as startup runs it; when it fails, every table and aliases file is
  // tried on its own so that each broken one is named, not only the first. Returns the
  // errors (empty: load() succeeded); `warnings` as for load().
  [[nodiscard]] static std::vector<std::string> check(const MapsSettings& settings,
                                                      const tables::FileReader& reader,
                                                      std::vector<std::string>& warnings);

  // Every source that knows `sender` (the login maps first, then the aliases). Errors:
  // those of TableList::find_address (Errc::temporary for a PCRE2 limit).
  [[nodiscard]] Result<std::vector<Owners>> lookup(std::string_view sender) const;

  // True when a file read at load changed (stat; see Table::changed_on_disk).
  bool changed_on_disk() const;
  const std::string& login_maps() const noexcept { return login_maps_; }
  const postfix::LocalFacts& facts() const noexcept { return facts_; }

 private:
  std::vector<Owners> alias_owners(std::string_view address) const;

  std::string login_maps_;
  tables::TableList tables_;
  postfix::LocalFacts facts_;
  std::string myorigin_;
  tables::AddressQuery query_;
  std::vector<Aliases> aliases_;
  std::vector<tables::FileStamp> stamps_;  // main.cf and aliases files
};

// The system's FQDN as Postfix's default $myhostname would take it (gethostname).
std::string system_hostname();

}  // namespace cachet::senderd

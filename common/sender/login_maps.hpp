// SPDX-License-Identifier: BSD-2-Clause
//
// common/sender/login_maps.hpp: the login <-> address ownership relation as Postfix's
// smtpd_sender_login_maps defines it, shared by cachet-sender (envelope sender) and
// cachet-dkim (header From/Sender, from_login.hpp): everything read from files, loaded
// together from one config snapshot so a lookup sees one consistent set: the login maps (a
// TableList), the local-domain facts (main.cf and LocalDomains), and the optional aliases
// files. The option specs both daemons declare for it are here too (one text, one default).
// Lookup follows Postfix's mail_addr_find order (common/tables/table_list.hpp); an
// unqualified address is looked up as address@$myorigin, as trivial-rewrite would make it.
// Immutable after load; lookups are thread-safe. load() does I/O through the FileReader
// (read_table_file in the daemons, an in-memory map in tests).
// Errors (Errc::config, naming file:line where the parser gives one): unreadable files,
// table and main.cf syntax errors, no login maps at all.
// See also: login_check.hpp (the decision), tests/unit/policyd/sender/session_test.cpp
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/config/config.hpp"
#include "common/config/option_spec.hpp"
#include "common/postfix/main_cf.hpp"
#include "common/sender/aliases.hpp"
#include "common/sender/login_check.hpp"
#include "common/tables/table_list.hpp"

namespace cachet::sender {

// The options that describe the maps, declared by every daemon that reads them
// (settings_from reads them back by these names).
inline constexpr config::OptionSpec kSenderLoginMapsOption{
    "SenderLoginMaps", config::Kind::string, "",
    "Postfix lookup tables mapping sender addresses to SASL logins, searched in order "
    "(smtpd_sender_login_maps syntax); empty: taken from PostfixMainCf"};
inline constexpr config::OptionSpec kPostfixMainCfOption{
    "PostfixMainCf", config::Kind::string, "/etc/postfix/main.cf",
    "Postfix main.cf for smtpd_sender_login_maps and the local domains; `none`: not read "
    "(Postfix's defaults for the local domains then)"};
inline constexpr config::OptionSpec kStrictMapsOption{
    "StrictMaps", config::Kind::boolean, "yes",
    "a map rule or entry Postfix would skip with a warning makes the whole map fail to load "
    "(at startup: exit 78; on reload: the last good maps stay)"};
inline constexpr config::OptionSpec kLocalDomainsOption{
    "LocalDomains", config::Kind::list, "",
    "extra local domains (besides those main.cf gives) for the bare-user lookup key"};
inline constexpr config::OptionSpec kRecipientDelimiterOption{
    "RecipientDelimiter", config::Kind::string, "",
    "address extension delimiters; empty: recipient_delimiter from main.cf"};
inline constexpr config::OptionSpec kAliasMapsOption{"AliasMaps", config::Kind::list, "",
                                                     "aliases(5) files whose owners may send as the alias"};
inline constexpr config::OptionSpec kAllowAliasOwnersOption{
    "AllowAliasOwners", config::Kind::boolean, "no",
    "the members of an alias in AliasMaps may use the alias as sender"};

// Cross-option problems of those options (AllowAliasOwners without AliasMaps; no source
// for the maps at all), for the daemons' validate hooks.
std::vector<config::Problem> validate_maps_options(const config::Config& cfg);

struct MapsSettings {
  std::string login_maps;                  // SenderLoginMaps ("" = from main.cf)
  std::string main_cf;                     // PostfixMainCf ("" = none)
  std::vector<std::string> local_domains;  // LocalDomains
  std::string recipient_delimiter;         // RecipientDelimiter ("" = from main.cf)
  std::vector<std::string> alias_files;    // AliasMaps
  bool allow_alias_owners = false;         // AllowAliasOwners
  bool strict = true;                      // StrictMaps
  std::string system_hostname;             // Postfix's default $myhostname
};

MapsSettings settings_from(const config::Config& cfg, std::string system_hostname);

class SenderMaps {
 public:
  SenderMaps() = default;
  SenderMaps(const SenderMaps&) = delete;  // query_ points into facts_
  SenderMaps& operator=(const SenderMaps&) = delete;
  // Loads every file. `warnings` receives load-time diagnostics ("file:line: ...").
  [[nodiscard]] static Result<std::shared_ptr<const SenderMaps>> load(const MapsSettings& settings,
                                                                      const tables::FileReader& reader,
                                                                      std::vector<std::string>& warnings);

  // One problem check() found: which source it belongs to and the loader's text.
  struct CheckProblem {
    enum class Source { main_cf, login_maps, aliases } source;
    std::string detail;  // "path:line: ..." or "path: ..." or a whole-list problem
  };
  // Check mode: load() as startup runs it; when it fails, every table and aliases file is
  // tried on its own so that each broken one is named, not only the first. Returns the
  // errors (empty: load() succeeded); `warnings` as for load().
  [[nodiscard]] static std::vector<CheckProblem> check(const MapsSettings& settings, const tables::FileReader& reader,
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

// Check mode for a daemon that reads the maps: SenderMaps::check as config problems in the
// `file:line: Option: problem; fix: ...` form of every check mode (load warnings at warning
// severity, without a fix), every broken table and aliases file named:
//  * a problem on a line of a file (a map rule, a texthash line, main.cf, an aliases file)
//    is located there; Option is what brought the file in: SenderLoginMaps, AliasMaps,
//    PostfixMainCf (main.cf itself), smtpd_sender_login_maps (maps named by main.cf);
//  * a problem of a whole file (missing, unreadable) or of the list (an unknown table type,
//    no maps at all) is located where that option is set: its line in the daemon's file
//    (`cfg`), or main.cf's smtpd_sender_login_maps line.
std::vector<config::Problem> check_maps_files(const config::Config& cfg, const MapsSettings& settings,
                                              const tables::FileReader& reader);

// The system's FQDN as Postfix's default $myhostname would take it (gethostname).
std::string system_hostname();

}  // namespace cachet::sender

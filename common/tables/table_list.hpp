// SPDX-License-Identifier: BSD-2-Clause
//
// common/tables/table_list.hpp: a list of tables searched in order (Postfix maps(3)),
// and the address search order of Postfix mail_addr_find() used for
// smtpd_sender_login_maps (Postfix 3.7 smtpd_check.c / mail_addr_find.c, MA_FIND_DEFAULT):
//   1. user+ext@domain   every table (pattern tables get only this full key)
//   2. user@domain       fixed tables only, when recipient_delimiter split an extension
//   3. user+ext, user    fixed tables only, when is_local_domain(domain)
//   4. @domain           fixed tables only
// Each key is tried against every table in order before the next key (key-major, as
// maps_find is called per key); the first hit wins. An error from any table stops the
// search (never skipped over). A found empty value is Errc::config, as Postfix's
// maps_find ("empty string result is not allowed").
// Extensions are split as Postfix split_addr(): at the first delimiter character,
// never for postmaster, mailer-daemon, the double-bounce name, a localpart that would
// become empty, and (when '-' is a delimiter) owner-* and *-request.
// LIMITATION: quoted local parts are looked up only in the form given (Postfix also
// tries the RFC 822 quoted form first).
// Immutable after open; lookups thread-safe; the is_local_domain predicate is called
// on the caller's thread.
// See also: table.hpp, table_spec.hpp, tests/unit/common/tables/table_list_test.cpp
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/tables/table.hpp"
#include "common/tables/table_spec.hpp"

namespace cachet::tables {

struct ListMatch {
  Match match;
  std::string table;  // name() of the table that answered
  std::string key;    // the key that matched (e.g. "@example.com")
};

struct AddressQuery {
  // Postfix recipient_delimiter: a set of delimiter characters; empty = no extensions.
  std::string recipient_delimiter;
  // True when the domain is local ($myorigin, $mydestination, inet/proxy interfaces).
  // Gets the domain as written in the address: compare case-insensitively.
  std::function<bool(std::string_view domain)> is_local_domain;
  // Postfix double_bounce_sender (never split).
  std::string double_bounce_sender = "double-bounce";
};

class TableList {
 public:
  TableList() = default;
  explicit TableList(std::vector<std::shared_ptr<const Table>> tables) : tables_(std::move(tables)) {}

  // Opens every table of a list such as "pcre:/a, texthash:/b". Errors: those of
  // parse_table_list and open_table (the first failing table is named).
  [[nodiscard]] static Result<TableList> open(std::string_view list, const FileReader& reader,
                                              const LoadOptions& options = {});

  // One key, every table in order (pattern tables skipped when fixed_only).
  // Errors: the first table error; Errc::config for an empty found value.
  [[nodiscard]] Result<std::optional<ListMatch>> find(std::string_view key, bool fixed_only = false) const;
  // The mail_addr_find() order above. Errors: as find().
  [[nodiscard]] Result<std::optional<ListMatch>> find_address(std::string_view address,
                                                              const AddressQuery& query) const;

  const std::vector<std::shared_ptr<const Table>>& tables() const noexcept { return tables_; }
  // True when any table's file changed (see Table::changed_on_disk).
  bool changed_on_disk() const;
  // Opens the same list again (after SIGHUP or changed_on_disk()). The caller swaps the
  // result in only on success and keeps this list otherwise. Errors: as open(); a list
  // not made by open() answers Errc::internal.
  [[nodiscard]] Result<TableList> reopen(const FileReader& reader) const;

 private:
  std::vector<std::shared_ptr<const Table>> tables_;
  std::optional<std::string> spec_;  // set by open()
  LoadOptions options_;
};

// Postfix split_addr() on a localpart: the localpart without extension, or nullopt when
// it has none or must not be split. Pure.
std::optional<std::string> strip_extension(std::string_view localpart, const AddressQuery& query);

}  // namespace cachet::tables

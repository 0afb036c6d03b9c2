// SPDX-License-Identifier: BSD-2-Clause
//
// common/tables/table_list.cpp: ordered table search and the address key order
// (table_list.hpp).
#include "common/tables/table_list.hpp"

#include "common/base/strings.hpp"

namespace cachet::tables {
namespace {

bool iends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

}  // namespace

Result<TableList> TableList::open(std::string_view list, const FileReader& reader, const LoadOptions& options) {
  auto specs = parse_table_list(list);
  if (!specs) return Unexpected<Error>(std::move(specs).error());
  std::vector<std::shared_ptr<const Table>> tables;
  for (const TableSpec& spec : *specs) {
    auto t = open_table(spec, reader, options);
    if (!t) return fail(t.error().code, spec.text() + ": " + t.error().detail);
    tables.push_back(std::move(*t));
  }
  TableList out(std::move(tables));
  out.spec_ = std::string(list);
  out.options_ = options;
  return out;
}

Result<TableList> TableList::reopen(const FileReader& reader) const {
  if (!spec_) return fail(Errc::internal, "reopen of a table list not made by TableList::open");
  return open(*spec_, reader, options_);
}

Result<std::optional<ListMatch>> TableList::find(std::string_view key, bool fixed_only) const {
  for (const auto& table : tables_) {
    if (fixed_only && table->kind() != TableKind::fixed) continue;
    auto got = table->lookup_explained(key);
    if (!got) return Unexpected<Error>(std::move(got).error());
    if (!got->has_value()) continue;
    if ((*got)->value.empty())
      return fail(Errc::config,
                  "table " + table->name() + ": key " + std::string(key) + ": empty string result is not allowed");
    return std::optional<ListMatch>(ListMatch{std::move(**got), table->name(), std::string(key)});
  }
  return std::optional<ListMatch>{};
}

std::optional<std::string> strip_extension(std::string_view localpart, const AddressQuery& query) {
  const std::string_view delims = query.recipient_delimiter;
  if (delims.empty()) return std::nullopt;
  if (iequals(localpart, "postmaster") || iequals(localpart, "mailer-daemon") ||
      iequals(localpart, query.double_bounce_sender))
    return std::nullopt;
  if (delims.find('-') != std::string_view::npos &&
      (istarts_with(localpart, "owner-") || (localpart.size() > 8 && iends_with(localpart, "-request"))))
    return std::nullopt;
  const std::size_t cut = localpart.find_first_of(delims);
  if (cut == 0 || cut == std::string_view::npos) return std::nullopt;
  return std::string(localpart.substr(0, cut));
}

Result<std::optional<ListMatch>> TableList::find_address(std::string_view address, const AddressQuery& query) const {
  auto full = find(address, false);
  if (!full || full->has_value()) return full;
  const std::size_t at = address.rfind('@');
  const std::string_view local = address.substr(0, at == std::string_view::npos ? address.size() : at);
  const std::optional<std::string> bare = strip_extension(local, query);
  if (bare) {
    auto r = find(*bare + std::string(at == std::string_view::npos ? "" : address.substr(at)), true);
    if (!r || r->has_value()) return r;
  }
  if (at == std::string_view::npos) return std::optional<ListMatch>{};
  const std::string_view domain = address.substr(at + 1);
  if (query.is_local_domain && query.is_local_domain(domain)) {
    auto r = find(local, true);
    if (!r || r->has_value()) return r;
    if (bare) {
      r = find(*bare, true);
      if (!r || r->has_value()) return r;
    }
  }
  return find(address.substr(at), true);
}

bool TableList::changed_on_disk() const {
  for (const auto& t : tables_)
    if (t->changed_on_disk()) return true;
  return false;
}

}  // namespace cachet::tables

// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/history.cpp: see history.hpp.
#include "common/dmarc/history.hpp"

#include <array>
#include <charconv>

#include "common/base/strings.hpp"
#include "common/dmarc/store/history_pg.hpp"
#include "common/dmarc/store/history_sqlite.hpp"
#include "common/dmarc/store/sql.hpp"

namespace cachet::dmarc {
namespace {

std::int64_t to_int(std::string_view s) {
  std::int64_t v = 0;
  (void)std::from_chars(s.data(), s.data() + s.size(), v);  // "" or junk (NULL column) reads 0
  return v;
}

template <std::string HistoryRecord::*M>
constexpr HistoryColumn text(std::string_view name) {
  return {name, ColumnType::text, [](const HistoryRecord& r) { return SqlValue(std::string_view(r.*M)); },
          [](HistoryRecord& r, std::string_view v) { r.*M = std::string(v); }};
}

template <std::int64_t HistoryRecord::*M>
constexpr HistoryColumn integer(std::string_view name) {
  return {name, ColumnType::integer, [](const HistoryRecord& r) { return SqlValue(r.*M); },
          [](HistoryRecord& r, std::string_view v) { r.*M = to_int(v); }};
}

template <bool HistoryRecord::*M>
constexpr HistoryColumn flag(std::string_view name) {
  return {name, ColumnType::integer, [](const HistoryRecord& r) { return SqlValue(std::int64_t{r.*M ? 1 : 0}); },
          [](HistoryRecord& r, std::string_view v) { r.*M = to_int(v) != 0; }};
}

using R = HistoryRecord;
// The first 15 are the columns of the first SQLite schema (older files gain the rest).
constexpr std::array kColumns = {
    integer<&R::received>("received"),
    text<&R::job_id>("job"),
    text<&R::reporter>("reporter"),
    text<&R::source_ip>("ip"),
    text<&R::header_from>("header_from"),
    text<&R::envelope_from>("envelope_from"),
    text<&R::policy_domain>("policy_domain"),
    text<&R::policy>("policy"),
    text<&R::disposition>("disposition"),
    text<&R::result>("result"),
    text<&R::dkim>("dkim"),
    text<&R::spf_domain>("spf_domain"),
    text<&R::spf_result>("spf_result"),
    flag<&R::dkim_aligned>("dkim_aligned"),
    flag<&R::spf_aligned>("spf_aligned"),
    text<&R::p>("p"),
    text<&R::sp>("sp"),
    text<&R::np>("np"),
    text<&R::adkim>("adkim"),
    text<&R::aspf>("aspf"),
    integer<&R::pct>("pct"),
    text<&R::fo>("fo"),
    text<&R::rua>("rua"),
};

bool is_plain(std::string_view s) { return s.find_first_of(":,") == std::string_view::npos; }

}  // namespace

std::span<const HistoryColumn> history_columns() { return kColumns; }

std::string history_column_list() {
  std::string out;
  for (const HistoryColumn& c : kColumns) out += (out.empty() ? "" : ", ") + std::string(c.name);
  return out;
}

void set_published_policy(HistoryRecord& r, const Record& published) {
  auto policy = [](const std::optional<Policy>& p) { return p ? std::string(to_string(*p)) : std::string(); };
  r.p = policy(published.p);
  r.sp = policy(published.sp);
  r.np = policy(published.np);
  r.adkim = published.adkim == AlignmentMode::strict ? "s" : "r";
  r.aspf = published.aspf == AlignmentMode::strict ? "s" : "r";
  r.pct = published.pct;
  r.fo = published.fo;
  r.rua.clear();
  for (const ReportUri& u : published.rua) {
    std::string uri = u.uri;
    if (u.max_bytes) {
      std::uint64_t n = *u.max_bytes;
      std::string unit;
      for (const char* k : {"k", "m", "g", "t"}) {
        if (n == 0 || n % 1024 != 0) break;
        n /= 1024;
        unit = k;
      }
      uri += "!" + std::to_string(n) + unit;
    }
    r.rua += (r.rua.empty() ? "" : " ") + uri;
  }
}

std::string format_dkim_entries(const std::vector<DkimEntry>& entries) {
  std::string out;
  for (const DkimEntry& e : entries) {
    if (e.domain.empty() || !is_plain(e.domain) || !is_plain(e.result)) continue;
    if (!out.empty()) out += ',';
    out += e.domain + ":" + (is_plain(e.selector) ? e.selector : "") + ":" + e.result;
  }
  return out;
}

void for_each_dkim_entry(std::string_view text,
                         const std::function<void(std::string_view, std::string_view, std::string_view)>& f) {
  for_each_split(text, ',', [&](std::string_view item) {
    const auto first = item.find(':'), last = item.rfind(':');
    if (first == std::string_view::npos) return;
    f(item.substr(0, first), last != first ? item.substr(first + 1, last - first - 1) : std::string_view(),
      item.substr(last + 1));
  });
}

std::vector<DkimEntry> parse_dkim_entries(std::string_view text) {
  std::vector<DkimEntry> out;
  for_each_dkim_entry(text, [&](std::string_view domain, std::string_view selector, std::string_view result) {
    out.push_back({std::string(domain), std::string(selector), std::string(result)});
  });
  return out;
}

bool is_postgres_spec(std::string_view spec) noexcept {
  const std::string_view s = trim(spec);
  if (s.rfind("postgresql://", 0) == 0 || s.rfind("postgres://", 0) == 0) return true;
  return !s.empty() && s.front() != '/' && s.find('=') != std::string_view::npos;
}

Result<void> check_history_spec(std::string_view spec) {
  if (is_postgres_spec(spec)) return check_pg_conninfo(trim(spec));
  if (spec.empty() || spec.front() != '/')
    return fail(Errc::config,
                "'" + std::string(spec) + "' is neither an absolute SQLite path nor a PostgreSQL URI/conninfo");
  return {};
}

bool is_history_off(std::string_view spec) noexcept { return iequals(trim(spec), "none"); }

Result<std::unique_ptr<HistoryStore>> open_history_store(std::string_view spec) {
  if (is_history_off(spec))
    return fail(Errc::config, "HistoryDatabase is none: no history is recorded; name a database to read");
  if (auto ok = check_history_spec(spec); !ok) return Unexpected<Error>(ok.error());
  if (is_postgres_spec(spec))
    return std::unique_ptr<HistoryStore>(std::make_unique<PgHistoryStore>(std::string(trim(spec))));
  return std::unique_ptr<HistoryStore>(std::make_unique<SqliteHistoryStore>(std::string(spec)));
}

}  // namespace cachet::dmarc

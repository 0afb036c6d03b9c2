// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/history.hpp: what cachet-dmarc records per evaluated message for RFC 7489
// aggregate reports (the facts opendmarc's HistoryFile holds, plus the published policy),
// the sink/store interfaces, the one logical schema both SQL stores share, and
// open_history_store(), which picks the backend from the HistoryDatabase value:
//   /path/file.sqlite             SQLite (embedded, the default; store/history_sqlite.hpp)
//   postgresql://user@host/db     PostgreSQL URI, or a libpq conninfo such as
//   host=db1 dbname=dmarc ...     "host=... dbname=..." (store/history_pg.hpp)
// Both stores, the report ledger and the report importer reach their database through
// store/sql.hpp, the one connection layer.
// Records are written through HistoryWriter (history_writer.hpp), never on the milter
// thread. Stores are thread-safe (each serialises its own calls). Errors: Errc::temporary
// for database trouble (callers log and go on: history never changes a verdict),
// Errc::config for a HistoryDatabase value that names no usable store.
// See also: report_xml.hpp (aggregate reports), history_file.hpp (opendmarc's text format),
// milters/dmarc/session.cpp (writer), tools/cachetctl/cmd_dmarc_report.cpp (reader).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/dmarc/record.hpp"
#include "common/dmarc/store/sql.hpp"

namespace cachet::dmarc {

struct HistoryRecord {
  std::int64_t received = 0;  // seconds since the epoch
  std::string job_id, reporter, source_ip;
  std::string header_from, envelope_from, policy_domain;
  std::string policy = "none", disposition = "none", result = "none";
  std::string dkim;                             // format_dkim_entries(): every dkim result of trusted A-R fields
  std::string spf_domain, spf_result = "none";  // spf_domain "" = no SPF result found
  bool dkim_aligned = false, spf_aligned = false;
  // The published record that applied ("" / 0 when none was found): p, sp, np as
  // none|quarantine|reject ("" = tag absent), adkim/aspf r|s, pct, fo, and the rua URIs
  // separated by spaces (for opendmarc's HistoryFile).
  std::string p, sp, np, adkim, aspf, fo, rua;
  std::int64_t pct = 0;
};

// Copies the published record's tags into r (p, sp, np, adkim, aspf, pct, fo, rua; a
// rua size limit in its largest exact unit: "!10m").
void set_published_policy(HistoryRecord& r, const Record& published);

struct DkimEntry {
  std::string domain, selector, result;  // selector "" = unknown
};

// "domain:selector:result,..." (domains and selectors hold no ':' or ','; a selector that
// does is stored as ""). parse_dkim_entries() also reads the older "domain:result" form.
std::string format_dkim_entries(const std::vector<DkimEntry>& entries);
std::vector<DkimEntry> parse_dkim_entries(std::string_view text);
// The entries as views into `text`, without a copy: f(domain, selector, result).
void for_each_dkim_entry(std::string_view text,
                         const std::function<void(std::string_view, std::string_view, std::string_view)>& f);

// The shared logical schema: table `messages`, these columns in this order. Values are
// written as integers or as text in place (a view into the record: no string per value),
// and read back as text.
enum class ColumnType { integer, text };
struct HistoryColumn {
  std::string_view name;
  ColumnType type;
  SqlValue (*get)(const HistoryRecord&);
  void (*set)(HistoryRecord&, std::string_view);
};
std::span<const HistoryColumn> history_columns();
std::string history_column_list();  // "received, job, ..." for SQL

// Where records go (a database, opendmarc's text file). add_batch is all-or-nothing
// where the backend can make it so (one transaction).
class HistorySink {
 public:
  virtual ~HistorySink() = default;
  [[nodiscard]] virtual Result<void> add_batch(std::span<const HistoryRecord> records) = 0;
  [[nodiscard]] Result<void> add(const HistoryRecord& r) { return add_batch({&r, 1}); }
  // For log lines: which store this is, without credentials.
  virtual std::string describe() const = 0;
};

class HistoryStore : public HistorySink {
 public:
  // Records with from <= received < to, oldest first (ties in insertion order).
  [[nodiscard]] virtual Result<std::vector<HistoryRecord>> range(std::int64_t from, std::int64_t to) = 0;
};

// True if `spec` names a PostgreSQL database (URI or key=value conninfo), not a file.
bool is_postgres_spec(std::string_view spec) noexcept;

// True for HistoryDatabase's "none" (any case): no store. The option's default is a path
// and the config syntax has no empty value, so the word turns the store off.
bool is_history_off(std::string_view spec) noexcept;

// Checks a HistoryDatabase value without connecting (conninfo syntax; no password inside:
// it belongs in a passfile). Errors: Errc::config.
[[nodiscard]] Result<void> check_history_spec(std::string_view spec);

// The store `spec` names; nothing is opened or connected until the first call.
// Errors: Errc::config (see check_history_spec; "none": there is no store to open).
[[nodiscard]] Result<std::unique_ptr<HistoryStore>> open_history_store(std::string_view spec);

}  // namespace cachet::dmarc

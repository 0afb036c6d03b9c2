// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/store/history_sqlite.cpp: see history_sqlite.hpp.
#include "common/dmarc/store/history_sqlite.hpp"

#include <set>

namespace cachet::dmarc {
namespace {

const char* sql_type(ColumnType t) { return t == ColumnType::integer ? "INTEGER" : "TEXT"; }

// The table and its index if missing, then the columns a file of an older schema lacks.
Result<void> create_or_upgrade(SqlConn& db) {
  std::string cols;
  for (const HistoryColumn& c : history_columns())
    cols += (cols.empty() ? "" : ", ") + std::string(c.name) + " " + sql_type(c.type);
  if (auto s = db.exec("CREATE TABLE IF NOT EXISTS messages (" + cols +
                       ");CREATE INDEX IF NOT EXISTS messages_received ON messages(received);");
      !s)
    return s;
  auto info = db.query("PRAGMA table_info(messages)", {});
  if (!info) return Unexpected<Error>(info.error());
  std::set<std::string> have;
  for (const SqlRow& row : *info)
    if (row.size() > 1) have.insert(row[1]);
  for (const HistoryColumn& c : history_columns()) {
    if (have.count(std::string(c.name))) continue;
    if (auto a = db.exec("ALTER TABLE messages ADD COLUMN " + std::string(c.name) + " " + sql_type(c.type)); !a)
      return a;
  }
  return {};
}

SqlSettings sqlite_settings() {
  SqlSettings s;
  s.busy_timeout_ms = 2000;  // several MX processes may share one file
  s.use_wal = true;
  s.on_open = &create_or_upgrade;
  return s;
}

}  // namespace

SqliteHistoryStore::SqliteHistoryStore(std::string path)
    : SqlHistoryStore(make_sqlite_conn(std::move(path), sqlite_settings()), "rowid") {}

}  // namespace cachet::dmarc

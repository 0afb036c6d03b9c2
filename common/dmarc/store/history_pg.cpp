// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/store/history_pg.cpp: see history_pg.hpp.
#include "common/dmarc/store/history_pg.hpp"

namespace cachet::dmarc {
namespace {

const char* pg_type(ColumnType t) { return t == ColumnType::integer ? "BIGINT" : "TEXT"; }

Result<void> create_or_upgrade(SqlConn& db) {
  std::string cols = "id BIGSERIAL PRIMARY KEY";
  std::string add;
  for (const HistoryColumn& c : history_columns()) {
    cols += ", " + std::string(c.name) + " " + pg_type(c.type);
    add += "ALTER TABLE messages ADD COLUMN IF NOT EXISTS " + std::string(c.name) + " " + pg_type(c.type) + ";";
  }
  return db.exec("CREATE TABLE IF NOT EXISTS messages (" + cols + ");" + add +
                 "CREATE INDEX IF NOT EXISTS messages_received ON messages(received);");
}

SqlSettings pg_settings() {
  SqlSettings s;
  s.application_name = "cachet-dmarc";
  s.statement_timeout_ms = 10000;
  s.on_open = &create_or_upgrade;
  return s;
}

}  // namespace

PgHistoryStore::PgHistoryStore(std::string conninfo)
    : SqlHistoryStore(make_pg_conn(std::move(conninfo), pg_settings()), "id") {}

}  // namespace cachet::dmarc

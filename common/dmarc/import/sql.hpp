// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/import/sql.hpp: the small SQL connection the report store is written
// against, so that its schema and statements exist once for SQLite and PostgreSQL.
// Statements use '?' placeholders (the PostgreSQL backend numbers them $1..$n; no SQL here
// holds a literal '?'); every value travels as text (NULL is never bound) and rows come
// back as text. The SQLite backend keeps each statement compiled (by SQL text), WAL mode
// and busy_timeout as the history store; the PostgreSQL backend connects like the
// history store (connect_timeout 5, statement_timeout, passfile, no password in the spec).
// Not thread-safe: one connection per importer. Errors: Errc::temporary (database).
// See also: store.hpp, common/dmarc/history_sqlite.hpp, common/dmarc/history_pg.hpp
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"

namespace cachet::dmarc::import {

using SqlRow = std::vector<std::string>;

class SqlConn {
 public:
  virtual ~SqlConn() = default;
  // Several statements separated by ';' without parameters (schema, BEGIN, COMMIT).
  [[nodiscard]] virtual Result<void> exec(const std::string& sql) = 0;
  // One statement with '?' parameters; the rows it returns (none for an INSERT without
  // RETURNING).
  [[nodiscard]] virtual Result<std::vector<SqlRow>> query(const std::string& sql,
                                                          const std::vector<std::string>& params) = 0;
  // The column type of an auto-numbered primary key ("INTEGER PRIMARY KEY" / "BIGSERIAL ...").
  virtual std::string_view id_column() const = 0;
  virtual std::string describe() const = 0;
};

// spec as HistoryDatabase: an absolute SQLite path, or a PostgreSQL URI/conninfo.
// Errors: Errc::config (a spec naming nothing usable), Errc::temporary (cannot open/connect).
[[nodiscard]] Result<std::unique_ptr<SqlConn>> open_sql(std::string_view spec);

// The PostgreSQL backend (sql_pg.cpp), for open_sql(); connects on first use.
std::unique_ptr<SqlConn> make_pg_conn(std::string conninfo);

}  // namespace cachet::dmarc::import

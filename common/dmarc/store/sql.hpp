// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/store/sql.hpp: the one SQL connection layer under everything that keeps DMARC
// data in a database: the history stores (history_sqlite.hpp, history_pg.hpp), the report
// ledger (../report_ledger.hpp) and the report importer (../import/store.hpp). Two back
// ends, picked by the HistoryDatabase value: SQLite (sql_sqlite.cpp) and PostgreSQL
// (sql_pg.cpp); these two files and nothing else include sqlite3.h and libpq-fe.h, and own
// every sqlite3*, sqlite3_stmt*, PGconn* and PGresult* in a CPtr.
// Statements: parameters are $1..$N, bound in order (SQLite binds them by name, so a
// statement may leave some unused): text, or (query_values) an integer, which SQLite binds
// as one (no text to convert per value) and PostgreSQL as its decimal text; rows come back
// as text ("" for NULL). Each statement
// is compiled once per connection and kept (SQLite: sqlite3_prepare_v3 PERSISTENT;
// PostgreSQL: PQprepare, again after a reconnect).
// Connections are lazy: the first statement opens the file (created by the user that
// writes, not root at startup) or connects; SqlSettings::on_open then runs (schema,
// migrations), and its failure closes the connection again. A PostgreSQL connection found
// broken after a failed statement is dropped and reopened by the next statement; SQLite
// reopens only after a failed open. PostgreSQL sessions connect with connect_timeout 5,
// SqlSettings' application name (unless the conninfo sets one) and statement timeout, and
// client_min_messages warning; a password in the spec is a config error (use a passfile).
// Not thread-safe: one connection per user, or a lock around it (the history stores).
// Errors: Errc::temporary (open, connect, statement), Errc::config (open_sql: a bad spec).
// See also: ../history.hpp (check_history_spec, is_postgres_spec),
// tests/integration/dmarc_history_pg_test.cpp, tests/integration/dmarc_import_pg_test.cpp
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/base/result.hpp"

namespace cachet::dmarc {

using SqlRow = std::vector<std::string>;
// A parameter: text (not copied: it must outlive the call) or an integer.
using SqlValue = std::variant<std::string_view, std::int64_t>;

class SqlConn;

struct SqlSettings {
  // SQLite: how long a statement waits for another process's lock.
  int busy_timeout_ms = 2000;
  // SQLite: journal_mode=WAL and synchronous=NORMAL (a commit appends to the -wal file);
  // foreign_keys=ON.
  bool use_wal = false;
  bool use_foreign_keys = false;
  // PostgreSQL: fallback_application_name, and statement_timeout in milliseconds.
  std::string application_name = "cachet";
  int statement_timeout_ms = 10000;
  // Runs after each open or (re)connect, before the statement that caused it.
  std::function<Result<void>(SqlConn&)> on_open;
};

class SqlConn {
 public:
  virtual ~SqlConn() = default;
  // Several statements separated by ';', without parameters (schema, BEGIN, COMMIT).
  [[nodiscard]] virtual Result<void> exec(const std::string& sql) = 0;
  // One statement with $1..$N parameters; the rows it returns (none for an INSERT without
  // RETURNING).
  [[nodiscard]] virtual Result<std::vector<SqlRow>> query_values(const std::string& sql,
                                                                 std::span<const SqlValue> params) = 0;
  // query_values() with text parameters.
  [[nodiscard]] Result<std::vector<SqlRow>> query(const std::string& sql, const std::vector<std::string>& params) {
    const std::vector<SqlValue> values(params.begin(), params.end());
    return query_values(sql, values);
  }
  // exec() of a schema script; on PostgreSQL under an advisory lock, because concurrent
  // CREATE TABLE IF NOT EXISTS can still collide in the catalog (a unique violation on
  // pg_type): the hosts of a fleet starting together take turns.
  [[nodiscard]] virtual Result<void> exec_schema(const std::string& sql) = 0;
  // ROLLBACK if a connection is open and usable; a lost connection has rolled back already.
  virtual void rollback() noexcept = 0;
  virtual bool is_postgres() const noexcept = 0;
  // The column type of an auto-numbered primary key ("INTEGER PRIMARY KEY" / "BIGSERIAL ...").
  virtual std::string_view id_column() const noexcept = 0;
  // "sqlite:<path>" or "postgresql:<host>[:<port>]/<dbname>" (never credentials).
  virtual std::string describe() const = 0;
};

// `spec` as HistoryDatabase: an absolute SQLite path, or a PostgreSQL URI/conninfo. Nothing
// is opened yet. Errors: Errc::config (check_history_spec()).
[[nodiscard]] Result<std::unique_ptr<SqlConn>> open_sql(std::string_view spec, SqlSettings settings);

// The back ends, for open_sql() (no check of the spec).
std::unique_ptr<SqlConn> make_sqlite_conn(std::string path, SqlSettings settings);
std::unique_ptr<SqlConn> make_pg_conn(std::string conninfo, SqlSettings settings);

// Syntax check of a PostgreSQL URI/conninfo (libpq's own parser) and the no-password rule.
// Errors: Errc::config.
[[nodiscard]] Result<void> check_pg_conninfo(std::string_view conninfo);

}  // namespace cachet::dmarc

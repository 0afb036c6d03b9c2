// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/import/sql_sqlite.cpp: the SQLite SqlConn (see sql.hpp).
#include <sqlite3.h>

#include <map>

#include "common/base/c_ptr.hpp"
#include "common/dmarc/history.hpp"
#include "common/dmarc/import/sql.hpp"

namespace cachet::dmarc::import {

namespace {

using Db = CPtr<sqlite3, &sqlite3_close>;
using Stmt = CPtr<sqlite3_stmt, &sqlite3_finalize>;

class SqliteConn final : public SqlConn {
 public:
  explicit SqliteConn(std::string path) : path_(std::move(path)) {}

  Result<void> open() {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path_.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    db_.reset(raw);  // allocated even on failure
    if (rc != SQLITE_OK) return error("open " + path_);
    sqlite3_busy_timeout(raw, 5000);  // the milter writes the history into the same file
    return exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON");
  }

  Result<void> exec(const std::string& sql) override {
    if (sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) return error("exec");
    return {};
  }

  Result<std::vector<SqlRow>> query(const std::string& sql, const std::vector<std::string>& params) override {
    auto it = stmts_.find(sql);
    if (it == stmts_.end()) {
      sqlite3_stmt* raw = nullptr;
      if (sqlite3_prepare_v3(db_.get(), sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr) != SQLITE_OK)
        return error("prepare");
      it = stmts_.emplace(sql, Stmt(raw)).first;
    }
    sqlite3_stmt* s = it->second.get();
    sqlite3_reset(s);
    for (std::size_t i = 0; i < params.size(); ++i)
      sqlite3_bind_text(s, static_cast<int>(i + 1), params[i].data(), static_cast<int>(params[i].size()),
                        SQLITE_TRANSIENT);
    std::vector<SqlRow> rows;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      SqlRow row;
      for (int c = 0; c < sqlite3_column_count(s); ++c) {
        const unsigned char* t = sqlite3_column_text(s, c);
        row.emplace_back(t ? reinterpret_cast<const char*>(t) : "");
      }
      rows.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) {
      auto e = error("statement");
      sqlite3_reset(s);
      return e;
    }
    sqlite3_reset(s);
    return rows;
  }

  std::string_view id_column() const override { return "INTEGER PRIMARY KEY"; }
  std::string describe() const override { return "sqlite:" + path_; }

 private:
  Unexpected<Error> error(std::string_view what) const {
    return fail(Errc::temporary,
                "sqlite " + std::string(what) + ": " + (db_ ? sqlite3_errmsg(db_.get()) : "no database"));
  }
  std::string path_;
  Db db_;
  std::map<std::string, Stmt> stmts_;  // destroyed before db_ (declared after it)
};

}  // namespace

Result<std::unique_ptr<SqlConn>> open_sql(std::string_view spec) {
  if (auto ok = check_history_spec(spec); !ok) return Unexpected<Error>(ok.error());
  if (is_postgres_spec(spec)) return make_pg_conn(std::string(spec));
  auto conn = std::make_unique<SqliteConn>(std::string(spec));
  if (auto o = conn->open(); !o) return Unexpected<Error>(o.error());
  return std::unique_ptr<SqlConn>(std::move(conn));
}

}  // namespace cachet::dmarc::import

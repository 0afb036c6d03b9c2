// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/store/sql_sqlite.cpp: the SQLite SqlConn (see sql.hpp), and open_sql().
#include <sqlite3.h>

#include <map>
#include <optional>

#include "common/base/c_ptr.hpp"
#include "common/base/strings.hpp"
#include "common/dmarc/history.hpp"
#include "common/dmarc/store/sql.hpp"

namespace cachet::dmarc {
namespace {

using Db = CPtr<sqlite3, &sqlite3_close>;
using Stmt = CPtr<sqlite3_stmt, &sqlite3_finalize>;

class SqliteConn final : public SqlConn {
 public:
  SqliteConn(std::string path, SqlSettings settings) : path_(std::move(path)), settings_(std::move(settings)) {}
  ~SqliteConn() override { close(); }
  SqliteConn(const SqliteConn&) = delete;
  SqliteConn& operator=(const SqliteConn&) = delete;

  Result<void> exec(const std::string& sql) override {
    if (auto o = open(); !o) return o;
    if (sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) return error("exec");
    return {};
  }

  Result<void> exec_schema(const std::string& sql) override { return exec(sql); }

  Result<std::vector<SqlRow>> query_values(const std::string& sql, std::span<const SqlValue> params) override {
    if (auto o = open(); !o) return Unexpected<Error>(o.error());
    auto it = stmts_.find(sql);
    if (it == stmts_.end()) {
      auto kept = prepare(sql);
      if (!kept) return Unexpected<Error>(kept.error());
      it = stmts_.emplace(sql, std::move(*kept)).first;
    }
    sqlite3_stmt* const s = it->second.stmt.get();
    const std::vector<int>& index_of = it->second.index_of;
    // Values are bound in place (SQLITE_STATIC: no copy per value, which was a third of a
    // history insert), so the statement must let go of them before `params` can: on every
    // way out it is reset (which also releases its read lock: a kept statement must not hold
    // one) and its bindings cleared.
    struct Release {
      sqlite3_stmt* s;
      ~Release() {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
      }
    } const release{s};
    for (std::size_t i = 0; i < params.size() && i < index_of.size(); ++i) {
      if (index_of[i] == 0) continue;  // $i+1 is not used by this statement
      if (const auto* text = std::get_if<std::string_view>(&params[i]))
        // A null pointer would bind NULL: an empty value stays ''.
        sqlite3_bind_text(s, index_of[i], text->data() ? text->data() : "", static_cast<int>(text->size()),
                          SQLITE_STATIC);
      else
        sqlite3_bind_int64(s, index_of[i], std::get<std::int64_t>(params[i]));
    }
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
    if (rc != SQLITE_DONE) return error("statement");  // the message is read before the reset
    return rows;
  }

  void rollback() noexcept override {
    if (db_ && !sqlite3_get_autocommit(db_.get())) sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }

  bool is_postgres() const noexcept override { return false; }
  std::string_view id_column() const noexcept override { return "INTEGER PRIMARY KEY"; }
  std::string describe() const override { return "sqlite:" + path_; }

 private:
  Unexpected<Error> error(std::string_view what) const {
    return fail(Errc::temporary,
                "sqlite " + path_ + ": " + std::string(what) + ": " + (db_ ? sqlite3_errmsg(db_.get()) : "not open"));
  }

  struct Kept {
    Stmt stmt;
    std::vector<int> index_of;  // SQLite's parameter index of $1, $2, ... (0: unused)
  };

  // Compiles `sql` once for this handle and maps $N to SQLite's parameter indexes (they
  // are numbered in order of first appearance, not by N).
  Result<Kept> prepare(const std::string& sql) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(db_.get(), sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    Kept kept{Stmt(raw), {}};  // raw is NULL on failure
    if (rc != SQLITE_OK) return error("prepare");
    for (int i = 1; i <= sqlite3_bind_parameter_count(raw); ++i) {
      const char* name = sqlite3_bind_parameter_name(raw, i);
      const auto n = name && name[0] == '$' ? parse_uint(name + 1) : std::nullopt;
      if (!n || *n == 0 || *n > 999)
        return fail(Errc::internal, "sqlite: parameter " + std::to_string(i) + " of '" + sql + "' is not $1..$999");
      if (kept.index_of.size() < *n) kept.index_of.resize(*n, 0);
      kept.index_of[*n - 1] = i;
    }
    return kept;
  }

  // The kept statements go first: sqlite3_close() refuses a handle that has any.
  void close() noexcept {
    stmts_.clear();
    db_.reset();
  }

  Result<void> open() {
    if (db_) return {};
    sqlite3* raw = nullptr;
    // NOMUTEX: a connection is never used by two threads at once (sql.hpp: one per user or
    // a lock around it), so SQLite's own lock around every call (each bind, step, reset)
    // only cost instructions: ~2k per history insert of 23 columns (callgrind).
    const int rc =
        sqlite3_open_v2(path_.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    db_.reset(raw);  // sqlite3_open_v2 allocates a handle even when it fails
    auto opened = [&]() -> Result<void> {
      if (rc != SQLITE_OK) return error("open");
      sqlite3_busy_timeout(db_.get(), settings_.busy_timeout_ms);
      // WAL without a sync per commit: a commit is an append to the -wal file, synced at
      // checkpoints. The rollback journal cost an fdatasync, a create and an unlink per
      // batch (a quarter of cachet-dmarc's CPU under load); a power cut may now lose the
      // last records, never corrupt the file. Readers don't block the writer.
      if (settings_.use_wal && sqlite3_exec(db_.get(), "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", nullptr,
                                            nullptr, nullptr) != SQLITE_OK)
        return error("journal mode");
      if (settings_.use_foreign_keys &&
          sqlite3_exec(db_.get(), "PRAGMA foreign_keys=ON;", nullptr, nullptr, nullptr) != SQLITE_OK)
        return error("foreign keys");
      if (settings_.on_open) return settings_.on_open(*this);
      return {};
    }();
    if (!opened) close();  // the next statement tries again
    return opened;
  }

  std::string path_;
  SqlSettings settings_;
  Db db_;
  std::map<std::string, Kept> stmts_;  // by SQL text; cleared before db_ is closed
};

}  // namespace

std::unique_ptr<SqlConn> make_sqlite_conn(std::string path, SqlSettings settings) {
  return std::make_unique<SqliteConn>(std::move(path), std::move(settings));
}

Result<std::unique_ptr<SqlConn>> open_sql(std::string_view spec, SqlSettings settings) {
  if (auto ok = check_history_spec(spec); !ok) return Unexpected<Error>(ok.error());
  if (is_postgres_spec(spec)) return make_pg_conn(std::string(trim(spec)), std::move(settings));
  return make_sqlite_conn(std::string(spec), std::move(settings));
}

}  // namespace cachet::dmarc

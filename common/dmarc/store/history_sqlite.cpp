// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/store/history_sqlite.cpp: see history_sqlite.hpp.
#include "common/dmarc/store/history_sqlite.hpp"

#include <sqlite3.h>

#include <set>

#include "common/base/c_ptr.hpp"

namespace cachet::dmarc {
namespace {

using Stmt = CPtr<sqlite3_stmt, &sqlite3_finalize>;

sqlite3* handle(void* p) { return static_cast<sqlite3*>(p); }

Unexpected<Error> db_error(void* db, std::string_view what) {
  return fail(Errc::temporary, std::string(what) + ": " + (db ? sqlite3_errmsg(handle(db)) : "no database"));
}

const char* sql_type(ColumnType t) { return t == ColumnType::integer ? "INTEGER" : "TEXT"; }

std::string create_sql() {
  std::string cols;
  for (const HistoryColumn& c : history_columns())
    cols += (cols.empty() ? "" : ", ") + std::string(c.name) + " " + sql_type(c.type);
  return "CREATE TABLE IF NOT EXISTS messages (" + cols +
         ");CREATE INDEX IF NOT EXISTS messages_received ON messages(received);";
}

Result<Stmt> prepare(void* db, const std::string& sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(handle(db), sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) return db_error(db, "prepare");
  return Stmt(raw);
}

std::string column_text(sqlite3_stmt* s, int i) {
  const unsigned char* t = sqlite3_column_text(s, i);
  return t ? reinterpret_cast<const char*>(t) : "";
}

}  // namespace

SqliteHistoryStore::SqliteHistoryStore(std::string path) : path_(std::move(path)) {}

SqliteHistoryStore::~SqliteHistoryStore() {
  sqlite3_finalize(static_cast<sqlite3_stmt*>(insert_));
  if (db_ != nullptr) sqlite3_close(handle(db_));
}

Result<void> SqliteHistoryStore::migrate_locked() {
  auto info = prepare(db_, "PRAGMA table_info(messages)");
  if (!info) return Unexpected<Error>(info.error());
  std::set<std::string> have;
  while (sqlite3_step(info->get()) == SQLITE_ROW) have.insert(column_text(info->get(), 1));
  for (const HistoryColumn& c : history_columns()) {
    if (have.count(std::string(c.name))) continue;
    const std::string sql = "ALTER TABLE messages ADD COLUMN " + std::string(c.name) + " " + sql_type(c.type);
    if (sqlite3_exec(handle(db_), sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) return db_error(db_, "migrate");
  }
  return {};
}

Result<void> SqliteHistoryStore::open_locked() {
  if (db_ != nullptr) return {};
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  db_ = db;  // sqlite3_open_v2 allocates a handle even on failure: closed below or in ~
  auto close_on_error = [&](Unexpected<Error> e) {
    sqlite3_close(handle(db_));
    db_ = nullptr;
    return e;
  };
  if (rc != SQLITE_OK) return close_on_error(db_error(db_, "open " + path_));
  sqlite3_busy_timeout(db, 2000);  // several MX processes may share one file
  // WAL without a sync per commit: a commit is an append to the -wal file, synced at
  // checkpoints. The rollback journal cost an fdatasync, a create and an unlink per batch
  // (a quarter of cachet-dmarc's CPU under load); a power cut may now lose the last
  // records of a report history, never corrupt it. Readers (cachetctl) don't block writers.
  if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", nullptr, nullptr, nullptr) != SQLITE_OK)
    return close_on_error(db_error(db_, "journal mode"));
  if (sqlite3_exec(db, create_sql().c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
    return close_on_error(db_error(db_, "schema"));
  if (auto m = migrate_locked(); !m) return close_on_error(Unexpected<Error>(m.error()));
  return {};
}

Result<void> SqliteHistoryStore::add_batch(std::span<const HistoryRecord> records) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto o = open_locked(); !o) return o;
  const auto columns = history_columns();
  if (insert_ == nullptr) {  // compiling the INSERT per batch was most of SQLite's CPU
    std::string marks;
    for (std::size_t i = 0; i < columns.size(); ++i) marks += i ? ",?" : "?";
    const std::string sql = "INSERT INTO messages (" + history_column_list() + ") VALUES (" + marks + ")";
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v3(handle(db_), sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr) != SQLITE_OK)
      return db_error(db_, "prepare");
    insert_ = raw;
  }
  sqlite3_stmt* const stmt = static_cast<sqlite3_stmt*>(insert_);
  if (sqlite3_exec(handle(db_), "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) return db_error(db_, "begin");
  for (const HistoryRecord& r : records) {
    sqlite3_reset(stmt);
    int i = 1;
    for (const HistoryColumn& c : columns) {
      const std::string v = c.get(r);
      sqlite3_bind_text(stmt, i++, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    }
    if (sqlite3_step(stmt) != SQLITE_DONE) {
      auto e = db_error(db_, "insert");
      sqlite3_exec(handle(db_), "ROLLBACK", nullptr, nullptr, nullptr);
      return e;
    }
  }
  sqlite3_reset(stmt);  // a finished statement holds nothing, but be explicit before COMMIT
  if (sqlite3_exec(handle(db_), "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    auto e = db_error(db_, "commit");
    sqlite3_exec(handle(db_), "ROLLBACK", nullptr, nullptr, nullptr);
    return e;
  }
  return {};
}

Result<std::vector<HistoryRecord>> SqliteHistoryStore::range(std::int64_t from, std::int64_t to) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto o = open_locked(); !o) return Unexpected<Error>(o.error());
  auto s = prepare(db_, "SELECT " + history_column_list() +
                            " FROM messages WHERE received >= ? AND received < ? ORDER BY received, rowid");
  if (!s) return Unexpected<Error>(s.error());
  sqlite3_bind_int64(s->get(), 1, from);
  sqlite3_bind_int64(s->get(), 2, to);
  std::vector<HistoryRecord> out;
  int rc;
  while ((rc = sqlite3_step(s->get())) == SQLITE_ROW) {
    HistoryRecord r;
    int i = 0;
    for (const HistoryColumn& c : history_columns()) c.set(r, column_text(s->get(), i++));
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return db_error(db_, "select");
  return out;
}

}  // namespace cachet::dmarc

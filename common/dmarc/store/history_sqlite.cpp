// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/store/history_sqlite.cpp: see history_sqlite.hpp.
#include "common/dmarc/store/history_sqlite.hpp"

#include <sqlite3.h>

#include <set>

#include "common/base/c_ptr.hpp"

namespace cachet::dmarc {
namespace {

using Stmt = CPtr<sqlite3_stmt, &sqlite3_finalize>;

Unexpected<Error> db_error(sqlite3* db, std::string_view what) {
  return fail(Errc::temporary, std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "no database"));
}

const char* sql_type(ColumnType t) { return t == ColumnType::integer ? "INTEGER" : "TEXT"; }

std::string create_sql() {
  std::string cols;
  for (const HistoryColumn& c : history_columns())
    cols += (cols.empty() ? "" : ", ") + std::string(c.name) + " " + sql_type(c.type);
  return "CREATE TABLE IF NOT EXISTS messages (" + cols +
         ");CREATE INDEX IF NOT EXISTS messages_received ON messages(received);";
}

Result<Stmt> prepare(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) return db_error(db, "prepare");
  return Stmt(raw);
}

std::string column_text(sqlite3_stmt* s, int i) {
  const unsigned char* t = sqlite3_column_text(s, i);
  return t ? reinterpret_cast<const char*>(t) : "";
}

}  // namespace

SqliteHistoryStore::SqliteHistoryStore(std::string path) : path_(std::move(path)) {}

void SqliteHistoryStore::Close::operator()(sqlite3* db) const noexcept { sqlite3_close(db); }
void SqliteHistoryStore::Finalize::operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }

SqliteHistoryStore::~SqliteHistoryStore() = default;

Result<void> SqliteHistoryStore::migrate_locked() {
  auto info = prepare(db_.get(), "PRAGMA table_info(messages)");
  if (!info) return Unexpected<Error>(info.error());
  std::set<std::string> have;
  while (sqlite3_step(info->get()) == SQLITE_ROW) have.insert(column_text(info->get(), 1));
  for (const HistoryColumn& c : history_columns()) {
    if (have.count(std::string(c.name))) continue;
    const std::string sql = "ALTER TABLE messages ADD COLUMN " + std::string(c.name) + " " + sql_type(c.type);
    if (sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
      return db_error(db_.get(), "migrate");
  }
  return {};
}

Result<void> SqliteHistoryStore::open_locked() {
  if (db_) return {};
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path_.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  std::unique_ptr<sqlite3, Close> db(raw);  // allocated even on failure: closed on every error path
  if (rc != SQLITE_OK) return db_error(db.get(), "open " + path_);
  sqlite3_busy_timeout(db.get(), 2000);  // several MX processes may share one file
  // WAL without a sync per commit: a commit is an append to the -wal file, synced at
  // checkpoints. The rollback journal cost an fdatasync, a create and an unlink per batch
  // (a quarter of cachet-dmarc's CPU under load); a power cut may now lose the last
  // records of a report history, never corrupt it. Readers (cachetctl) don't block writers.
  if (sqlite3_exec(db.get(), "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", nullptr, nullptr, nullptr) !=
      SQLITE_OK)
    return db_error(db.get(), "journal mode");
  if (sqlite3_exec(db.get(), create_sql().c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
    return db_error(db.get(), "schema");
  db_ = std::move(db);
  if (auto m = migrate_locked(); !m) {
    db_.reset();
    return Unexpected<Error>(m.error());
  }
  return {};
}

Result<void> SqliteHistoryStore::add_batch(std::span<const HistoryRecord> records) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto o = open_locked(); !o) return o;
  const auto columns = history_columns();
  if (!insert_) {  // compiling the INSERT per batch was most of SQLite's CPU
    std::string marks;
    for (std::size_t i = 0; i < columns.size(); ++i) marks += i ? ",?" : "?";
    const std::string sql = "INSERT INTO messages (" + history_column_list() + ") VALUES (" + marks + ")";
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v3(db_.get(), sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr) != SQLITE_OK)
      return db_error(db_.get(), "prepare");
    insert_.reset(raw);
  }
  sqlite3_stmt* const stmt = insert_.get();
  if (sqlite3_exec(db_.get(), "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) return db_error(db_.get(), "begin");
  for (const HistoryRecord& r : records) {
    sqlite3_reset(stmt);
    int i = 1;
    for (const HistoryColumn& c : columns) {
      const std::string v = c.get(r);
      sqlite3_bind_text(stmt, i++, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    }
    if (sqlite3_step(stmt) != SQLITE_DONE) {
      auto e = db_error(db_.get(), "insert");
      sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
      return e;
    }
  }
  sqlite3_reset(stmt);  // a finished statement holds nothing, but be explicit before COMMIT
  if (sqlite3_exec(db_.get(), "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    auto e = db_error(db_.get(), "commit");
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    return e;
  }
  return {};
}

Result<std::vector<HistoryRecord>> SqliteHistoryStore::range(std::int64_t from, std::int64_t to) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto o = open_locked(); !o) return Unexpected<Error>(o.error());
  auto s = prepare(db_.get(), "SELECT " + history_column_list() +
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
  if (rc != SQLITE_DONE) return db_error(db_.get(), "select");
  return out;
}

}  // namespace cachet::dmarc

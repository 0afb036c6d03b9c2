// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/store/history_sqlite.hpp: the embedded history store (the default): one SQLite
// file, table `messages` with history_columns(). Opened lazily on first use, so that the
// file is created by the unprivileged daemon user (not root at startup); a file of the
// first schema gains the newer columns (ALTER TABLE ADD COLUMN). busy_timeout 2 s, because
// cachetctl or several processes may share the file. A batch is one transaction.
// Thread-safety: calls are serialised by a mutex. Errors: Errc::temporary.
// See also: ../history.hpp, history_pg.hpp (same schema), tests/unit/common/dmarc/history_test.cpp
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "common/dmarc/history.hpp"

// sqlite3.h's handle types, opaque here so that the header needs no sqlite3.h.
struct sqlite3;
struct sqlite3_stmt;

namespace cachet::dmarc {

class SqliteHistoryStore final : public HistoryStore {
 public:
  explicit SqliteHistoryStore(std::string path);
  ~SqliteHistoryStore() override;
  SqliteHistoryStore(const SqliteHistoryStore&) = delete;
  SqliteHistoryStore& operator=(const SqliteHistoryStore&) = delete;

  Result<void> add_batch(std::span<const HistoryRecord> records) override;
  Result<std::vector<HistoryRecord>> range(std::int64_t from, std::int64_t to) override;
  std::string describe() const override { return "sqlite:" + path_; }

 private:
  Result<void> open_locked();
  Result<void> migrate_locked();
  std::string path_;
  std::mutex mu_;
  struct Close {
    void operator()(sqlite3* db) const noexcept;  // sqlite3_close
  };
  struct Finalize {
    void operator()(sqlite3_stmt* stmt) const noexcept;  // sqlite3_finalize
  };
  std::unique_ptr<sqlite3, Close> db_;
  // The INSERT, compiled once per open handle; declared after db_, so finalized first.
  std::unique_ptr<sqlite3_stmt, Finalize> insert_;
};

}  // namespace cachet::dmarc

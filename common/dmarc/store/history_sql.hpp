// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/store/history_sql.hpp: what both history stores share, over one SqlConn
// (sql.hpp): table `messages` with the columns of history_columns(), a batch in one
// transaction (all or nothing, so a retried batch is never half-stored: rolled back on any
// failure) as multi-row INSERTs in record order, the records of a period in insertion
// order. The back ends differ only in the connection's settings and the schema they make
// when it opens (history_sqlite.hpp, history_pg.hpp). Thread-safety: calls are serialised
// by a mutex. Errors: Errc::temporary.
// See also: ../history.hpp, tests/unit/common/dmarc/history_test.cpp,
// tests/integration/dmarc_history_pg_test.cpp
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <string>

#include "common/dmarc/history.hpp"
#include "common/dmarc/store/sql.hpp"

namespace cachet::dmarc {

class SqlHistoryStore : public HistoryStore {
 public:
  Result<void> add_batch(std::span<const HistoryRecord> records) override;
  Result<std::vector<HistoryRecord>> range(std::int64_t from, std::int64_t to) override;
  std::string describe() const override { return conn_->describe(); }

 protected:
  // `order_column`: the insertion order (SQLite's rowid, the PostgreSQL table's id).
  SqlHistoryStore(std::unique_ptr<SqlConn> conn, std::string order_column);

 private:
  // Rows per INSERT statement, largest first, the last 1: a statement per record cost ~5k
  // instructions in SQLite beyond the rows' own work; each size is compiled once per
  // connection (~0.3M instructions per row of the statement: callgrind).
  static constexpr std::array<std::size_t, 3> kRowsPerInsert = {16, 4, 1};

  std::mutex mu_;
  std::unique_ptr<SqlConn> conn_;
  std::array<std::string, kRowsPerInsert.size()> insert_sql_;
  const std::string range_sql_;
};

}  // namespace cachet::dmarc

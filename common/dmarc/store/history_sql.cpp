// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/store/history_sql.cpp: see history_sql.hpp.
#include "common/dmarc/store/history_sql.hpp"

namespace cachet::dmarc {
namespace {

// One INSERT of `rows` records ($1..$N row after row).
std::string insert_sql(std::size_t rows) {
  const std::size_t n = history_columns().size();
  std::string sql = "INSERT INTO messages (" + history_column_list() + ") VALUES ";
  for (std::size_t row = 0; row < rows; ++row) {
    sql += row == 0 ? "(" : ",(";
    for (std::size_t i = 1; i <= n; ++i) sql += (i > 1 ? ",$" : "$") + std::to_string(row * n + i);
    sql += ')';
  }
  return sql;
}

}  // namespace

SqlHistoryStore::SqlHistoryStore(std::unique_ptr<SqlConn> conn, std::string order_column)
    : conn_(std::move(conn)),
      range_sql_("SELECT " + history_column_list() +
                 " FROM messages WHERE received >= $1 AND received < $2 ORDER BY received, " + order_column) {
  for (std::size_t i = 0; i < kRowsPerInsert.size(); ++i) insert_sql_[i] = insert_sql(kRowsPerInsert[i]);
}

Result<void> SqlHistoryStore::add_batch(std::span<const HistoryRecord> records) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto b = conn_->exec("BEGIN"); !b) return b;
  const auto columns = history_columns();
  std::vector<SqlValue> values;
  std::size_t size = 0;  // index into kRowsPerInsert: the largest statement that fits what is left
  while (!records.empty()) {
    while (kRowsPerInsert[size] > records.size()) ++size;
    const std::size_t rows = kRowsPerInsert[size];
    values.clear();
    for (const HistoryRecord& r : records.first(rows))
      for (const HistoryColumn& c : columns) values.push_back(c.get(r));
    if (auto ins = conn_->query_values(insert_sql_[size], values); !ins) {
      conn_->rollback();
      return Unexpected<Error>(ins.error());
    }
    records = records.subspan(rows);
  }
  if (auto c = conn_->exec("COMMIT"); !c) {
    conn_->rollback();
    return c;
  }
  return {};
}

Result<std::vector<HistoryRecord>> SqlHistoryStore::range(std::int64_t from, std::int64_t to) {
  std::lock_guard<std::mutex> lock(mu_);
  auto rows = conn_->query(range_sql_, {std::to_string(from), std::to_string(to)});
  if (!rows) return Unexpected<Error>(rows.error());
  const auto columns = history_columns();
  std::vector<HistoryRecord> out(rows->size());
  for (std::size_t row = 0; row < rows->size(); ++row)
    for (std::size_t i = 0; i < columns.size() && i < (*rows)[row].size(); ++i)
      columns[i].set(out[row], (*rows)[row][i]);
  return out;
}

}  // namespace cachet::dmarc

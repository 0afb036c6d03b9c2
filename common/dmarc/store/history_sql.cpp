// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/store/history_sql.cpp: see history_sql.hpp.
#include "common/dmarc/store/history_sql.hpp"

namespace cachet::dmarc {
namespace {

std::string insert_sql() {
  std::string marks;
  for (std::size_t i = 1; i <= history_columns().size(); ++i) marks += (i > 1 ? ",$" : "$") + std::to_string(i);
  return "INSERT INTO messages (" + history_column_list() + ") VALUES (" + marks + ")";
}

}  // namespace

SqlHistoryStore::SqlHistoryStore(std::unique_ptr<SqlConn> conn, std::string order_column)
    : conn_(std::move(conn)),
      insert_sql_(insert_sql()),
      range_sql_("SELECT " + history_column_list() +
                 " FROM messages WHERE received >= $1 AND received < $2 ORDER BY received, " + order_column) {}

Result<void> SqlHistoryStore::add_batch(std::span<const HistoryRecord> records) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto b = conn_->exec("BEGIN"); !b) return b;
  const auto columns = history_columns();
  std::vector<SqlValue> values(columns.size());
  for (const HistoryRecord& r : records) {
    for (std::size_t i = 0; i < columns.size(); ++i) values[i] = columns[i].get(r);
    if (auto ins = conn_->query_values(insert_sql_, values); !ins) {
      conn_->rollback();
      return Unexpected<Error>(ins.error());
    }
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

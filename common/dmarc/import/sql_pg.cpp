// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/import/sql_pg.cpp: the PostgreSQL SqlConn (see sql.hpp). Connected lazily
// on the first statement; a failed statement inside a transaction leaves it to the caller's
// ROLLBACK.
#include <libpq-fe.h>

#include "common/base/c_ptr.hpp"
#include "common/dmarc/import/sql.hpp"

namespace cachet::dmarc::import {
namespace {

using PgConn = CPtr<PGconn, &PQfinish>;
using PgResult = CPtr<PGresult, &PQclear>;

// '?' -> $1, $2, ... (the store's SQL holds no '?' in literals).
std::string number_placeholders(const std::string& sql) {
  std::string out;
  int n = 0;
  for (const char c : sql) out += c == '?' ? "$" + std::to_string(++n) : std::string(1, c);
  return out;
}

class PgSqlConn final : public SqlConn {
 public:
  explicit PgSqlConn(std::string conninfo) : conninfo_(std::move(conninfo)) {}

  Result<void> exec(const std::string& sql) override {
    if (auto c = connect(); !c) return c;
    const PgResult r(PQexec(conn_.get(), sql.c_str()));
    if (!r || (PQresultStatus(r.get()) != PGRES_COMMAND_OK && PQresultStatus(r.get()) != PGRES_TUPLES_OK))
      return error("exec");
    return {};
  }

  Result<std::vector<SqlRow>> query(const std::string& sql, const std::vector<std::string>& params) override {
    if (auto c = connect(); !c) return Unexpected<Error>(c.error());
    std::vector<const char*> values;
    for (const std::string& p : params) values.push_back(p.c_str());
    const PgResult r(PQexecParams(conn_.get(), number_placeholders(sql).c_str(), static_cast<int>(values.size()),
                                  nullptr, values.data(), nullptr, nullptr, 0));
    if (!r || (PQresultStatus(r.get()) != PGRES_COMMAND_OK && PQresultStatus(r.get()) != PGRES_TUPLES_OK))
      return error("statement");
    std::vector<SqlRow> rows(static_cast<std::size_t>(PQntuples(r.get())));
    for (int i = 0; i < PQntuples(r.get()); ++i)
      for (int c = 0; c < PQnfields(r.get()); ++c)
        rows[static_cast<std::size_t>(i)].emplace_back(PQgetvalue(r.get(), i, c));
    return rows;
  }

  std::string_view id_column() const override { return "BIGSERIAL PRIMARY KEY"; }
  std::string describe() const override { return "postgresql"; }

 private:
  Result<void> connect() {
    if (conn_ && PQstatus(conn_.get()) == CONNECTION_OK) return {};
    const char* keys[] = {"connect_timeout", "fallback_application_name", "dbname", nullptr};
    const char* values[] = {"5", "cachetctl", conninfo_.c_str(), nullptr};
    conn_.reset(PQconnectdbParams(keys, values, 1));
    if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) return error("connect");
    const PgResult set(PQexec(conn_.get(), "SET statement_timeout = 60000; SET client_min_messages = warning"));
    if (!set || PQresultStatus(set.get()) != PGRES_COMMAND_OK) return error("connect");
    return {};
  }

  Unexpected<Error> error(std::string_view what) const {
    std::string m = conn_ ? PQerrorMessage(conn_.get()) : "no connection";
    for (char& ch : m) ch = ch == '\n' ? ' ' : ch;
    while (!m.empty() && m.back() == ' ') m.pop_back();
    return fail(Errc::temporary, "postgresql " + std::string(what) + ": " + m);
  }

  std::string conninfo_;
  PgConn conn_;
};

}  // namespace

std::unique_ptr<SqlConn> make_pg_conn(std::string conninfo) { return std::make_unique<PgSqlConn>(std::move(conninfo)); }

}  // namespace cachet::dmarc::import

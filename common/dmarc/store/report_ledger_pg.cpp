// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/store/report_ledger_pg.cpp: the ledger's PostgreSQL database (see
// report_ledger_backends.hpp): the fleet's history database, one connection of
// cachetctl's own (application name cachetctl-dmarc-report, connect_timeout 5,
// statement_timeout 30 s), dropped and reopened after a failure.
#include <libpq-fe.h>

#include "common/base/c_ptr.hpp"
#include "common/dmarc/store/report_ledger_backends.hpp"

namespace cachet::dmarc {
namespace {

using PgResult = CPtr<PGresult, &PQclear>;
using PgConn = CPtr<PGconn, &PQfinish>;

class PgLedgerDb final : public LedgerDb {
 public:
  explicit PgLedgerDb(std::string conninfo) : conninfo_(std::move(conninfo)) {}

  Result<LedgerRows> query(const char* sql, const std::vector<std::string>& params) override {
    if (auto c = connect(); !c) return Unexpected<Error>(c.error());
    std::vector<const char*> values;
    for (const std::string& p : params) values.push_back(p.c_str());
    const PgResult res(
        PQexecParams(conn_.get(), sql, static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0));
    const ExecStatusType st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) return error("statement");
    LedgerRows rows(static_cast<std::size_t>(PQntuples(res.get())));
    for (int r = 0; r < PQntuples(res.get()); ++r)
      for (int c = 0; c < PQnfields(res.get()); ++c)
        rows[static_cast<std::size_t>(r)].emplace_back(PQgetvalue(res.get(), r, c));
    return rows;
  }

  Result<void> script(const char* sql) override {
    if (auto c = connect(); !c) return c;
    // Concurrent CREATE TABLE IF NOT EXISTS can still collide in the catalog (a unique
    // violation on pg_type): runs of a fleet starting together take turns.
    const PgResult lock(PQexec(conn_.get(), "SELECT pg_advisory_lock(7489990)"));
    if (!lock || PQresultStatus(lock.get()) != PGRES_TUPLES_OK) return error("schema lock");
    const PgResult res(PQexec(conn_.get(), sql));
    const bool created = res && PQresultStatus(res.get()) == PGRES_COMMAND_OK;
    auto e = created ? Unexpected<Error>(Error{}) : error("schema");
    if (conn_) PgResult(PQexec(conn_.get(), "SELECT pg_advisory_unlock(7489990)"));
    if (!created) return e;
    return {};
  }

 private:
  Unexpected<Error> error(std::string_view what) {
    std::string m = conn_ ? PQerrorMessage(conn_.get()) : "no connection";
    for (char& ch : m) ch = (ch == '\n') ? ' ' : ch;  // one log line
    if (conn_ && PQstatus(conn_.get()) != CONNECTION_OK) conn_.reset();
    return fail(Errc::temporary, "postgresql " + std::string(what) + ": " + std::string(m));
  }

  Result<void> connect() {
    if (conn_ && PQstatus(conn_.get()) == CONNECTION_OK) return {};
    // Our keywords first, so that the admin's conninfo (expanded from dbname) overrides them.
    const char* keys[] = {"connect_timeout", "fallback_application_name", "dbname", nullptr};
    const char* values[] = {"5", "cachetctl-dmarc-report", conninfo_.c_str(), nullptr};
    conn_.reset(PQconnectdbParams(keys, values, 1));
    if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) return error("connect");
    const PgResult set(PQexec(conn_.get(), "SET statement_timeout = 30000; SET client_min_messages = warning"));
    if (!set || PQresultStatus(set.get()) != PGRES_COMMAND_OK) return error("session settings");
    return {};
  }

  std::string conninfo_;
  PgConn conn_;
};

}  // namespace

std::unique_ptr<LedgerDb> make_pg_ledger_db(std::string conninfo) {
  return std::make_unique<PgLedgerDb>(std::move(conninfo));
}

}  // namespace cachet::dmarc

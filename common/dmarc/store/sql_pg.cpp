// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/store/sql_pg.cpp: the PostgreSQL SqlConn (see sql.hpp) and the conninfo
// checks. A failed statement leaves a transaction to the caller's rollback(); a connection
// found broken is dropped, and the next statement reconnects (and prepares again).
#include <libpq-fe.h>

#include <map>

#include "common/base/c_ptr.hpp"
#include "common/base/strings.hpp"
#include "common/dmarc/store/sql.hpp"

namespace cachet::dmarc {
namespace {

using PgConn = CPtr<PGconn, &PQfinish>;
using PgResult = CPtr<PGresult, &PQclear>;
using ConninfoOptions = CPtr<PQconninfoOption, &PQconninfoFree>;
using PgText = CPtr<char, &PQfreemem>;

// The advisory lock exec_schema() holds (any constant; the same on every host).
constexpr const char* kSchemaLock = "7489990";

ConninfoOptions parse_conninfo(std::string_view conninfo, std::string& error) {
  char* err_raw = nullptr;
  ConninfoOptions opts(PQconninfoParse(std::string(conninfo).c_str(), &err_raw));
  const PgText err(err_raw);  // PQconninfoParse allocates the message with malloc (PQfreemem)
  if (err) error = err.get();
  return opts;
}

std::string describe_conninfo(std::string_view conninfo) {
  std::string error, host, port, db;
  const ConninfoOptions opts = parse_conninfo(conninfo, error);
  for (const PQconninfoOption* o = opts.get(); o && o->keyword; ++o) {
    if (o->val == nullptr) continue;
    const std::string_view k = o->keyword;
    if (k == "host") host = o->val;
    if (k == "port") port = o->val;
    if (k == "dbname") db = o->val;
  }
  return "postgresql:" + host + (port.empty() ? "" : ":" + port) + "/" + db;
}

bool succeeded(const PgResult& r) {
  const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

class PgSqlConn final : public SqlConn {
 public:
  PgSqlConn(std::string conninfo, SqlSettings settings)
      : conninfo_(std::move(conninfo)), describe_(describe_conninfo(conninfo_)), settings_(std::move(settings)) {}

  Result<void> exec(const std::string& sql) override {
    if (auto c = connect(); !c) return c;
    if (!succeeded(PgResult(PQexec(conn_.get(), sql.c_str())))) return error("exec");
    return {};
  }

  Result<void> exec_schema(const std::string& sql) override {
    if (auto c = connect(); !c) return c;
    const std::string lock = std::string("SELECT pg_advisory_lock(") + kSchemaLock + ")";
    if (!succeeded(PgResult(PQexec(conn_.get(), lock.c_str())))) return error("schema lock");
    const bool created = succeeded(PgResult(PQexec(conn_.get(), sql.c_str())));
    auto e = created ? Unexpected<Error>(Error{}) : error("schema");
    if (conn_) {
      const std::string unlock = std::string("SELECT pg_advisory_unlock(") + kSchemaLock + ")";
      PgResult(PQexec(conn_.get(), unlock.c_str()));
    }
    if (!created) return e;
    return {};
  }

  Result<std::vector<SqlRow>> query_values(const std::string& sql, std::span<const SqlValue> params) override {
    if (auto c = connect(); !c) return Unexpected<Error>(c.error());
    auto name = statement_name(sql);
    if (!name) return Unexpected<Error>(name.error());
    // Every parameter travels as text, NUL-terminated (the server's input functions convert).
    std::vector<std::string> texts;
    texts.reserve(params.size());
    for (const SqlValue& p : params)
      texts.push_back(std::holds_alternative<std::int64_t>(p) ? std::to_string(std::get<std::int64_t>(p))
                                                              : std::string(std::get<std::string_view>(p)));
    std::vector<const char*> values;
    for (const std::string& p : texts) values.push_back(p.c_str());
    const PgResult r(PQexecPrepared(conn_.get(), name->c_str(), static_cast<int>(values.size()), values.data(), nullptr,
                                    nullptr, 0));
    if (!succeeded(r)) return error("statement");
    std::vector<SqlRow> rows(static_cast<std::size_t>(PQntuples(r.get())));
    for (int i = 0; i < PQntuples(r.get()); ++i)
      for (int c = 0; c < PQnfields(r.get()); ++c)
        rows[static_cast<std::size_t>(i)].emplace_back(PQgetvalue(r.get(), i, c));
    return rows;
  }

  void rollback() noexcept override {
    if (conn_ && PQstatus(conn_.get()) == CONNECTION_OK && PQtransactionStatus(conn_.get()) != PQTRANS_IDLE)
      PgResult(PQexec(conn_.get(), "ROLLBACK"));
  }

  bool is_postgres() const noexcept override { return true; }
  std::string_view id_column() const noexcept override { return "BIGSERIAL PRIMARY KEY"; }
  std::string describe() const override { return describe_; }

 private:
  // The prepared statement of `sql` on this connection, prepared on first use.
  Result<std::string> statement_name(const std::string& sql) {
    if (const auto it = prepared_.find(sql); it != prepared_.end()) return it->second;
    std::string name = "cachet_" + std::to_string(prepared_.size() + 1);
    if (!succeeded(PgResult(PQprepare(conn_.get(), name.c_str(), sql.c_str(), 0, nullptr)))) return error("prepare");
    prepared_.emplace(sql, name);
    return name;
  }

  // The server's message on one line; drops a connection that is broken, so that the next
  // statement reconnects.
  Unexpected<Error> error(std::string_view what) {
    std::string m = conn_ ? PQerrorMessage(conn_.get()) : "no connection";
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
    for (char& ch : m) ch = ch == '\n' ? ' ' : ch;  // one log line
    if (conn_ && PQstatus(conn_.get()) != CONNECTION_OK) drop();
    return fail(Errc::temporary, "postgresql " + std::string(what) + ": " + m);
  }

  void drop() noexcept {
    prepared_.clear();
    conn_.reset();
  }

  Result<void> connect() {
    if (conn_ && PQstatus(conn_.get()) == CONNECTION_OK) return {};
    drop();
    // Keywords are applied in order: ours first, so that the admin's conninfo (expanded
    // from dbname) overrides them.
    const char* keys[] = {"connect_timeout", "fallback_application_name", "dbname", nullptr};
    const char* values[] = {"5", settings_.application_name.c_str(), conninfo_.c_str(), nullptr};
    conn_.reset(PQconnectdbParams(keys, values, 1));
    auto connected = [&]() -> Result<void> {
      if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) return error("connect to " + describe_);
      const std::string set = "SET statement_timeout = " + std::to_string(settings_.statement_timeout_ms) +
                              "; SET client_min_messages = warning";
      if (!succeeded(PgResult(PQexec(conn_.get(), set.c_str())))) return error("session settings");
      if (settings_.on_open) return settings_.on_open(*this);
      return {};
    }();
    if (!connected) drop();  // the next statement connects again
    return connected;
  }

  std::string conninfo_, describe_;
  SqlSettings settings_;
  PgConn conn_;
  std::map<std::string, std::string> prepared_;  // SQL text -> statement name on conn_
};

}  // namespace

std::unique_ptr<SqlConn> make_pg_conn(std::string conninfo, SqlSettings settings) {
  return std::make_unique<PgSqlConn>(std::move(conninfo), std::move(settings));
}

Result<void> check_pg_conninfo(std::string_view conninfo) {
  std::string error;
  const ConninfoOptions opts = parse_conninfo(conninfo, error);
  if (!opts) return fail(Errc::config, "not a PostgreSQL URI or conninfo: " + std::string(trim(error)));
  for (const PQconninfoOption* o = opts.get(); o->keyword; ++o)
    if (std::string_view(o->keyword) == "password" && o->val != nullptr && *o->val != '\0')
      return fail(Errc::config,
                  "a password does not belong in the configuration: use a passfile "
                  "(passfile= in the conninfo, or PGPASSFILE)");
  return {};
}

}  // namespace cachet::dmarc

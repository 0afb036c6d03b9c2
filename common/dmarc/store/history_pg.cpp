// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/store/history_pg.cpp: see history_pg.hpp.
#include "common/dmarc/store/history_pg.hpp"

#include <libpq-fe.h>

#include <vector>

#include "common/base/c_ptr.hpp"

namespace cachet::dmarc {
namespace {

using PgResult = CPtr<PGresult, &PQclear>;
using ConninfoOptions = CPtr<PQconninfoOption, &PQconninfoFree>;
using PgText = CPtr<char, &PQfreemem>;
constexpr const char* kInsert = "cachet_history_insert";

std::string pg_message(PGconn* c) {
  std::string m = c ? PQerrorMessage(c) : "no connection";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  for (char& ch : m) ch = ch == '\n' ? ' ' : ch;  // one log line
  return m;
}

Unexpected<Error> pg_error(PGconn* c, std::string_view what) {
  return fail(Errc::temporary, "postgresql " + std::string(what) + ": " + pg_message(c));
}

const char* pg_type(ColumnType t) { return t == ColumnType::integer ? "BIGINT" : "TEXT"; }

std::string schema_sql() {
  std::string cols = "id BIGSERIAL PRIMARY KEY";
  std::string add;
  for (const HistoryColumn& c : history_columns()) {
    cols += ", " + std::string(c.name) + " " + pg_type(c.type);
    add += "ALTER TABLE messages ADD COLUMN IF NOT EXISTS " + std::string(c.name) + " " + pg_type(c.type) + ";";
  }
  return "CREATE TABLE IF NOT EXISTS messages (" + cols + ");" + add +
         "CREATE INDEX IF NOT EXISTS messages_received ON messages(received);";
}

bool ok(const PgResult& r, ExecStatusType want) { return r && PQresultStatus(r.get()) == want; }

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

}  // namespace

PgHistoryStore::PgHistoryStore(std::string conninfo)
    : conninfo_(std::move(conninfo)), describe_(describe_conninfo(conninfo_)) {}

void PgHistoryStore::Finish::operator()(pg_conn* c) const noexcept { PQfinish(c); }

PgHistoryStore::~PgHistoryStore() = default;

void PgHistoryStore::drop_locked() { conn_.reset(); }

Result<void> PgHistoryStore::connect_locked() {
  if (conn_ && PQstatus(conn_.get()) == CONNECTION_OK) return {};
  drop_locked();
  // Keywords are applied in order: ours first, so that the admin's conninfo (expanded
  // from dbname) overrides them.
  const char* keys[] = {"connect_timeout", "fallback_application_name", "dbname", nullptr};
  const char* values[] = {"5", "cachet-dmarc", conninfo_.c_str(), nullptr};
  conn_.reset(PQconnectdbParams(keys, values, 1));
  if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) {
    auto e = pg_error(conn_.get(), "connect to " + describe_);
    drop_locked();
    return e;
  }
  const PgResult set(PQexec(conn_.get(), "SET statement_timeout = 10000; SET client_min_messages = warning"));
  const PgResult schema(PQexec(conn_.get(), schema_sql().c_str()));
  if (!ok(set, PGRES_COMMAND_OK) || !ok(schema, PGRES_COMMAND_OK)) {
    auto e = pg_error(conn_.get(), "schema");
    drop_locked();
    return e;
  }
  std::string marks;
  for (std::size_t i = 1; i <= history_columns().size(); ++i) marks += (i > 1 ? ",$" : "$") + std::to_string(i);
  const std::string sql = "INSERT INTO messages (" + history_column_list() + ") VALUES (" + marks + ")";
  const PgResult prep(PQprepare(conn_.get(), kInsert, sql.c_str(), 0, nullptr));
  if (!ok(prep, PGRES_COMMAND_OK)) {
    auto e = pg_error(conn_.get(), "prepare");
    drop_locked();
    return e;
  }
  return {};
}

Result<void> PgHistoryStore::add_batch(std::span<const HistoryRecord> records) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto c = connect_locked(); !c) return c;
  PGconn* c = conn_.get();
  auto failed = [&](std::string_view what) {
    auto e = pg_error(conn_.get(), what);
    if (PQstatus(c) != CONNECTION_OK)
      drop_locked();  // reconnect next time
    else
      PgResult(PQexec(c, "ROLLBACK"));
    return e;
  };
  if (!ok(PgResult(PQexec(c, "BEGIN")), PGRES_COMMAND_OK)) return failed("begin");
  const auto columns = history_columns();
  std::vector<std::string> text(columns.size());
  std::vector<const char*> params(columns.size());
  for (const HistoryRecord& r : records) {
    for (std::size_t i = 0; i < columns.size(); ++i) {
      text[i] = columns[i].get(r);
      params[i] = text[i].c_str();
    }
    const PgResult res(PQexecPrepared(c, kInsert, static_cast<int>(params.size()), params.data(), nullptr, nullptr, 0));
    if (!ok(res, PGRES_COMMAND_OK)) return failed("insert");
  }
  if (!ok(PgResult(PQexec(c, "COMMIT")), PGRES_COMMAND_OK)) return failed("commit");
  return {};
}

Result<std::vector<HistoryRecord>> PgHistoryStore::range(std::int64_t from, std::int64_t to) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto c = connect_locked(); !c) return Unexpected<Error>(c.error());
  const std::string sql =
      "SELECT " + history_column_list() + " FROM messages WHERE received >= $1 AND received < $2 ORDER BY received, id";
  const std::string a = std::to_string(from), b = std::to_string(to);
  const char* params[] = {a.c_str(), b.c_str()};
  const PgResult res(PQexecParams(conn_.get(), sql.c_str(), 2, nullptr, params, nullptr, nullptr, 0));
  if (!ok(res, PGRES_TUPLES_OK)) {
    auto e = pg_error(conn_.get(), "select");
    if (PQstatus(conn_.get()) != CONNECTION_OK) drop_locked();
    return e;
  }
  const auto columns = history_columns();
  std::vector<HistoryRecord> out(static_cast<std::size_t>(PQntuples(res.get())));
  for (int row = 0; row < PQntuples(res.get()); ++row)
    for (std::size_t i = 0; i < columns.size(); ++i)
      columns[i].set(out[static_cast<std::size_t>(row)], PQgetvalue(res.get(), row, static_cast<int>(i)));
  return out;
}

}  // namespace cachet::dmarc

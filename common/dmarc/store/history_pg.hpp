// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/store/history_pg.hpp: the shared history store for a fleet of MX hosts: a
// PostgreSQL database (libpq; the only file that includes libpq-fe.h), table `messages`
// with the columns of history_columns() plus `id BIGSERIAL` (insertion order), created if
// missing (columns added later are added with ADD COLUMN IF NOT EXISTS).
// Connection: the HistoryDatabase value is a libpq URI or conninfo, used as given, with
// connect_timeout 5 and application name cachet-dmarc unless it sets them; every
// session runs with statement_timeout 10 s so a hung server cannot hold the writer forever,
// and client_min_messages warning (the schema statements NOTICE nothing to stderr).
// Credentials never sit in the (world-readable) config: a password in the value is a
// config error; libpq reads it from the passfile (`passfile=` in the conninfo, PGPASSFILE,
// or ~/.pgpass of the daemon user, mode 0600), or the server trusts peer/cert auth.
// Lazily connected; the insert is a prepared statement (prepared again after each
// reconnect). A lost connection is dropped and reconnected on the next call; a batch is
// one transaction (all or nothing, so a retried batch is never half-stored).
// Thread-safety: calls are serialised by a mutex. Errors: Errc::temporary (connection,
// statement).
// See also: history.hpp, history_writer.hpp (retries, buffering),
// tests/integration/dmarc_history_pg_test.cpp (against a real server).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/dmarc/history.hpp"
#include "common/dmarc/store/sql.hpp"  // check_pg_conninfo()

struct pg_conn;  // libpq's PGconn, opaque here so that the header needs no libpq-fe.h

namespace cachet::dmarc {

class PgHistoryStore final : public HistoryStore {
 public:
  explicit PgHistoryStore(std::string conninfo);
  ~PgHistoryStore() override;
  PgHistoryStore(const PgHistoryStore&) = delete;
  PgHistoryStore& operator=(const PgHistoryStore&) = delete;

  Result<void> add_batch(std::span<const HistoryRecord> records) override;
  Result<std::vector<HistoryRecord>> range(std::int64_t from, std::int64_t to) override;
  std::string describe() const override { return describe_; }

 private:
  Result<void> connect_locked();
  void drop_locked();
  std::string conninfo_, describe_;
  std::mutex mu_;
  struct Finish {
    void operator()(pg_conn* c) const noexcept;  // PQfinish
  };
  std::unique_ptr<pg_conn, Finish> conn_;
};

}  // namespace cachet::dmarc

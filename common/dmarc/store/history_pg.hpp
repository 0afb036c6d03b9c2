// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/store/history_pg.hpp: the shared history store for a fleet of MX hosts: a
// PostgreSQL database, table `messages` with the columns of history_columns() plus `id
// BIGSERIAL` (insertion order), created if missing on each (re)connect (columns added later
// are added with ADD COLUMN IF NOT EXISTS); history_sql.hpp does the rest.
// Connection (sql.hpp): the HistoryDatabase value is a libpq URI or conninfo, used as given,
// with connect_timeout 5 and application name cachet-dmarc unless it sets them; every
// session runs with statement_timeout 10 s so a hung server cannot hold the writer forever.
// Credentials never sit in the (world-readable) config: a password in the value is a
// config error (check_pg_conninfo()); libpq reads it from the passfile (`passfile=` in the
// conninfo, PGPASSFILE, or ~/.pgpass of the daemon user, mode 0600), or the server trusts
// peer/cert auth. Lazily connected; the insert is a prepared statement (prepared again
// after each reconnect). A lost connection is dropped and reconnected on the next call.
// Thread-safety: calls are serialised by a mutex. Errors: Errc::temporary.
// See also: history.hpp, history_writer.hpp (retries, buffering),
// tests/integration/dmarc_history_pg_test.cpp (against a real server).
#pragma once

#include <string>

#include "common/dmarc/store/history_sql.hpp"

namespace cachet::dmarc {

class PgHistoryStore final : public SqlHistoryStore {
 public:
  explicit PgHistoryStore(std::string conninfo);
};

}  // namespace cachet::dmarc

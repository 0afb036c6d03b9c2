// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/store/history_sqlite.hpp: the embedded history store (the default): one SQLite
// file, table `messages` with history_columns() (history_sql.hpp does the rest). Opened
// lazily on first use, so that the file is created by the unprivileged daemon user (not
// root at startup); a file of the first schema gains the newer columns (ALTER TABLE ADD
// COLUMN). WAL, busy_timeout 2 s, because cachetctl or several processes may share the
// file. Thread-safety: calls are serialised by a mutex. Errors: Errc::temporary.
// See also: ../history.hpp, history_pg.hpp (same schema), tests/unit/common/dmarc/history_test.cpp
#pragma once

#include <string>

#include "common/dmarc/store/history_sql.hpp"

namespace cachet::dmarc {

class SqliteHistoryStore final : public SqlHistoryStore {
 public:
  explicit SqliteHistoryStore(std::string path);
};

}  // namespace cachet::dmarc

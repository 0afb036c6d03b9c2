// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/store/report_ledger_backends.hpp: the two databases under ReportLedger, for
// report_ledger.cpp only: SQLite (report_ledger_sqlite.cpp) and PostgreSQL
// (report_ledger_pg.cpp). Each runs one statement with text parameters ($1..$N) and
// returns the rows as text; the ledger's logic is written once, above them.
// Connections are lazy; a lost PostgreSQL connection is reopened on the next call.
// Errors: Errc::temporary.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/base/result.hpp"

namespace cachet::dmarc {

using LedgerRows = std::vector<std::vector<std::string>>;

class LedgerDb {
 public:
  virtual ~LedgerDb() = default;
  // One statement; params bind $1..$N in order.
  [[nodiscard]] virtual Result<LedgerRows> query(const char* sql, const std::vector<std::string>& params) = 0;
  // Several statements without parameters (the schema).
  [[nodiscard]] virtual Result<void> script(const char* sql) = 0;
};

std::unique_ptr<LedgerDb> make_sqlite_ledger_db(std::string path);
std::unique_ptr<LedgerDb> make_pg_ledger_db(std::string conninfo);

}  // namespace cachet::dmarc

// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/store/report_ledger_sqlite.cpp: the ledger's SQLite database (see
// report_ledger_backends.hpp): the history file itself, a second handle beside the
// store's, with the same 2 s busy timeout (cachet-dmarc writes while we read).
#include <sqlite3.h>

#include "common/base/c_ptr.hpp"
#include "common/dmarc/store/report_ledger_backends.hpp"

namespace cachet::dmarc {
namespace {

using Stmt = CPtr<sqlite3_stmt, &sqlite3_finalize>;
using Db = CPtr<sqlite3, &sqlite3_close>;

class SqliteLedgerDb final : public LedgerDb {
 public:
  explicit SqliteLedgerDb(std::string path) : path_(std::move(path)) {}

  Result<LedgerRows> query(const char* sql, const std::vector<std::string>& params) override {
    if (auto o = open(); !o) return Unexpected<Error>(o.error());
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql, -1, &raw, nullptr) != SQLITE_OK) return error("prepare");
    const Stmt stmt(raw);
    for (std::size_t i = 0; i < params.size(); ++i) {
      const std::string name = "$" + std::to_string(i + 1);
      const int index = sqlite3_bind_parameter_index(stmt.get(), name.c_str());
      if (index == 0) continue;  // not used by this statement
      sqlite3_bind_text(stmt.get(), index, params[i].data(), static_cast<int>(params[i].size()), SQLITE_TRANSIENT);
    }
    LedgerRows rows;
    int rc;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int c = 0; c < sqlite3_column_count(stmt.get()); ++c) {
        const unsigned char* t = sqlite3_column_text(stmt.get(), c);
        row.emplace_back(t ? reinterpret_cast<const char*>(t) : "");
      }
      rows.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) return error("step");
    return rows;
  }

  Result<void> script(const char* sql) override {
    if (auto o = open(); !o) return o;
    if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr) != SQLITE_OK) return error("schema");
    return {};
  }

 private:
  Unexpected<Error> error(std::string_view what) {
    return fail(Errc::temporary,
                "sqlite " + path_ + ": " + std::string(what) + ": " + (db_ ? sqlite3_errmsg(db_.get()) : "not open"));
  }

  Result<void> open() {
    if (db_) return {};
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path_.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    db_.reset(raw);  // sqlite3_open_v2 allocates a handle even when it fails
    if (rc != SQLITE_OK) {
      auto e = error("open");
      db_.reset();
      return e;
    }
    sqlite3_busy_timeout(db_.get(), 2000);
    return {};
  }

  std::string path_;
  Db db_;
};

}  // namespace

std::unique_ptr<LedgerDb> make_sqlite_ledger_db(std::string path) {
  return std::make_unique<SqliteLedgerDb>(std::move(path));
}

}  // namespace cachet::dmarc

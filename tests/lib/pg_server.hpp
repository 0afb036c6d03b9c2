// SPDX-License-Identifier: BSD-2-Clause
//
// tests/lib/pg_server.hpp: a private PostgreSQL server for integration tests: initdb into
// a temp dir, postgres listening only on a UNIX socket in that dir (no TCP), trust auth
// for the superuser `cachet`, fsync off. PostgreSQL refuses to run as root, so when the
// test runs as root the server runs as `nobody` (setpriv; the dir is chowned to it).
// Readiness is waited for with pg_isready; stop() asks for a fast shutdown (SIGINT) and
// waits, the destructor kills by pid what is still running (DaemonProcess).
// Binaries are looked up in /usr/lib/postgresql/<version>/bin; available() is false when
// none is installed (tests then GTEST_SKIP with why()).
// Not thread-safe; one server per test suite (start in SetUpTestSuite).
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "common/base/result.hpp"
#include "tests/lib/daemon_process.hpp"
#include "tests/lib/temp_dir.hpp"

namespace cachet::testlib {

class PgServer {
 public:
  PgServer();
  ~PgServer();
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  bool available() const noexcept { return !bin_dir_.empty(); }
  std::string why() const { return "PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin"; }

  // initdb (first call only) and start; waits until the server accepts connections.
  // Errors: Errc::internal with the server's log.
  [[nodiscard]] Result<void> start();
  // Fast shutdown; waits for the process to end.
  void stop();
  bool running() const { return process_ != nullptr; }

  // A libpq conninfo for database `postgres` as `cachet` over the UNIX socket.
  std::string conninfo() const;
  // Runs one SQL command with psql; returns its output (unaligned, tuples only).
  [[nodiscard]] Result<std::string> psql(const std::string& sql) const;

 private:
  std::vector<std::string> as_server_user(std::vector<std::string> argv) const;
  std::string bin_dir_;
  testlib::TempDir dir_{"cachet-pg"};
  bool initialised_ = false;
  std::unique_ptr<DaemonProcess> process_;
};

// A GoogleTest fixture base: one server per test suite, started in SetUpTestSuite and
// stopped (by pid) in TearDownTestSuite; SetUp skips without the binaries, fails when the
// server could not start, and starts it again after a test stopped it.
class PgServerSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new PgServer();
    if (server_->available()) {
      auto r = server_->start();
      start_error_ = r ? "" : r.error().detail;
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    if (!server_->available()) GTEST_SKIP() << server_->why();
    ASSERT_EQ(start_error_, "");
    if (!server_->running()) {
      ASSERT_TRUE(server_->start());
    }
  }
  static inline PgServer* server_ = nullptr;
  static inline std::string start_error_;
};

}  // namespace cachet::testlib

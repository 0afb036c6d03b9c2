// SPDX-License-Identifier: BSD-2-Clause
// tests/lib/pg_server.cpp: see pg_server.hpp.
#include "tests/lib/pg_server.hpp"

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/lib/run_command.hpp"

namespace cachet::testlib {
namespace {

constexpr const char* kServerUser = "nobody";
constexpr const char* kPort = "5432";  // the socket name only: no TCP listener

std::string find_bin_dir() {
  std::error_code ec;
  std::string best;
  for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string bin = e.path().string() + "/bin";
    if (::access((bin + "/postgres").c_str(), X_OK) == 0 && ::access((bin + "/initdb").c_str(), X_OK) == 0 &&
        bin > best)
      best = bin;
  }
  return best;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

PgServer::PgServer() : bin_dir_(find_bin_dir()) {}

PgServer::~PgServer() { stop(); }

std::vector<std::string> PgServer::as_server_user(std::vector<std::string> argv) const {
  const passwd* pw = ::getpwnam(kServerUser);
  if (::geteuid() != 0 || pw == nullptr) return argv;
  std::vector<std::string> out = {"/usr/bin/setpriv", "--reuid=" + std::to_string(pw->pw_uid),
                                  "--regid=" + std::to_string(pw->pw_gid), "--clear-groups", "--"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

Result<void> PgServer::start() {
  if (!available()) return fail(Errc::internal, why());
  if (process_) return {};
  if (!initialised_) {
    if (::geteuid() == 0) {
      const passwd* pw = ::getpwnam(kServerUser);
      if (pw == nullptr || ::chown(dir_.path().c_str(), pw->pw_uid, pw->pw_gid) != 0)
        return fail(Errc::internal, "cannot hand the server dir to " + std::string(kServerUser));
    }
    auto init = testlib::run_command(as_server_user({bin_dir_ + "/initdb", "-D", dir_.file("data"), "-U", "cachet",
                                                     "--auth=trust", "--no-locale", "-E", "UTF8", "--no-sync"}));
    if (!init || init->exit_code != 0)
      return fail(Errc::internal, "initdb failed: " + (init ? init->err + init->out : init.error().detail));
    initialised_ = true;
  }
  process_ = std::make_unique<DaemonProcess>(
      as_server_user({bin_dir_ + "/postgres", "-D", dir_.file("data"), "-k", dir_.path(), "-p", kPort, "-c",
                      "listen_addresses=", "-F", "-c", "max_connections=40"}),
      dir_.file("server.log"));
  const bool ready = eventually(
      [&] {
        if (!process_->alive()) return true;  // reported below
        auto r = testlib::run_command({bin_dir_ + "/pg_isready", "-q", "-h", dir_.path(), "-p", kPort});
        return r && r->exit_code == 0;
      },
      std::chrono::seconds(30));
  if (!ready || !process_->alive()) {
    const std::string log = slurp(dir_.file("server.log"));
    process_.reset();  // killed by pid
    return fail(Errc::internal, "postgres did not start: " + log);
  }
  return {};
}

void PgServer::stop() {
  if (!process_) return;
  process_->signal(SIGINT);  // fast shutdown: ends the backends too
  (void)process_->wait_exit(std::chrono::seconds(20));
  process_.reset();  // SIGKILL by pid if it is still there
}

std::string PgServer::conninfo() const {
  return "host=" + dir_.path() + " port=" + kPort + " user=cachet dbname=postgres";
}

Result<std::string> PgServer::psql(const std::string& sql) const {
  auto r = testlib::run_command({bin_dir_ + "/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", dir_.path(),
                                 "-p", kPort, "-U", "cachet", "-d", "postgres", "-c", sql});
  if (!r) return Unexpected<Error>(r.error());
  if (r->exit_code != 0) return fail(Errc::internal, "psql: " + r->err);
  return r->out;
}

}  // namespace cachet::testlib

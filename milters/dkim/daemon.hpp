// SPDX-License-Identifier: BSD-2-Clause
//
// milters/dkim/daemon.hpp: cachet-dkim as a milter::MilterDaemonSpec: the option table,
// the negotiation (opendkim's steps plus NR_* no-reply flags for connect, MAIL, RCPT and
// each header: Postfix then sends them without waiting, which saves one round trip per
// header compared with opendkim), state building (keys loaded once at startup as root and
// on each reload; a broken reload keeps the old state) and the session factory.
// The DkimDaemon object must outlive run_milter_daemon (main() owns it).
// See also: settings.hpp, session.hpp, main.cpp, cachet-dkim.8.md
#pragma once

#include "common/dkim/key_cache.hpp"
#include "common/metrics/dns_counters.hpp"
#include "common/milter/milter_daemon.hpp"
#include "milters/dkim/counters.hpp"
#include "milters/dkim/session.hpp"
#include "milters/dkim/settings.hpp"

namespace cachet::dkimd {

class DkimDaemon {
 public:
  DkimDaemon();
  const milter::MilterDaemonSpec& spec() const noexcept { return spec_; }
  // The negotiation for a config (exposed for unit tests).
  static milter::MilterSpec milter_spec(const config::Config& cfg);

 private:
  Swappable<const DkimState> state_;
  dkim::PublicKeyCache key_cache_;
  std::optional<uid_t> run_as_uid_;
  metrics::Registry metrics_;
  DkimCounters counters_{metrics_};
  metrics::DnsCounters dns_counters_{metrics_, metrics::cache_in([this] { return state_.load(); })};
  milter::MilterDaemonSpec spec_;
};

}  // namespace cachet::dkimd

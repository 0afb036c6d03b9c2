// SPDX-License-Identifier: BSD-2-Clause
//
// milters/dmarc/daemon.hpp: cachet-dmarc as a milter::MilterDaemonSpec: the option table,
// the negotiation (connect, HELO, MAIL, headers, EOM; no body; macros j, i,
// {auth_authen}), state building (at startup and on each reload; a broken reload keeps
// the old state) and the session factory. `-c` names the config file, as opendmarc.
// The DmarcDaemon object must outlive run_milter_daemon (main() owns it).
// See also: settings.hpp, session.hpp, main.cpp, cachet-dmarc.8.md
#pragma once

#include "common/metrics/dns_counters.hpp"
#include "common/milter/milter_daemon.hpp"
#include "milters/dmarc/history_outputs.hpp"
#include "milters/dmarc/session.hpp"
#include "milters/dmarc/settings.hpp"

namespace cachet::dmarcd {

class DmarcDaemon {
 public:
  DmarcDaemon();
  const milter::MilterDaemonSpec& spec() const noexcept { return spec_; }
  static milter::MilterSpec milter_spec(const config::Config& cfg);

 private:
  HistoryOutputs history_;  // before state_: the states' writers may outlive a reload
  FailureOutputs failure_;  // likewise the failure reporter
  Swappable<const DmarcState> state_;
  metrics::Registry metrics_;
  DmarcCounters counters_{metrics_};
  metrics::DnsCounters dns_counters_{metrics_, metrics::cache_in([this] { return state_.load(); })};
  std::vector<std::shared_ptr<void>> history_series_ = watch_history(metrics_, [this] { return state_.load(); });
  milter::MilterDaemonSpec spec_;
};

}  // namespace cachet::dmarcd

// SPDX-License-Identifier: BSD-2-Clause
// milters/dmarc/daemon.cpp: see daemon.hpp.
#include "milters/dmarc/daemon.hpp"

#include "common/milter/wire.hpp"
#include "milters/dmarc/options.hpp"

#ifndef CACHET_VERSION
#define CACHET_VERSION "0.0.0"
#endif

namespace cachet::dmarcd {

milter::MilterSpec DmarcDaemon::milter_spec(const config::Config& cfg) {
  namespace wire = milter::wire;
  milter::MilterSpec s;
  s.name = "cachet-dmarc";
  s.actions = wire::kActAddHdrs | wire::kActQuarantine | wire::kActAddRcpt | wire::kActSetSymList;
  s.steps.helo = cfg.boolean("SPFSelfValidate");
  s.steps.body = false;
  s.steps.eoh = false;  // decided at EOM from the collected headers: one round trip less
  s.no_reply = wire::kNrConn | wire::kNrHelo | wire::kNrMail | wire::kNrHdr;
  s.macros[static_cast<int>(wire::Stage::mail)] = "i {auth_authen}";
  s.macros[static_cast<int>(wire::Stage::eom)] = "i j";
  return s;
}

DmarcDaemon::DmarcDaemon() {
  spec_.binary = "cachet-dmarc";
  spec_.version = CACHET_VERSION;
  spec_.options = kDmarcOptions;
  spec_.default_config = "/etc/cachet/dmarc.conf";
  spec_.config_flag = 'c';
  spec_.milter = milter_spec;
  spec_.metrics = &metrics_;
  // Check mode also loads what the options name (PublicSuffixList, IgnoreHosts files).
  spec_.validate = check_settings;
  spec_.load_state = [this](const config::Config& cfg, log::Logger& logger, bool startup) -> Result<void> {
    auto st = build_state(cfg, &history_, &logger, &failure_);
    if (!st) {
      if (!startup) log::Event(logger, log::Level::error, "dmarc.reload_failed").kv("reason", st.error().detail);
      return Unexpected<Error>(st.error());
    }
    if ((*st)->resolvers) (*st)->resolvers->network->set_observer(&dns_counters_);
    log::Event(logger, log::Level::info, "dmarc.state_loaded")
        .kv("psl_rules", static_cast<long long>((*st)->settings.psl ? (*st)->settings.psl->rule_count() : 0));
    state_.store(*st);
    return {};
  };
  // Serving has ended: drop the state so that the history writers flush their queues (and
  // the failure reporter finishes its job in hand) while the logger still exists.
  spec_.stopped = [this] { state_.store(nullptr); };
  spec_.make_session = [this](const milter::ConnInfo& ci, log::Logger& logger) {
    return std::make_unique<DmarcSession>(SessionShared{&state_, &logger, nullptr, &counters_}, ci);
  };
}

}  // namespace cachet::dmarcd

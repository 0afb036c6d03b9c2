// SPDX-License-Identifier: BSD-2-Clause
//
// milters/dmarc/settings.hpp: the immutable state cachet-dmarc builds from a config (at
// startup as root, again on each reload; a broken reload keeps the old state): trust list,
// host lists, actions, the public suffix list, the resolver (CachingResolver over
// LdnsResolver with the configured Nameservers and DNSTimeout) and the history writers.
// Errors: Errc::config naming the option (unreadable PublicSuffixList, bad IgnoreHosts).
// See also: options.hpp, common/dmarc/message.hpp (the per-message decision that reads it).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/base/result.hpp"
#include "common/config/config.hpp"
#include "common/config/dataset.hpp"
#include "common/config/host_list.hpp"
#include "common/dmarc/engine.hpp"
#include "common/dmarc/history_writer.hpp"
#include "common/dmarc/message.hpp"
#include "common/dns/caching_resolver.hpp"
#include "common/dns/ldns_resolver.hpp"
#include "milters/dmarc/failure_reports.hpp"

namespace cachet::dmarcd {

struct Resolvers {
  std::unique_ptr<dns::LdnsResolver> network;
  std::unique_ptr<dns::CachingResolver> cache;  // over network
};

using DmarcSettings = dmarc::MessageSettings;
using dmarc::Decision;
using dmarc::MessageInput;

struct DmarcState {
  DmarcSettings settings;
  std::shared_ptr<Resolvers> resolvers;  // shared: sessions keep it alive via the snapshot
  // HistoryDatabase, HistoryFile (history_outputs.hpp); empty: no history.
  std::vector<std::shared_ptr<dmarc::HistoryWriter>> history;
  // FailureReports (failure_reports.hpp); null: off.
  std::shared_ptr<const FailureState> failure;
  // MetricsDomains (common/metrics/domain_label.hpp): From domains with their own label.
  std::vector<std::string> metrics_domains;
};

class HistoryOutputs;

// The settings alone (no DNS): what common/dmarc/message.hpp needs; unit tests build them directly.
[[nodiscard]] Result<DmarcSettings> build_settings(const config::Config& cfg);

// Check mode (the validate hook): every problem build_settings would meet, each located
// at its option's line, from the same loaders. Empty = build_settings succeeds.
std::vector<config::Problem> check_settings(const config::Config& cfg);

// With `history` null (tests), the state has no history writers; else they come from it
// and log to `logger`. Likewise `failure` for the failure reports (null: none).
[[nodiscard]] Result<std::shared_ptr<const DmarcState>> build_state(const config::Config& cfg, HistoryOutputs* history,
                                                                    log::Logger* logger,
                                                                    FailureOutputs* failure = nullptr);

// "HOSTNAME" -> gethostname(); anything else unchanged.
std::string expand_hostname(std::string_view id);

}  // namespace cachet::dmarcd

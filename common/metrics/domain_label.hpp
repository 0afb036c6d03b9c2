// SPDX-License-Identifier: BSD-2-Clause
//
// common/metrics/domain_label.hpp: per-domain series with a bounded label (MetricsDomains).
// The admin lists the domains they sign for or receive for (at most kMaxMetricsDomains);
// each listed domain gets its own `domain` label value and every other domain counts as
// "other", so no peer can create a series: a family has at most
// (listed + 1) x (values + 1) series. With an empty list nothing is counted at all (the
// default: no per-domain series). A domain removed from the list by a reload keeps the series
// it already has until the daemon restarts.
// parse_metrics_domains and domain_label are pure; DomainCounter is thread-safe (series are
// created on first use under prometheus-cpp's family lock). Errors: Errc::config for a bad or
// too long list. See also: metrics.hpp, tests/unit/common/metrics/domain_label_test.cpp
#pragma once

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/guarded.hpp"
#include "common/base/result.hpp"
#include "common/config/option_spec.hpp"
#include "common/metrics/metrics.hpp"

namespace cachet::metrics {

inline constexpr std::size_t kMaxMetricsDomains = 50;

// The option, as the daemons that count per domain list it (cachet-dkim, cachet-dmarc).
inline constexpr config::OptionSpec kMetricsDomainsOption{
    "MetricsDomains", config::Kind::list, "",
    "domains (at most 50) that get their own label in the per-domain series; others count as other; empty: none"};

// Checks and normalizes a MetricsDomains list: each item a host name (letters, digits, '-',
// '_', dots; compared case-insensitively, one trailing dot ignored); duplicates dropped;
// sorted. Errors (Errc::config): a bad name (named), more than kMaxMetricsDomains domains.
[[nodiscard]] Result<std::vector<std::string>> parse_metrics_domains(const std::vector<std::string>& items);

// The label value for `domain` under a list from parse_metrics_domains: the normalized domain
// when listed, else "other" (also for an empty or malformed domain).
std::string domain_label(const std::vector<std::string>& listed, std::string_view domain);

// The listed entry equal to `domain` (case-insensitive, one trailing dot ignored), or null.
// No allocation: what DomainCounter::inc runs per message.
const std::string* find_listed(const std::vector<std::string>& listed, std::string_view domain) noexcept;

// A counter family labelled {domain, <label>}: domain as domain_label() gives it, the other
// label from a fixed list (a value not in it counts as "other"). The handles of a domain's
// series are kept once made, so counting is a lookup under one lock and an atomic add.
class DomainCounter {
 public:
  DomainCounter() = default;  // counts nothing
  DomainCounter(Registry& r, const std::string& name, const std::string& help, const std::string& label,
                std::initializer_list<std::string_view> values);
  // Counts one event; does nothing when `listed` is empty (MetricsDomains unset).
  void inc(const std::vector<std::string>& listed, std::string_view domain, std::string_view value) const;

 private:
  // Per domain label: one handle per value, then "other".
  using Series = std::map<std::string, std::vector<Counter>, std::less<>>;
  CounterFamily family_;
  std::vector<std::string> values_;
  std::shared_ptr<Guarded<Series>> series_ = std::make_shared<Guarded<Series>>();
};

}  // namespace cachet::metrics

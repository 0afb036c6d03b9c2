// SPDX-License-Identifier: BSD-2-Clause
//
// tools/cachetctl/dmarc_summary.hpp: the outputs of `cachetctl dmarc-summary` (text for
// the admin, JSON for scripts) from common/dmarc/import/summary.hpp, the --since reader,
// and the DNS-backed SourceLookup (own server = the domain's SPF record passes the IP, as
// check_host(ip, domain, postmaster@domain) with the project's SPF engine; PTR name).
// Pure except the lookup, which queries the resolver it is given.
// See also: cmd_dmarc_summary.cpp, cmd_dmarc_dashboard.cpp,
// tests/unit/tools/cachetctl/dmarc_summary_test.cpp
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/dmarc/import/summary.hpp"
#include "common/dns/resolver.hpp"

namespace cachet::ctl {

// "7d", "12h", "30m", "2w", "3600s" before `now`; a UTC date YYYY-MM-DD; seconds since the
// epoch. nullopt for anything else.
std::optional<std::int64_t> parse_since(std::string_view text, std::int64_t now);

std::string summary_text(const std::vector<dmarc::import::DomainSummary>& domains);
std::string summary_json(const std::vector<dmarc::import::DomainSummary>& domains);

// Own-server and PTR facts from DNS (each answer cached by the resolver the caller gives).
dmarc::import::SourceLookup dns_source_lookup(dns::Resolver& resolver);

// What dmarc-summary and dmarc-dashboard read: the store's rows since `since` (domain ""
// = all), summarised, with own servers and PTR names from DNS unless use_dns is false.
struct SummaryQuery {
  std::string db, domain;
  std::int64_t since = 0;
  bool use_dns = true;
  std::vector<std::string> nameservers;  // empty: /etc/resolv.conf
};
struct SummaryData {
  std::vector<dmarc::import::DomainSummary> domains;
  std::vector<dmarc::import::StoredRecord> rows;
  std::vector<dmarc::import::StoredFailure> failures;
};
// Errors: Errc::config (bad store spec or nameserver), Errc::temporary (database).
[[nodiscard]] Result<SummaryData> load_summary(const SummaryQuery& q);

// "YYYY-MM-DD" (UTC) of seconds since the epoch.
std::string utc_date(std::int64_t t);

}  // namespace cachet::ctl

// SPDX-License-Identifier: BSD-2-Clause
//
// tools/cachetctl/dmarc_dashboard.hpp: the one-page DMARC dashboard of `cachetctl
// dmarc-dashboard`: per domain the headline figures, pass rate per day (DMARC, DKIM, SPF),
// pass rate per reporter, volume by source (passing and failing), the failing sources,
// and the failure reports. One self-contained HTML file: inline CSS and inline SVG, no
// JavaScript at all, no external resource (a Content-Security-Policy of default-src
// 'none' says so to the browser); the layout reflows to one column on a phone.
// Every string from a report is escaped (reports are written by strangers).
// Pure; any thread.
// See also: cmd_dmarc_dashboard.cpp, dmarc_summary.hpp, tests/unit/tools/cachetctl/dmarc_dashboard_test.cpp,
// tests/integration/dmarc_dashboard_chromium.py
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/dmarc/import/store.hpp"
#include "common/dmarc/import/summary.hpp"

namespace cachet::ctl {

struct DashboardInput {
  std::vector<dmarc::import::DomainSummary> domains;
  std::vector<dmarc::import::StoredRecord> rows;  // for the per-day charts
  std::vector<dmarc::import::StoredFailure> failures;
  std::int64_t since = 0, now = 0;
};

std::string dashboard_html(const DashboardInput& in);

}  // namespace cachet::ctl

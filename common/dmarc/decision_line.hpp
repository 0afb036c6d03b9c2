// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/decision_line.hpp: the fields of cachet-dmarc's `dmarc.result` line, one
// per message: the verdict and every input it used (which trusted A-R fields, the DKIM and
// SPF identities and where SPF came from, the policy domain and organizational domain, the
// policy, the pct draw), in words an admin acts on.
// Pure; any thread. See also: message.hpp, tests/unit/common/dmarc/decision_line_test.cpp
#pragma once

#include <functional>
#include <string_view>

#include "common/dmarc/message.hpp"
#include "common/log/fields.hpp"

namespace cachet::dmarc {

// `from= result= policy= disposition= dkim= spf= reason=` (the fields before this issue,
// unchanged), then `ar= spf_source= policy_domain= org= pct= draw= aligned=` for an
// evaluated message; `pct`/`draw` only when a record was found.
log::Fields result_fields(const Decision& d);
// The same fields one by one, f(key, value) (a value lives for its call only): the milter
// writes them straight into its log line, without a vector of strings per message.
void for_each_result_field(const Decision& d, const std::function<void(std::string_view, std::string_view)>& f);

// The line for a message not evaluated (IgnoreHosts, authenticated, header limit).
log::Fields skipped_fields(std::string_view why);

}  // namespace cachet::dmarc

// SPDX-License-Identifier: BSD-2-Clause
//
// common/spf/why.hpp: the `why=` words of cachet-spf's `spf.request` line: what the
// SPF record of the checked domain said about the client address, or why no check ran.
// LIMITATION: libspf2 does not report which mechanism matched; the words give the
// qualifier class (a `-`/`~`/`?` mechanism or all) and libspf2's own comment.
// Pure; any thread. See also: policyd/spf/session.cpp, tests/unit/common/spf/why_test.cpp
#pragma once

#include <string>
#include <string_view>

#include "common/spf/action.hpp"
#include "common/spf/engine.hpp"

namespace cachet::spf {

// "client in skip_addresses (local)", "client in Whitelist", ...
std::string skip_words(SkipReason why);

// e.g. "mailfrom example.org: its SPF record permits 192.0.2.1 (4 DNS terms)".
std::string result_words(std::string_view identity, std::string_view domain, std::string_view ip,
                         const spf::SpfResult& r);

}  // namespace cachet::spf

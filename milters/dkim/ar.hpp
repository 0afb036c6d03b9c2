// SPDX-License-Identifier: BSD-2-Clause
//
// milters/dkim/ar.hpp: the Authentication-Results field as opendkim writes it (peers.md
// s2.2) and the authserv-id match used to delete forged fields (CVE-2022-48521; the id is
// read by authres::claimed_authserv_id, as every downstream parser reads it).
//   Authentication-Results: mx.example.net;
//   	dkim=pass (2048-bit key) header.d=example.com header.i=@example.com
//   	 header.a=rsa-sha256 header.s=sel1 header.b=sn8WayZw
// One `dkim=` per evaluated signature, "; LF TAB" between them; `reason="..."` after fail;
// `(N-bit key)` when the key was loaded; header.b is the first 8 characters of b=
// (LIMITATION: opendkim lengthens it when two signatures share the prefix). Values that are
// not RFC 2045 tokens are quoted. Output uses LF folding (what Postfix stores).
// Pure; any thread.
// See also: session.cpp, tests/unit/milters/dkim/ar_test.cpp
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/dkim/verify.hpp"

namespace cachet::dkimd {

// The value (without the leading space) of an Authentication-Results field.
// results empty: "<id>; dkim=none".
std::string format_auth_results(std::string_view authserv_id, const std::vector<dkim::SignatureResult>& results,
                                bool include_header_b);

// True when `claimed` (authres::claimed_authserv_id() of a field) is `ours` or
// `ours/<anything>` (ASCII case-insensitive).
bool claims_id(std::string_view claimed, std::string_view ours);

}  // namespace cachet::dkimd

// SPDX-License-Identifier: BSD-2-Clause
//
// milters/dkim/from_check.hpp: cachet-dkim's glue for the header From bound to the SASL
// login (common/sender/from_login.hpp): picks the From and Sender fields out of the
// collected header, asks the decision against the snapshot's login maps, and logs one line
// when the header is not the login's own:
//   dkim.from_login qid=Q login=alice field=From address=bob@example.test
//                   verdict=not_owned action=nosign rule=/etc/postfix/sendas.pcre:2
//                   owners="bob" why="not owned by user alice"
// (warning level for a failed lookup, info otherwise; nothing when every address is owned).
// Called only when st.login_maps is set. No I/O besides the logger and the maps' lookups.
// See also: session.cpp (on_eoh), cachet-dkim.8.md FROM AND LOGIN
#pragma once

#include <string_view>
#include <vector>

#include "common/dkim/policy.hpp"
#include "common/log/logger.hpp"
#include "common/mail/header.hpp"
#include "common/sender/from_login.hpp"
#include "milters/dkim/settings.hpp"

namespace cachet::dkimd {

// `key_field` / `key_address`: the SenderHeaders field and the address (parse_sender) the
// signing key is chosen by; checked too (HeaderFacts::key_*). Null: none.
sender::FromDecision check_header_from(const DkimState& st, const std::vector<mail::HeaderField>& headers,
                                       std::string_view login, std::string_view qid, log::Logger& logger,
                                       std::string_view key_field = {}, const dkim::Sender* key_address = nullptr);

}  // namespace cachet::dkimd

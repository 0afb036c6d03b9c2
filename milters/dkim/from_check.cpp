// SPDX-License-Identifier: BSD-2-Clause
// milters/dkim/from_check.cpp: see from_check.hpp.
#include "milters/dkim/from_check.hpp"

#include "common/base/strings.hpp"

namespace cachet::dkimd {

sender::FromDecision check_header_from(const DkimState& st, const std::vector<mail::HeaderField>& headers,
                                       std::string_view login, std::string_view qid, log::Logger& logger,
                                       std::string_view key_field, const dkim::Sender* key_address) {
  sender::HeaderFacts facts;
  facts.login = login;
  if (key_address) {
    facts.key_field = key_field;
    facts.key_local_part = key_address->local;
    facts.key_domain = key_address->domain;
  }
  for (const mail::HeaderField& h : headers) {
    if (iequals(h.name, "From"))
      facts.from_fields.push_back(h.value);
    else if (iequals(h.name, "Sender"))
      facts.sender_fields.push_back(h.value);
  }
  const sender::SenderMaps& maps = *st.login_maps;
  sender::FromDecision d =
      sender::decide_from(st.from_policy, facts, [&maps](std::string_view a) { return maps.lookup(a); });
  if (d.verdict != sender::FromVerdict::owned) {
    const bool failed = d.verdict == sender::FromVerdict::lookup_failed;
    log::Event(logger, failed ? log::Level::warning : log::Level::info, "dkim.from_login")
        .kv("qid", qid)
        .kv("login", login)
        .kv("field", d.field)
        .kv("address", d.address)
        .kv("verdict", sender::to_string(d.verdict))
        .kv("action", sender::to_string(d.action))
        .kv("rule", d.rule.empty() ? std::string_view("none") : std::string_view(d.rule))
        .kv("owners", d.owners)
        .kv("why", d.why);
  }
  return d;
}

}  // namespace cachet::dkimd

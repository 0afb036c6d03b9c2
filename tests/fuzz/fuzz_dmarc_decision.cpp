// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_dmarc_decision.cpp: cachet-dmarc's per-message decision (header fields
// and Authentication-Results / Received-SPF in -> decision) over a fixed zone. Input: the
// first line is the envelope sender, the second line's first two bytes select settings bits
// (the second: SPF self-validation, a public suffix list), every further line is one
// "Name: value" header field ('\n'-separated, '\r' kept). The zone is read through a cache
// (a fresh one per input), as in the daemon, so the lookups fetched ahead are exercised.
// Invariants: never crash, hang or throw; a pass needs an aligned identifier and a From
// field and is never refused; every Authentication-Results value we would add parses again
// with our strict parser and names our authserv-id; the history record keeps no more dkim
// entries than were found.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "common/authres/authres.hpp"
#include "common/base/strings.hpp"
#include "common/dmarc/message.hpp"
#include "common/dmarc/report_xml.hpp"
#include "common/dns/caching_resolver.hpp"
#include "common/dns/zone_resolver.hpp"
#include "milters/dmarc/history_outputs.hpp"

namespace {

using DmarcSettings = cachet::dmarc::MessageSettings;

void fill_zone(cachet::dns::ZoneResolver& z) {
  z.add_txt("_dmarc.example.com", {"v=DMARC1; p=reject; sp=quarantine; adkim=s; rua=mailto:a@example.com"});
  z.add_txt("_dmarc.none.example", {"v=DMARC1; p=none; pct=50"});
  z.add_txt("_dmarc.bad.example", {"v=DMARC1; p=bogus"});
  z.add_txt("_dmarc.np.example", {"v=DMARC1; p=quarantine; np=reject"});
  z.set_timeout("_dmarc.slow.example");
  z.add_txt("example.com", {"v=spf1 ip4:192.0.2.0/24 -all"});
  z.add_txt("sub.example.com", {"v=spf1 a mx include:example.com ~all"});
}

DmarcSettings settings(unsigned char bits, unsigned char more) {
  DmarcSettings s;
  s.authserv_id = "mx.example.net";
  s.reject_failures = bits & 1;
  s.spf_ignore_results = bits & 2;
  s.authserv_id_with_job_id = bits & 4;
  s.reject_multi_value_from = bits & 8;
  s.required_headers = bits & 16;
  s.hold_quarantined = bits & 32;
  if (bits & 64) s.trusted_ids = {"mx.example.net", "relay.example.com"};
  s.mode = (bits & 128) ? cachet::dmarc::DiscoveryMode::tree_walk : cachet::dmarc::DiscoveryMode::rfc7489_psl;
  s.spf_self_validate = more & 1;
  if (more & 2) {
    static const auto kPsl = std::make_shared<const cachet::dmarc::PublicSuffixList>(
        cachet::dmarc::PublicSuffixList::parse("com\nexample\n*.ck\n!www.ck\n").value());
    s.psl = kPsl;
  }
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static cachet::dns::ZoneResolver zone;  // filled once, read-only afterwards
  static const bool kFilled = (fill_zone(zone), true);
  (void)kFilled;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto lines = cachet::split(in, '\n');
  cachet::dmarc::MessageInput msg;
  msg.queue_id = "QFUZZ";
  msg.authserv_id = "mx.example.net";
  msg.client_ip = "192.0.2.1";
  msg.envelope_from = lines.empty() ? std::string() : std::string(lines[0]);
  const unsigned char bits = lines.size() > 1 && !lines[1].empty() ? static_cast<unsigned char>(lines[1][0]) : 0;
  const unsigned char more = lines.size() > 1 && lines[1].size() > 1 ? static_cast<unsigned char>(lines[1][1]) : 0;
  if (bits & 4) msg.output_id = msg.authserv_id + "/" + msg.queue_id;
  std::size_t from_fields = 0;
  for (std::size_t i = 2; i < lines.size(); ++i) {
    const auto colon = lines[i].find(':');
    if (colon == std::string_view::npos) continue;
    msg.headers.emplace_back(std::string(lines[i].substr(0, colon)), std::string(lines[i].substr(colon + 1)));
    from_fields += cachet::iequals(msg.headers.back().first, "From");
  }
  const DmarcSettings s = settings(bits, more);
  cachet::dns::CachingResolver cache(zone);
  const auto d = cachet::dmarc::decide_message(s, msg, cache, static_cast<unsigned>(size % 100));

  if (d.result == "pass") {
    if (!d.dkim_aligned && !d.spf_aligned) std::abort();
    if (!d.verdict.is_continue() || from_fields == 0) std::abort();
  }
  // Every A-R field we write must parse back under our own strict parser (the From parser
  // refuses malformed UTF-8, which once reached the field quoted).
  for (const std::string& ar : d.auth_results) {
    const auto back = cachet::authres::parse_authentication_results(ar);
    const std::string& ours = msg.output_id.empty() ? msg.authserv_id : msg.output_id;
    if (!back || back->authserv_id != ours) std::abort();
  }
  const auto record = cachet::dmarcd::history_record(msg, d, "mx.example.net", 0);
  if (cachet::dmarc::parse_dkim_entries(record.dkim).size() > d.dkim_results.size()) std::abort();
  return 0;
}

// SPDX-License-Identifier: BSD-2-Clause
// common/doctor/dns_checks.cpp: see dns_checks.hpp.
#include "common/doctor/dns_checks.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>

#include "common/base/strings.hpp"
#include "common/dkim/key_match.hpp"
#include "common/dkim/key_record.hpp"
#include "common/dmarc/org_domain.hpp"
#include "common/dmarc/record.hpp"
#include "common/dmarc/report_rua.hpp"
#include "common/dns/name.hpp"
#include "common/spf/engine.hpp"
#include "common/spf/record.hpp"

namespace cachet::doctor {
namespace {

void add(Findings& out, std::string check, Mark mark, std::string what, std::string fix = {}) {
  out.push_back(Finding{std::move(check), mark, std::move(what), std::move(fix)});
}

std::string dns_failure(std::string_view name, const char* type, const dns::Answer& a) {
  return std::string(type) + " query for " + std::string(name) + " failed (" + dns::to_string(a.status) + ")";
}

std::vector<std::string> addresses_of(dns::Resolver& r, std::string_view host, bool& failed) {
  std::vector<std::string> out;
  for (const dns::RrType t : {dns::RrType::a, dns::RrType::aaaa}) {
    const dns::Answer a = r.query(host, t);
    if (dns::is_temporary(a.status)) failed = true;
    for (const dns::Record& rec : a.records) out.push_back(rec.value);
  }
  return out;
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? std::string(sep) : "") + v[i];
  return out;
}

// The TXT strings at `name` that pass `keep`; status of the query in `a`.
std::vector<std::string> txt_records(dns::Resolver& r, std::string_view name, dns::Answer& a,
                                     bool (*keep)(std::string_view) noexcept) {
  a = r.query(name, dns::RrType::txt);
  std::vector<std::string> out;
  for (const dns::Record& rec : a.records)
    if (keep(rec.value)) out.push_back(rec.value);
  return out;
}

bool canonical_address(std::string_view ip, std::string& out) {
  unsigned char buf[16];
  const std::string text(ip);
  char printable[INET6_ADDRSTRLEN];
  if (::inet_pton(AF_INET, text.c_str(), buf) == 1) {
    out = ::inet_ntop(AF_INET, buf, printable, sizeof printable);
    return true;
  }
  if (::inet_pton(AF_INET6, text.c_str(), buf) == 1) {
    out = ::inet_ntop(AF_INET6, buf, printable, sizeof printable);
    return true;
  }
  return false;
}

void count_into(dns::Resolver& r, std::string_view domain, int depth, SpfCount& c);

// A target of include/redirect: its record counted in turn.
void follow(dns::Resolver& r, const std::string& target, int depth, SpfCount& c) {
  if (target.find('%') != std::string::npos) {
    c.has_macros = true;
    return;
  }
  count_into(r, target, depth + 1, c);
}

void count_into(dns::Resolver& r, std::string_view domain, int depth, SpfCount& c) {
  if (depth > kMaxSpfRecursion) {
    c.problem = "include/redirect nested deeper than " + std::to_string(kMaxSpfRecursion);
    return;
  }
  dns::Answer a;
  const auto records = txt_records(r, domain, a, &spf::is_spf1_record);
  if (dns::is_temporary(a.status)) {
    c.is_unchecked = true;
    return;
  }
  if (records.empty()) {
    if (depth > 0) {
      ++c.void_lookups;
      if (c.problem.empty()) c.problem = std::string(domain) + " has no SPF record (include/redirect: permerror)";
    }
    return;
  }
  auto rec = spf::validate_spf_record(records.front());
  if (!rec) {
    if (c.problem.empty()) c.problem = std::string(domain) + ": " + rec.error().detail;
    return;
  }
  for (const spf::Term& t : rec->terms) {
    switch (t.kind) {
      case spf::TermKind::include:
      case spf::TermKind::redirect:
        ++c.dns_terms;
        if (t.kind == spf::TermKind::redirect && rec->has_all) break;  // s6.1: ignored
        follow(r, t.value, depth, c);
        break;
      case spf::TermKind::a:
      case spf::TermKind::mx: {
        ++c.dns_terms;
        const std::string target = t.value.empty() ? std::string(domain) : t.value;
        if (target.find('%') != std::string::npos) {
          c.has_macros = true;
          break;
        }
        bool failed = false;
        if (t.kind == spf::TermKind::a) {
          if (addresses_of(r, target, failed).empty() && !failed) ++c.void_lookups;
        } else {
          const dns::Answer mx = r.query(target, dns::RrType::mx);
          if (mx.status == dns::Status::nxdomain || mx.status == dns::Status::nodata) ++c.void_lookups;
          failed = dns::is_temporary(mx.status);
        }
        c.is_unchecked = c.is_unchecked || failed;
        break;
      }
      case spf::TermKind::ptr:
      case spf::TermKind::exists:
        ++c.dns_terms;
        if (t.value.find('%') != std::string::npos) c.has_macros = true;
        break;
      default: break;
    }
  }
}

}  // namespace

std::vector<std::string> check_mx(dns::Resolver& r, std::string_view domain, Findings& out) {
  std::vector<std::string> addresses;
  const dns::Answer a = r.query(domain, dns::RrType::mx);
  if (dns::is_temporary(a.status)) {
    add(out, "dns.mx", Mark::unchecked, dns_failure(domain, "MX", a));
    return addresses;
  }
  if (a.records.empty()) {
    bool failed = false;
    const auto implicit = addresses_of(r, domain, failed);
    const std::string fix = "publish `" + std::string(domain) + ". IN MX 10 mail." + std::string(domain) + ".`";
    if (implicit.empty())
      add(out, "dns.mx", Mark::problem,
          "no MX record for " + std::string(domain) + ", and no A/AAAA: mail to it bounces", fix);
    else
      add(out, "dns.mx", Mark::advice,
          "no MX record for " + std::string(domain) + "; mail goes to its A/AAAA (" + join(implicit, ", ") + ")", fix);
    return implicit;
  }
  std::vector<dns::Record> mx = a.records;
  std::stable_sort(mx.begin(), mx.end(),
                   [](const dns::Record& x, const dns::Record& y) { return x.preference < y.preference; });
  for (const dns::Record& m : mx) {
    if (m.value.empty() || m.value == ".") {
      add(out, "dns.mx", Mark::advice, std::string(domain) + " has a null MX (RFC 7505): it accepts no mail",
          "remove the null MX if this host should receive mail");
      continue;
    }
    bool failed = false;
    const auto addrs = addresses_of(r, m.value, failed);
    const std::string head = "MX " + std::to_string(m.preference) + " " + m.value;
    if (addrs.empty())
      add(out, "dns.mx", failed ? Mark::unchecked : Mark::problem, head + ": no A/AAAA record",
          failed ? "" : "publish an A (and AAAA) record for " + m.value);
    else
      add(out, "dns.mx", Mark::ok, head + " -> " + join(addrs, ", "));
    for (const auto& x : addrs) addresses.push_back(x);
  }
  return addresses;
}

void check_ptr(dns::Resolver& r, std::string_view ip, std::string_view myhostname, Findings& out) {
  std::string addr;
  if (!canonical_address(ip, addr)) {
    add(out, "dns.ptr", Mark::unchecked, "'" + std::string(ip) + "' is not an IP address",
        "give the server's public address with --ip");
    return;
  }
  const std::string rev = dns::reverse_name(addr);
  const dns::Answer a = r.query(rev, dns::RrType::ptr);
  if (dns::is_temporary(a.status)) {
    add(out, "dns.ptr", Mark::unchecked, dns_failure(rev, "PTR", a));
    return;
  }
  const std::string want = myhostname.empty() ? std::string("your myhostname") : std::string(myhostname);
  if (a.records.empty()) {
    add(out, "dns.ptr", Mark::problem, "no PTR record for " + addr + ": many receivers refuse or junk such mail",
        "ask the owner of " + addr + " (your hosting provider) to set its PTR to " + want);
    return;
  }
  std::vector<std::string> confirmed, names;
  bool failed = false;
  for (const dns::Record& p : a.records) {
    names.push_back(p.value);
    std::vector<std::string> addrs = addresses_of(r, p.value, failed);
    for (std::string& x : addrs) canonical_address(x, x);
    if (std::find(addrs.begin(), addrs.end(), addr) != addrs.end()) confirmed.push_back(p.value);
  }
  if (confirmed.empty()) {
    add(out, "dns.ptr", failed ? Mark::unchecked : Mark::problem,
        "PTR of " + addr + " is " + join(names, ", ") + ", which does not resolve back to " + addr +
            " (no forward-confirmed reverse DNS)",
        failed ? ""
               : "publish `" + names.front() + ". IN " + (addr.find(':') != std::string::npos ? "AAAA " : "A ") + addr +
                     "`");
    return;
  }
  const bool matches =
      std::any_of(confirmed.begin(), confirmed.end(), [&](const std::string& n) { return iequals(n, myhostname); });
  if (!myhostname.empty() && !matches) {
    add(out, "dns.ptr", Mark::advice,
        "PTR of " + addr + " is " + join(confirmed, ", ") + " (forward-confirmed), but myhostname is " +
            std::string(myhostname),
        "set `myhostname = " + confirmed.front() + "` in main.cf, or the PTR to " + std::string(myhostname));
    return;
  }
  add(out, "dns.ptr", Mark::ok, "PTR of " + addr + " is " + join(confirmed, ", ") + ", forward-confirmed");
}

SpfCount count_spf_lookups(dns::Resolver& r, std::string_view domain) {
  SpfCount c;
  count_into(r, domain, 0, c);
  return c;
}

void check_spf(dns::Resolver& r, std::string_view domain, std::string_view ip, Findings& out) {
  dns::Answer a;
  const auto records = txt_records(r, domain, a, &spf::is_spf1_record);
  const std::string d(domain);
  if (dns::is_temporary(a.status)) {
    add(out, "dns.spf", Mark::unchecked, dns_failure(domain, "TXT", a));
    return;
  }
  if (records.empty()) {
    add(out, "dns.spf", Mark::problem, "no SPF record at " + d, "publish `" + d + ". IN TXT \"v=spf1 mx -all\"`");
    return;
  }
  if (records.size() > 1) {
    add(out, "dns.spf", Mark::problem,
        std::to_string(records.size()) + " SPF records at " + d + ": every check is a permerror (RFC 7208 s4.5)",
        "merge them into one v=spf1 record");
    return;
  }
  if (auto rec = spf::validate_spf_record(records.front()); !rec) {
    add(out, "dns.spf", Mark::problem, "SPF record of " + d + " is invalid: " + rec.error().detail,
        "correct the record: " + records.front());
    return;
  }
  add(out, "dns.spf", Mark::ok, "SPF record: " + records.front());
  const SpfCount c = count_spf_lookups(r, domain);
  const std::string counted = std::to_string(c.dns_terms) + " DNS lookups, " + std::to_string(c.void_lookups) + " void";
  if (c.is_unchecked)
    add(out, "dns.spf.lookups", Mark::unchecked, counted + " so far; a DNS query failed on the way");
  else if (!c.problem.empty())
    add(out, "dns.spf.lookups", Mark::problem, c.problem, "correct or remove that include/redirect");
  else if (c.dns_terms > spf::kMaxDnsMechanisms)
    add(out, "dns.spf.lookups", Mark::problem,
        counted + ": more than " + std::to_string(spf::kMaxDnsMechanisms) +
            " is a permerror for every message (RFC 7208 s4.6.4)",
        "flatten: replace includes by the ip4:/ip6: ranges they stand for, drop unused mechanisms (ptr, a, mx you do "
        "not send from)");
  else if (c.void_lookups > spf::kMaxVoidLookups)
    add(out, "dns.spf.lookups", Mark::problem,
        counted + ": more than " + std::to_string(spf::kMaxVoidLookups) +
            " void lookups is a permerror (RFC 7208 s4.6.4)",
        "remove the mechanisms whose names do not exist");
  else
    add(out, "dns.spf.lookups", Mark::ok, counted + (c.has_macros ? " (macro terms counted once)" : ""));
  if (ip.empty()) return;
  spf::SpfEngine engine(r, spf::Options{});
  const spf::SpfResult res = engine.check_mailfrom(ip, "postmaster@" + d, d);
  const std::string verdict = spf::to_string(res.verdict);
  if (res.verdict == spf::Verdict::pass)
    add(out, "dns.spf.ip", Mark::ok, std::string(ip) + " passes SPF for " + d);
  else if (res.verdict == spf::Verdict::temperror)
    add(out, "dns.spf.ip", Mark::unchecked, "SPF for " + std::string(ip) + ": temperror " + res.problem);
  else
    add(out, "dns.spf.ip", Mark::problem,
        std::string(ip) + " gets SPF " + verdict + " for " + d + (res.problem.empty() ? "" : " (" + res.problem + ")"),
        "add " + std::string(std::string(ip).find(':') != std::string::npos ? "ip6:" : "ip4:") + std::string(ip) +
            " (or mx) to the SPF record");
}

void check_dkim(dns::Resolver& r, const std::vector<DkimKeyToCheck>& keys, Findings& out) {
  for (const DkimKeyToCheck& k : keys) {
    const std::string name = k.selector + "._domainkey." + k.domain;
    const std::string from = k.origin.empty() ? "" : " (" + k.origin + ")";
    const dns::Answer a = r.query(name, dns::RrType::txt);
    if (dns::is_temporary(a.status)) {
      add(out, "dkim.key", Mark::unchecked, dns_failure(name, "TXT", a));
      continue;
    }
    std::vector<dkim::KeyRecord> valid;
    std::string why;
    for (const dns::Record& rec : a.records) {
      auto parsed = dkim::parse_key_record(rec.value);
      if (parsed)
        valid.push_back(std::move(*parsed));
      else
        why = parsed.error().detail;
    }
    const std::string publish = "publish the TXT value `cachetctl keygen` printed (SELECTOR.txt) at " + name;
    if (valid.empty()) {
      add(out, "dkim.key", Mark::problem,
          (a.records.empty() ? "no key record at " + name : "bad key record at " + name + ": " + why) + from, publish);
      continue;
    }
    if (valid.size() > 1) {
      add(out, "dkim.key", Mark::problem, std::to_string(valid.size()) + " key records at " + name + from, "keep one");
      continue;
    }
    const dkim::KeyRecord& rec = valid.front();
    if (rec.is_revoked) {
      add(out, "dkim.key", Mark::problem, "key at " + name + " is revoked (empty p=)" + from, publish);
      continue;
    }
    if (k.key == nullptr) {
      add(out, "dkim.key", Mark::ok, "key record at " + name + " parses" + from);
      continue;
    }
    if (auto m = dkim::check_key_match(*k.key, rec); !m) {
      add(out, "dkim.key", Mark::problem, name + ": " + m.error().detail + " with the private key" + from,
          "publish the public half of this private key (cachetctl keygen printed it), or sign with the key that is "
          "published");
      continue;
    }
    if (k.key->type() == crypto::KeyType::rsa && k.key->bits() < kMinRsaBits) {
      add(out, "dkim.key", Mark::problem, name + ": RSA key of " + std::to_string(k.key->bits()) + " bits" + from,
          "make a " + std::to_string(kMinRsaBits) +
              "-bit key with a new selector (cachetctl keygen -b 2048 -s NEW), publish it, then switch");
      continue;
    }
    add(out, "dkim.key", Mark::ok, name + " matches the private key" + from);
  }
}

void check_dmarc(dns::Resolver& r, std::string_view domain, Findings& out) {
  const std::string d(domain);
  const std::string name = "_dmarc." + d;
  dns::Answer a;
  const auto records = txt_records(r, name, a, &dmarc::is_dmarc_record);
  if (dns::is_temporary(a.status)) {
    add(out, "dns.dmarc", Mark::unchecked, dns_failure(name, "TXT", a));
    return;
  }
  if (records.empty()) {
    add(out, "dns.dmarc", Mark::problem, "no DMARC record at " + name,
        "publish `" + name + ". IN TXT \"v=DMARC1; p=none; rua=mailto:dmarc@" + d + "\"`");
    return;
  }
  if (records.size() > 1) {
    add(out, "dns.dmarc", Mark::problem,
        std::to_string(records.size()) + " DMARC records at " + name + ": receivers ignore them all", "keep one");
    return;
  }
  auto rec = dmarc::parse_record(records.front());
  if (!rec || !rec->p) {
    add(out, "dns.dmarc", Mark::problem,
        "DMARC record at " + name +
            " is invalid: " + (rec ? std::string("no p= and no valid rua=") : rec.error().detail),
        "correct it: " + records.front());
    return;
  }
  add(out, "dns.dmarc", Mark::ok, "DMARC record: " + records.front());
  for (const std::string& w : rec->warnings) add(out, "dns.dmarc", Mark::advice, name + ": " + w, "correct that tag");
  if (*rec->p == dmarc::Policy::none)
    add(out, "dns.dmarc.policy", Mark::advice, "p=none: failing mail is only reported, never refused",
        "once the reports show your mail passing, move to p=quarantine, then p=reject");
  else if (rec->pct < 100)
    add(out, "dns.dmarc.policy", Mark::advice,
        "pct=" + std::to_string(rec->pct) + ": the policy applies to part of the failing mail",
        "raise pct to 100 once reports look clean");
  else
    add(out, "dns.dmarc.policy", Mark::ok, std::string("p=") + dmarc::to_string(*rec->p));
  // RFC 7489 s7.1 by the report sender's own code (common/dmarc/report_rua.hpp): same
  // organization (DMARCbis tree walk, no PSL needed), else the authorization record.
  const dmarc::TreeWalkOrgDomain orgs(r);
  std::vector<std::string> seen;
  for (const auto* list : {&rec->rua, &rec->ruf})
    for (const dmarc::ReportUri& u : *list) {
      auto target = dmarc::parse_rua_target(u.uri);
      if (!target) {
        add(out, "dns.dmarc.rua", Mark::advice, name + ": report address " + u.uri + ": " + target.error().detail,
            "use mailto: addresses");
        continue;
      }
      if (std::find(seen.begin(), seen.end(), target->domain) != seen.end()) continue;
      seen.push_back(target->domain);
      const std::string& t = target->domain;
      const std::string auth = dmarc::report_auth_name(d, t);
      switch (dmarc::authorize_target(d, *target, orgs, r)) {
        case dmarc::ReportAuth::same_org: break;
        case dmarc::ReportAuth::authorized:
          add(out, "dns.dmarc.rua", Mark::ok, "report target " + t + " authorizes reports for " + d);
          break;
        case dmarc::ReportAuth::not_authorized:
          add(out, "dns.dmarc.rua", Mark::problem,
              "report target " + t + " has not authorized reports for " + d +
                  " (RFC 7489 s7.1): receivers send it nothing",
              "ask " + t + " to publish `" + auth + ". IN TXT \"v=DMARC1\"`, or send reports to an address in " + d);
          break;
        case dmarc::ReportAuth::try_later:
          add(out, "dns.dmarc.rua", Mark::unchecked, "report target " + t + ": a DNS query failed (" + auth + ")");
          break;
      }
    }
}

}  // namespace cachet::doctor

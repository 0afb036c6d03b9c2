// SPDX-License-Identifier: BSD-2-Clause
// tools/cachetctl/dmarc_summary.cpp: see dmarc_summary.hpp.
#include "tools/cachetctl/dmarc_summary.hpp"

#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/base/strings.hpp"
#include "common/dns/caching_resolver.hpp"
#include "common/dns/ldns_resolver.hpp"
#include "common/spf/engine.hpp"

namespace cachet::ctl {
namespace {

using dmarc::import::DomainSummary;
using dmarc::import::rate;
using dmarc::import::SourceSummary;
using dmarc::import::Tally;

constexpr std::size_t kMaxTextSources = 20;  // per list in the text output

std::string pct(std::uint64_t part, std::uint64_t whole) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", rate(part, whole));
  return buf;
}

std::string tally_text(const Tally& t) {
  std::string s = std::to_string(t.messages) + " msgs  DMARC " + pct(t.dmarc_pass, t.messages) + "  DKIM " +
                  pct(t.dkim_pass, t.messages) + "  SPF " + pct(t.spf_pass, t.messages);
  if (t.quarantined) s += "  quarantined " + std::to_string(t.quarantined);
  if (t.rejected) s += "  rejected " + std::to_string(t.rejected);
  return s;
}

const char* class_words(dmarc::import::SourceClass c) {
  switch (c) {
    case dmarc::import::SourceClass::own: return "your server, passes";
    case dmarc::import::SourceClass::own_failing: return "your server, FAILS: check its DKIM signing and SPF";
    case dmarc::import::SourceClass::forwarder: return "forwarder: breaks SPF, DKIM survives";
    case dmarc::import::SourceClass::third_party: return "not in your SPF, passes (a service sending for you?)";
    case dmarc::import::SourceClass::failing: return "not yours, fails: spoofing, or a forwarder that broke DKIM";
  }
  return "";
}

nlohmann::json tally_json(const Tally& t) {
  return {{"messages", t.messages},
          {"dkim_pass", t.dkim_pass},
          {"spf_pass", t.spf_pass},
          {"dmarc_pass", t.dmarc_pass},
          {"quarantined", t.quarantined},
          {"rejected", t.rejected},
          {"dkim_pass_rate", rate(t.dkim_pass, t.messages)},
          {"spf_pass_rate", rate(t.spf_pass, t.messages)},
          {"dmarc_pass_rate", rate(t.dmarc_pass, t.messages)}};
}

nlohmann::json source_json(const SourceSummary& s) {
  return {{"source_ip", s.source_ip}, {"ptr", s.ptr},
          {"own", s.is_own},          {"class", to_string(s.cls)},
          {"reporters", s.reporters}, {"tally", tally_json(s.tally)}};
}

}  // namespace

std::string utc_date(std::int64_t t) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

std::optional<std::int64_t> parse_since(std::string_view text, std::int64_t now) {
  if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    std::tm tm{};
    const std::string s(text);
    if (::strptime(s.c_str(), "%Y-%m-%d", &tm) == nullptr) return std::nullopt;
    return static_cast<std::int64_t>(::timegm(&tm));
  }
  if (text.empty()) return std::nullopt;
  std::int64_t unit = 0;
  switch (text.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    case 'w': unit = 7 * 86400; break;
    default: break;
  }
  const auto n = parse_uint(unit ? text.substr(0, text.size() - 1) : text);
  if (!n || *n > (1ull << 40)) return std::nullopt;
  return unit ? now - static_cast<std::int64_t>(*n) * unit : static_cast<std::int64_t>(*n);
}

std::string summary_text(const std::vector<DomainSummary>& domains) {
  if (domains.empty()) return "no aggregate reports in that period\n";
  std::string out;
  for (const DomainSummary& d : domains) {
    out += d.domain + (d.is_foreign ? " (not one of your domains)" : "") + "  " + utc_date(d.first) + " .. " +
           utc_date(d.last) + "\n  " + tally_text(d.tally) + "\n  reporters:\n";
    for (const auto& r : d.reporters) out += "    " + r.org + ": " + tally_text(r.tally) + "\n";
    out += "  sources (most messages first):\n";
    for (std::size_t i = 0; i < d.sources.size() && i < kMaxTextSources; ++i) {
      const SourceSummary& s = d.sources[i];
      out += "    " + s.source_ip + (s.ptr.empty() ? "" : " (" + s.ptr + ")") + ": " + tally_text(s.tally) + "  [" +
             class_words(s.cls) + "]\n";
    }
    if (d.sources.size() > kMaxTextSources)
      out += "    ... " + std::to_string(d.sources.size() - kMaxTextSources) + " more (--json lists all)\n";
    if (d.failing.empty()) {
      out += "  no source fails DMARC\n";
    } else {
      out += "  failing sources (most failures first):\n";
      std::size_t rank = 0;
      for (const SourceSummary& s : d.failing) {
        if (rank == kMaxTextSources) {
          out += "    ... " + std::to_string(d.failing.size() - rank) + " more\n";
          break;
        }
        out += "    " + std::to_string(++rank) + ". " + s.source_ip + (s.ptr.empty() ? "" : " (" + s.ptr + ")") + ": " +
               std::to_string(s.tally.dmarc_fail()) + " of " + std::to_string(s.tally.messages) + " fail  [" +
               class_words(s.cls) + "]\n";
      }
    }
  }
  return out;
}

std::string summary_json(const std::vector<DomainSummary>& domains) {
  nlohmann::json out = nlohmann::json::array();
  for (const DomainSummary& d : domains) {
    nlohmann::json reporters = nlohmann::json::array(), sources = nlohmann::json::array(),
                   failing = nlohmann::json::array();
    for (const auto& r : d.reporters) reporters.push_back({{"org", r.org}, {"tally", tally_json(r.tally)}});
    for (const auto& s : d.sources) sources.push_back(source_json(s));
    for (const auto& s : d.failing) failing.push_back(source_json(s));
    out.push_back({{"domain", d.domain},
                   {"foreign", d.is_foreign},
                   {"first", d.first},
                   {"last", d.last},
                   {"tally", tally_json(d.tally)},
                   {"reporters", reporters},
                   {"sources", sources},
                   {"failing", failing}});
  }
  // Invalid UTF-8 in a reporter's name must not make dump() throw: replace it.
  return out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

dmarc::import::SourceLookup dns_source_lookup(dns::Resolver& resolver) {
  auto engine = std::make_shared<spf::SpfEngine>(resolver, spf::Options{});
  return [&resolver, engine](const std::string& domain, const std::string& ip) {
    dmarc::import::SourceFacts facts;
    auto spf = engine->check_host(ip, domain, "postmaster@" + domain, domain);
    facts.is_own = spf && spf->verdict == spf::Verdict::pass;
    if (const std::string rev = dmarc::import::reverse_dns_name(ip); !rev.empty()) {
      const dns::Answer a = resolver.query(rev, dns::RrType::ptr);
      if (a.status == dns::Status::answer && !a.records.empty()) facts.ptr = a.records.front().value;
    }
    return facts;
  };
}

Result<SummaryData> load_summary(const SummaryQuery& q) {
  auto store = dmarc::import::open_report_store(q.db);
  if (!store) return Unexpected<Error>(store.error());
  SummaryData data;
  auto rows = (*store)->records(q.since, q.domain);
  if (!rows) return Unexpected<Error>(rows.error());
  auto failures = (*store)->failures(q.since, q.domain);
  if (!failures) return Unexpected<Error>(failures.error());
  data.rows = std::move(*rows);
  data.failures = std::move(*failures);
  std::unique_ptr<dns::LdnsResolver> backend;
  std::unique_ptr<dns::CachingResolver> resolver;
  dmarc::import::SourceLookup lookup;
  if (q.use_dns && !data.rows.empty()) {
    dns::ResolverOptions options;
    options.nameservers = q.nameservers;
    options.timeout = std::chrono::milliseconds(3000);
    auto created = dns::LdnsResolver::create(options);
    if (!created) return fail(Errc::config, "--nameserver: " + created.error().detail);
    backend = std::move(*created);
    resolver = std::make_unique<dns::CachingResolver>(*backend);
    lookup = dns_source_lookup(*resolver);
  }
  data.domains = dmarc::import::summarize(data.rows, lookup);
  return data;
}

}  // namespace cachet::ctl

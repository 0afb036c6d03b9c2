// SPDX-License-Identifier: BSD-2-Clause
//
// tools/cachetctl/cmd_dmarc_summary.cpp: `cachetctl dmarc-summary [--db STORE]
// [--domain D] [--since 7d] [--json] [--nameserver NS]... [--no-dns]`: what the imported
// aggregate reports say (common/dmarc/import/summary.hpp) for reports whose period ends
// within --since (default 7d), per domain, reporter and source IP, failing sources ranked.
// Own servers are those the domain's SPF record authorises, asked through the project
// resolver (--nameserver, else /etc/resolv.conf); --no-dns skips DNS (no server is then
// "own", no PTR names). Exit 0; 1 no report in the period; 64 usage; 75 database trouble.
#include <cstdio>
#include <ctime>
#include <span>
#include <string>

#include "common/dmarc/import/store.hpp"
#include "common/dns/caching_resolver.hpp"
#include "common/dns/ldns_resolver.hpp"
#include "tools/cachetctl/args.hpp"
#include "tools/cachetctl/dmarc_summary.hpp"
#include "tools/cachetctl/key_source.hpp"

namespace cachet::ctl {
namespace {

constexpr std::string_view kName = "dmarc-summary";
enum { kDb, kDomain, kSince, kJson, kNameserver, kNoDns, kHelp };
constexpr OptionDef kDefs[] = {
    {kDb, '\0', "db", true},         {kDomain, 'd', "domain", true},     {kSince, '\0', "since", true},
    {kJson, '\0', "json"},           {kNameserver, 'n', "nameserver", true}, {kNoDns, '\0', "no-dns"},
    {kHelp, 'h', "help"},
};

void summary_usage(std::FILE* out) {
  std::fprintf(out,
               "usage: cachetctl dmarc-summary [--db STORE] [--domain D] [--since 7d] [--json]\n"
               "                               [--nameserver ADDR[:PORT]]... [--no-dns]\n"
               "\t--since\tNs, Nm, Nh, Nd, Nw before now, YYYY-MM-DD or epoch seconds [7d]\n");
}

}  // namespace

int cmd_dmarc_summary(std::span<char* const> args) {
  auto parsed = parse_args(to_strings(args), kDefs);
  if (!parsed) return usage_error(kName, parsed.error().detail, &summary_usage);
  if (!parsed->operands.empty()) return usage_error(kName, "unexpected argument " + parsed->operands.front(), &summary_usage);
  std::string db = "/var/lib/cachet/dmarc-history.sqlite", domain, since_text = "7d";
  bool as_json = false, use_dns = true;
  dns::ResolverOptions resolver_options;
  for (const ParsedOption& o : parsed->options) {
    switch (o.id) {
      case kHelp: summary_usage(stdout); return 0;
      case kDb: db = o.value; break;
      case kDomain: domain = o.value; break;
      case kSince: since_text = o.value; break;
      case kJson: as_json = true; break;
      case kNameserver: resolver_options.nameservers.push_back(o.value); break;
      case kNoDns: use_dns = false; break;
      default: break;
    }
  }
  const auto since = parse_since(since_text, static_cast<std::int64_t>(std::time(nullptr)));
  if (!since) return usage_error(kName, "--since: '" + since_text + "' is not 7d, 12h, YYYY-MM-DD or epoch seconds", &summary_usage);
  auto store = dmarc::import::open_report_store(db);
  if (!store) return complain(kName, store.error().detail, store.error().code == Errc::config ? 64 : 75);
  auto rows = (*store)->records(*since, domain);
  if (!rows) return complain(kName, rows.error().detail, 75);
  std::unique_ptr<dns::LdnsResolver> backend;
  std::unique_ptr<dns::CachingResolver> resolver;
  dmarc::import::SourceLookup lookup;
  if (use_dns && !rows->empty()) {
    resolver_options.timeout = std::chrono::milliseconds(3000);
    auto created = dns::LdnsResolver::create(resolver_options);
    if (!created) return complain(kName, "--nameserver: " + created.error().detail, 64);
    backend = std::move(*created);
    resolver = std::make_unique<dns::CachingResolver>(*backend);
    lookup = dns_source_lookup(*resolver);
  }
  const auto domains = dmarc::import::summarize(*rows, lookup);
  const std::string out = as_json ? summary_json(domains) : summary_text(domains);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return rows->empty() ? 1 : 0;
}

}  // namespace cachet::ctl

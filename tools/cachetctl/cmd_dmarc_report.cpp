// SPDX-License-Identifier: BSD-2-Clause
// tools/cachetctl/cmd_dmarc_report.cpp: `cachetctl dmarc-report --from T --to T --org NAME
// --email ADDR [--domain D] [--db STORE] [--out DIR] [--format rfc9990|rfc7489]`: aggregate
// reports (report_aggregate.hpp, RFC 9990 shape by default) for the period [from, to) from
// cachet-dmarc's history: STORE is what HistoryDatabase names (a
// SQLite path, or a PostgreSQL URI/conninfo, e.g. the fleet's shared database). T is seconds since the epoch or a
// UTC date YYYY-MM-DD. One report per policy domain: with --out, written as
// DIR/<receiver>!<domain>!<begin>!<end>.xml (RFC 7489 s7.2.1.1; receiver = the --email
// domain); without it, the one report (--domain, or the only domain of the period) goes to
// stdout. Exit 0, 1 (nothing recorded for the period), 64 usage, 75 database trouble.
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>

#include "common/base/strings.hpp"
#include "common/dmarc/history.hpp"
#include "common/dmarc/report_aggregate.hpp"

namespace cachet::ctl {

// Seconds since the epoch or a UTC date YYYY-MM-DD (also used by cmd_dmarc_report_send.cpp).
std::optional<std::int64_t> parse_report_time(std::string_view t) {
  if (const auto n = parse_uint(t)) return static_cast<std::int64_t>(*n);
  std::tm tm{};
  const std::string s(t);
  if (s.size() != 10 || ::strptime(s.c_str(), "%Y-%m-%d", &tm) == nullptr) return std::nullopt;
  return static_cast<std::int64_t>(::timegm(&tm));
}

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: cachetctl dmarc-report --from T --to T --org NAME --email ADDR [--domain D]\n"
               "                              [--db STORE] [--out DIR] [--format rfc9990|rfc7489]\n"
               "       cachetctl dmarc-report send ...   (send the reports; see cachetctl(1))\n"
               "  STORE: SQLite path or PostgreSQL URI/conninfo (as HistoryDatabase)\n"
               "  T: seconds since the epoch or YYYY-MM-DD (UTC); the period is [from, to)\n");
  return 64;
}

}  // namespace

int cmd_dmarc_report_send(std::span<char* const> args);  // cmd_dmarc_report_send.cpp

int cmd_dmarc_report(std::span<char* const> args) {
  if (!args.empty() && std::string_view(args[0]) == "send") return cmd_dmarc_report_send(args.subspan(1));
  std::map<std::string, std::string> opt{{"--db", "/var/lib/cachet/dmarc-history.sqlite"}};
  for (std::size_t i = 0; i < args.size(); i += 2) {
    const std::string name = args[i];
    if (i + 1 >= args.size() || name.rfind("--", 0) != 0) return usage();
    opt[name] = args[i + 1];
  }
  for (const char* required : {"--from", "--to", "--org", "--email"})
    if (!opt.count(required)) return usage();
  const auto from = parse_report_time(opt["--from"]), to = parse_report_time(opt["--to"]);
  if (!from || !to || *to <= *from) return usage();

  auto store = dmarc::open_history_store(opt["--db"]);
  if (!store) {
    std::fprintf(stderr, "cachetctl: --db: %s\n", store.error().detail.c_str());
    return 64;
  }
  auto records = (*store)->range(*from, *to);
  if (!records) {
    std::fprintf(stderr, "cachetctl: %s\n", records.error().detail.c_str());
    return 75;
  }
  std::set<std::string> domains;
  for (const auto& r : *records)
    if (!r.policy_domain.empty() && (!opt.count("--domain") || iequals(r.policy_domain, opt["--domain"])))
      domains.insert(to_lower(r.policy_domain));
  if (domains.empty()) {
    std::fprintf(stderr, "cachetctl: no messages recorded in that period\n");
    return 1;
  }
  if (opt.count("--format") && opt["--format"] != "rfc9990" && opt["--format"] != "rfc7489") return usage();
  const auto shape = opt["--format"] == "rfc7489" ? dmarc::ReportShape::rfc7489 : dmarc::ReportShape::rfc9990;
  dmarc::AggregateBuilder builder({*from, *to});
  for (const auto& r : *records) builder.add(r);
  const std::string& email = opt["--email"];
  const std::string receiver = email.substr(email.find('@') + 1);
  for (const std::string& domain : domains) {
    const std::string id = receiver + "!" + domain + "!" + std::to_string(*from) + "!" + std::to_string(*to);
    dmarc::AggregateMeta meta;
    meta.org_name = opt["--org"];
    meta.email = email;
    meta.report_id = id;
    meta.generator = "cachet " CACHET_VERSION;
    meta.period = {*from, *to};
    const std::string xml = dmarc::aggregate_xml(meta, builder.domains().at(domain), shape);
    if (!opt.count("--out")) {
      if (domains.size() > 1) {
        std::fprintf(stderr, "cachetctl: %zu policy domains in that period: give --domain or --out\n", domains.size());
        return 64;
      }
      std::fwrite(xml.data(), 1, xml.size(), stdout);
      return 0;
    }
    std::ofstream out(opt["--out"] + "/" + id + ".xml", std::ios::binary);
    out << xml;
    if (!out) {
      std::fprintf(stderr, "cachetctl: cannot write %s/%s.xml\n", opt["--out"].c_str(), id.c_str());
      return 73;
    }
  }
  return 0;
}

}  // namespace cachet::ctl

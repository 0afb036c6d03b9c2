// SPDX-License-Identifier: BSD-2-Clause
//
// tools/cachetctl/cmd_dmarc_summary.cpp: `cachetctl dmarc-summary [-c FILE] [--db STORE]
// [--domain D] [--since 7d] [--json] [--nameserver NS]... [--no-dns]` and `cachetctl
// dmarc-dashboard --out DIR [same options, --since 30d]`: what the imported aggregate
// reports say (dmarc_summary.hpp) for reports whose period ends within --since, as text,
// JSON, or the one-page HTML dashboard DIR/index.html (dmarc_dashboard.hpp, written to a
// temporary file and renamed, so a web server never serves half a page).
// Own servers are those the domain's SPF record authorises, asked through the project
// resolver (--nameserver, else /etc/resolv.conf); --no-dns skips DNS (no server is then
// "own", no PTR names). -c FILE: HistoryDatabase and Nameservers of cachet-dmarc's file
// where --db and --nameserver are not given (the packaged dashboard timer uses it).
// Exit 0; 1 (summary) no report in the period; 64 usage; 73 the page cannot be written;
// 75 database trouble; 78 the configuration file.
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>

#include "tools/cachetctl/args.hpp"
#include "tools/cachetctl/dmarc_conf.hpp"
#include "tools/cachetctl/dmarc_dashboard.hpp"
#include "tools/cachetctl/dmarc_summary.hpp"
#include "tools/cachetctl/key_source.hpp"

namespace cachet::ctl {
namespace {

enum { opt_config, opt_db, opt_domain, opt_since, opt_json, opt_nameserver, opt_no_dns, opt_out, opt_help };
constexpr OptionDef kDefs[] = {
    {opt_config, 'c', "config", true}, {opt_db, '\0', "db", true},  {opt_domain, 'd', "domain", true},
    {opt_since, '\0', "since", true},  {opt_json, '\0', "json"},    {opt_nameserver, 'n', "nameserver", true},
    {opt_no_dns, '\0', "no-dns"},      {opt_out, 'o', "out", true}, {opt_help, 'h', "help"},
};

void summary_usage(std::FILE* out) {
  std::fprintf(out,
               "usage: cachetctl dmarc-summary [-c FILE] [--db STORE] [--domain D] [--since 7d] [--json]\n"
               "                               [--nameserver ADDR[:PORT]]... [--no-dns]\n"
               "       cachetctl dmarc-dashboard --out DIR [-c FILE] [--db STORE] [--domain D] [--since 30d]\n"
               "                               [--nameserver ADDR[:PORT]]... [--no-dns]\n"
               "\t--since\tNs, Nm, Nh, Nd, Nw before now, YYYY-MM-DD or epoch seconds\n");
}

int run(std::string_view name, std::span<char* const> args, bool is_dashboard) {
  auto parsed = parse_args(to_strings(args), kDefs);
  if (!parsed) return usage_error(name, parsed.error().detail, &summary_usage);
  if (!parsed->operands.empty())
    return usage_error(name, "unexpected argument " + parsed->operands.front(), &summary_usage);
  SummaryQuery q;
  std::string since_text = is_dashboard ? "30d" : "7d", out_dir, config_path;
  bool as_json = false;
  for (const ParsedOption& o : parsed->options) {
    switch (o.id) {
      case opt_help: summary_usage(stdout); return 0;
      case opt_config: config_path = o.value; break;
      case opt_db: q.db = o.value; break;
      case opt_domain: q.domain = o.value; break;
      case opt_since: since_text = o.value; break;
      case opt_json: as_json = true; break;
      case opt_nameserver: q.nameservers.push_back(o.value); break;
      case opt_no_dns: q.use_dns = false; break;
      case opt_out: out_dir = o.value; break;
      default: break;
    }
  }
  if (is_dashboard == out_dir.empty())
    return usage_error(name, is_dashboard ? "--out DIR is required" : "--out is for dmarc-dashboard", &summary_usage);
  if (!config_path.empty()) {  // fills what the command line left open
    const auto cfg = load_dmarc_conf(config_path);
    if (!cfg) return complain(name, cfg.error().detail, kExitConfig);
    if (q.db.empty()) q.db = (*cfg)->string("HistoryDatabase");
    if (q.nameservers.empty()) q.nameservers = (*cfg)->list("Nameservers");
  }
  if (q.db.empty()) q.db = "/var/lib/cachet/dmarc-history.sqlite";
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  const auto since = parse_since(since_text, now);
  if (!since)
    return usage_error(name, "--since: '" + since_text + "' is not 7d, 12h, YYYY-MM-DD or epoch seconds",
                       &summary_usage);
  q.since = *since;
  auto data = load_summary(q);
  if (!data) return complain(name, data.error().detail, data.error().code == Errc::config ? 64 : 75);
  if (!is_dashboard) {
    const std::string out = as_json ? summary_json(data->domains) : summary_text(data->domains);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return data->rows.empty() ? 1 : 0;
  }
  const std::string html =
      dashboard_html({std::move(data->domains), std::move(data->rows), std::move(data->failures), q.since, now});
  const std::filesystem::path target = std::filesystem::path(out_dir) / "index.html";
  const std::filesystem::path tmp = std::filesystem::path(out_dir) / ".index.html.tmp";
  std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
  f << html;
  f.close();
  std::error_code ec;
  if (!f || (std::filesystem::rename(tmp, target, ec), ec))
    return complain(name, "cannot write " + target.string() + (ec ? ": " + ec.message() : ""), 73);
  return 0;
}

}  // namespace

int cmd_dmarc_summary(std::span<char* const> args) { return run("dmarc-summary", args, false); }
int cmd_dmarc_dashboard(std::span<char* const> args) { return run("dmarc-dashboard", args, true); }

}  // namespace cachet::ctl

// SPDX-License-Identifier: BSD-2-Clause
// tools/cachetctl/cmd_dmarc_report_send.cpp: `cachetctl dmarc-report send [options]`: send
// the aggregate reports of every whole period since --since (run_aggregate_reports(),
// common/dmarc/report_run.hpp), then optionally expire old history. Settings come from
// cachet-dmarc's config file (-c, default /etc/cachet/dmarc.conf when it exists):
// HistoryDatabase, Nameservers, DNSTimeout, PublicSuffixList, DMARCDiscovery, ReportEmail,
// ReportOrg, ReportContact, the SMTP submission settings ReportSMTPServer, ReportSMTPUser,
// ReportSMTPPasswordFile (the password itself is never in a config file nor on a command
// line), ReportSMTPCAFile, ReportSMTPHelo, and ReportCommand's program for sendmail;
// command-line options override them (--sendmail or --out over ReportSMTPServer). Run by
// cachet-dmarc-reports.service (packaging/systemd), daily.
// Exit: 0 done (nothing failed), 75 something is left to retry (a delivery or DNS
// failure: the next run retries) or the database failed, 64 usage, 78 config.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <optional>
#include <span>
#include <string>

#include "common/base/random.hpp"
#include "common/base/strings.hpp"
#include "common/config/config.hpp"
#include "common/dmarc/history.hpp"
#include "common/dmarc/org_domain.hpp"
#include "common/dmarc/report_delivery.hpp"
#include "common/dmarc/report_ledger.hpp"
#include "common/dmarc/report_run.hpp"
#include "common/dmarc/report_smtp.hpp"
#include "common/dns/ldns_resolver.hpp"
#include "common/log/logger.hpp"
#include "tools/cachetctl/args.hpp"
#include "tools/cachetctl/dmarc_conf.hpp"

namespace cachet::ctl {

std::optional<std::int64_t> parse_report_time(std::string_view t);  // cmd_dmarc_report.cpp

namespace {

constexpr const char* kDefaultSendmail = "/usr/sbin/sendmail";
constexpr int kExitTempFail = 75;

int usage(const std::string& why) {
  if (!why.empty()) std::fprintf(stderr, "cachetctl dmarc-report send: %s\n", why.c_str());
  std::fprintf(stderr,
               "usage: cachetctl dmarc-report send [-c FILE] [--db STORE] [--report-email ADDR]\n"
               "         [--report-org NAME] [--report-contact TEXT] [--period day|Nh] [--since T]\n"
               "         [--domain D] [--nameserver NS]... [--psl FILE] [--format rfc9990|rfc7489]\n"
               "         [--sendmail PATH] [--dry-run] [--out DIR] [--expire DAYS] [--now T] [-v]\n"
               "         [--if-configured] [--smtp HOST[:PORT] [--smtp-user USER --smtp-password-file FILE]\n"
               "         [--smtp-ca FILE] [--smtp-helo NAME]]\n");
  return kExitUsage;
}

std::string owner_name() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(::getpid()) + ":" + random_hex64();
}

struct SendArgs {
  std::string config_path, db, email, org, contact, period = "day", domain, psl, sendmail;
  std::string out_dir, discovery;
  std::string smtp, smtp_user, smtp_password_file, smtp_ca, smtp_helo;
  std::vector<std::string> nameservers;
  std::optional<std::int64_t> since, now, expire_days, dns_timeout;
  dmarc::ReportShape shape = dmarc::ReportShape::rfc9990;
  bool dry_run = false, verbose = false, if_configured = false;
};

Result<SendArgs> parse_send_args(std::span<char* const> argv) {
  enum Id {
    opt_config,
    opt_db,
    opt_email,
    opt_org,
    opt_contact,
    opt_period,
    opt_since,
    opt_domain,
    opt_ns,
    opt_psl,
    opt_format,
    opt_sendmail,
    opt_dry,
    opt_out,
    opt_expire,
    opt_now,
    opt_verbose,
    opt_if_configured,
    opt_smtp,
    opt_smtp_user,
    opt_smtp_pass,
    opt_smtp_ca,
    opt_smtp_helo
  };
  static constexpr OptionDef kDefs[] = {
      {opt_config, 'c', "config", true},
      {opt_db, '\0', "db", true},
      {opt_email, '\0', "report-email", true},
      {opt_org, '\0', "report-org", true},
      {opt_contact, '\0', "report-contact", true},
      {opt_period, '\0', "period", true},
      {opt_since, '\0', "since", true},
      {opt_domain, '\0', "domain", true},
      {opt_ns, '\0', "nameserver", true},
      {opt_psl, '\0', "psl", true},
      {opt_format, '\0', "format", true},
      {opt_sendmail, '\0', "sendmail", true},
      {opt_dry, 'n', "dry-run"},
      {opt_out, '\0', "out", true},
      {opt_expire, '\0', "expire", true},
      {opt_now, '\0', "now", true},
      {opt_verbose, 'v', "verbose"},
      {opt_if_configured, '\0', "if-configured"},
      {opt_smtp, '\0', "smtp", true},
      {opt_smtp_user, '\0', "smtp-user", true},
      {opt_smtp_pass, '\0', "smtp-password-file", true},
      {opt_smtp_ca, '\0', "smtp-ca", true},
      {opt_smtp_helo, '\0', "smtp-helo", true},
  };
  auto parsed = parse_args(to_strings(argv), kDefs);
  if (!parsed) return Unexpected<Error>(parsed.error());
  if (!parsed->operands.empty()) return fail(Errc::config, "unexpected argument '" + parsed->operands.front() + "'");
  SendArgs a;
  auto when = [](std::string_view opt, const std::string& v) -> Result<std::int64_t> {
    const auto t = parse_report_time(v);
    if (!t) return fail(Errc::config, std::string(opt) + ": '" + v + "' is neither seconds nor YYYY-MM-DD");
    return *t;
  };
  for (const ParsedOption& p : parsed->options) {
    switch (p.id) {
      case opt_config: a.config_path = p.value; break;
      case opt_db: a.db = p.value; break;
      case opt_email: a.email = p.value; break;
      case opt_org: a.org = p.value; break;
      case opt_contact: a.contact = p.value; break;
      case opt_period: a.period = p.value; break;
      case opt_domain: a.domain = to_lower(p.value); break;
      case opt_ns: a.nameservers.push_back(p.value); break;
      case opt_psl: a.psl = p.value; break;
      case opt_sendmail: a.sendmail = p.value; break;
      case opt_dry: a.dry_run = true; break;
      case opt_out: a.out_dir = p.value; break;
      case opt_verbose: a.verbose = true; break;
      case opt_if_configured: a.if_configured = true; break;
      case opt_smtp: a.smtp = p.value; break;
      case opt_smtp_user: a.smtp_user = p.value; break;
      case opt_smtp_pass: a.smtp_password_file = p.value; break;
      case opt_smtp_ca: a.smtp_ca = p.value; break;
      case opt_smtp_helo: a.smtp_helo = p.value; break;
      case opt_format:
        if (p.value != "rfc9990" && p.value != "rfc7489") return fail(Errc::config, "--format: rfc9990 or rfc7489");
        a.shape = p.value == "rfc7489" ? dmarc::ReportShape::rfc7489 : dmarc::ReportShape::rfc9990;
        break;
      case opt_since:
      case opt_now: {
        auto t = when(p.id == opt_since ? "--since" : "--now", p.value);
        if (!t) return Unexpected<Error>(t.error());
        (p.id == opt_since ? a.since : a.now) = *t;
        break;
      }
      case opt_expire: {
        const auto d = parse_uint(p.value);
        if (!d || *d == 0 || *d > 36500) return fail(Errc::config, "--expire: a number of days (1..36500)");
        a.expire_days = static_cast<std::int64_t>(*d);
        break;
      }
    }
  }
  return a;
}

// Fills what the command line left open from cachet-dmarc's config file.
Result<void> apply_config(SendArgs& a) {
  const bool explicit_file = !a.config_path.empty();
  const std::string path = explicit_file ? a.config_path : kDmarcConfPath;
  std::error_code ec;
  if (!explicit_file && !std::filesystem::exists(path, ec)) {
    if (a.db.empty()) a.db = "/var/lib/cachet/dmarc-history.sqlite";
    if (a.sendmail.empty()) a.sendmail = kDefaultSendmail;
    return {};
  }
  const auto loaded = load_dmarc_conf(path);
  if (!loaded) return Unexpected<Error>(loaded.error());
  const config::Config& cfg = **loaded;
  auto fill = [&](std::string& v, const char* name) {
    if (v.empty()) v = cfg.string(name);
  };
  fill(a.db, "HistoryDatabase");
  fill(a.email, "ReportEmail");
  fill(a.org, "ReportOrg");
  fill(a.contact, "ReportContact");
  fill(a.psl, "PublicSuffixList");
  a.discovery = to_lower(cfg.string("DMARCDiscovery"));
  if (a.nameservers.empty()) a.nameservers = cfg.list("Nameservers");
  a.dns_timeout = cfg.integer("DNSTimeout");
  // Delivery: --sendmail or --out on the command line win over the file's SMTP server;
  // ReportCommand (the failure reports' program, first word) names sendmail when set.
  if (a.sendmail.empty() && a.out_dir.empty()) fill(a.smtp, "ReportSMTPServer");
  fill(a.smtp_user, "ReportSMTPUser");
  fill(a.smtp_password_file, "ReportSMTPPasswordFile");
  fill(a.smtp_ca, "ReportSMTPCAFile");
  fill(a.smtp_helo, "ReportSMTPHelo");
  if (a.sendmail.empty() && cfg.is_set("ReportCommand")) {
    const std::string_view command = trim(cfg.string("ReportCommand"));
    a.sendmail = std::string(command.substr(0, command.find_first_of(" \t")));
  }
  if (a.sendmail.empty()) a.sendmail = kDefaultSendmail;
  return {};
}

// Out of line: GCC 12 inlining Result<PublicSuffixList>'s destructor into the command
// reports a bogus -Wfree-nonheap-object.
[[gnu::noinline]] std::shared_ptr<const dmarc::PublicSuffixList> load_psl(const std::string& path, std::string& why) {
  auto loaded = dmarc::PublicSuffixList::load_file(path);
  if (!loaded) {
    why = loaded.error().detail;
    return nullptr;
  }
  return std::make_shared<const dmarc::PublicSuffixList>(std::move(*loaded));
}

// --smtp HOST[:PORT] ("[v6]:port" for an IPv6 address) and its companions.
Result<dmarc::SmtpOptions> smtp_options(const SendArgs& a) {
  dmarc::SmtpOptions o;
  o.host = a.smtp;
  if (o.host.front() == '[') {
    const auto close = o.host.find(']');
    if (close == std::string::npos) return fail(Errc::config, "--smtp: unterminated [address]");
    if (close + 1 < o.host.size() && o.host[close + 1] == ':') o.port = o.host.substr(close + 2);
    o.host = o.host.substr(1, close - 1);
  } else if (const auto colon = o.host.rfind(':'); colon != std::string::npos && o.host.find(':') == colon) {
    o.port = o.host.substr(colon + 1);
    o.host.resize(colon);
  }
  if (o.host.empty() || !parse_uint(o.port))
    return fail(Errc::config, "--smtp (ReportSMTPServer): HOST[:PORT] expected, not '" + a.smtp + "'");
  o.user = a.smtp_user;
  if (!o.user.empty()) {
    if (a.smtp_password_file.empty())
      return fail(Errc::config, "--smtp-user (ReportSMTPUser) needs --smtp-password-file (ReportSMTPPasswordFile)");
    auto pw = dmarc::read_password_file(a.smtp_password_file);
    if (!pw) return Unexpected<Error>(pw.error());
    o.password = std::move(*pw);
  }
  o.ca_file = a.smtp_ca;
  o.helo = a.smtp_helo;
  if (o.helo.empty()) {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    o.helo = host;
  }
  return o;
}

}  // namespace

int cmd_dmarc_report_send(std::span<char* const> argv) {
  auto parsed = parse_send_args(argv);
  if (!parsed) return usage(parsed.error().detail);
  SendArgs a = std::move(*parsed);
  if (auto c = apply_config(a); !c) {
    std::fprintf(stderr, "cachetctl dmarc-report send: %s\n", c.error().detail.c_str());
    return kExitConfig;
  }
  if (a.db.empty()) return usage("no history database (HistoryDatabase or --db)");
  if (a.email.empty() && a.if_configured) {  // the packaged timer, before the admin set ReportEmail
    std::fprintf(stderr, "cachetctl: info: dmarc-report.not_configured reason=\"no ReportEmail: nothing sent\"\n");
    return 0;
  }
  if (a.email.find('@') == std::string::npos) return usage("no report address (ReportEmail or --report-email)");
  const auto period = dmarc::parse_period_length(a.period);
  if (!period) return usage(period.error().detail);

  log::StderrLogger logger("cachetctl");
  if (a.verbose) logger.set_max_level(log::Level::debug);
  ::signal(SIGPIPE, SIG_IGN);  // a sendmail that dies early must not kill us mid-run

  dns::ResolverOptions ro;
  ro.nameservers = a.nameservers;
  if (a.dns_timeout) ro.timeout = std::chrono::seconds(*a.dns_timeout);
  auto resolver = dns::LdnsResolver::create(ro);
  if (!resolver) {
    std::fprintf(stderr, "cachetctl dmarc-report send: nameservers: %s\n", resolver.error().detail.c_str());
    return kExitConfig;
  }
  std::shared_ptr<const dmarc::PublicSuffixList> psl;
  if (!a.psl.empty()) {
    std::string why;
    psl = load_psl(a.psl, why);
    if (!psl) {
      std::fprintf(stderr, "cachetctl dmarc-report send: %s: %s\n", a.psl.c_str(), why.c_str());
      return kExitConfig;
    }
  }
  // The PSL when one is configured; otherwise the DMARCbis tree walk (DNS).
  std::unique_ptr<dmarc::OrgDomainFinder> orgs;
  if (psl)
    orgs = std::make_unique<dmarc::PslOrgDomain>(*psl);
  else
    orgs = std::make_unique<dmarc::TreeWalkOrgDomain>(**resolver);

  auto store = dmarc::open_history_store(a.db);
  auto ledger = dmarc::open_report_ledger(a.db);
  if (!store || !ledger) {
    std::fprintf(stderr, "cachetctl dmarc-report send: --db: %s\n",
                 (!store ? store.error() : ledger.error()).detail.c_str());
    return kExitConfig;
  }
  dmarc::ReportRunOptions o;
  o.report_email = a.email;
  o.report_org = a.org;
  o.report_contact = a.contact;
  o.discovery_method = a.discovery.empty() ? (psl ? "psl" : "treewalk") : a.discovery;
  o.shape = a.shape;
  o.now = a.now.value_or(static_cast<std::int64_t>(::time(nullptr)));
  o.since = a.since.value_or(o.now - 3 * dmarc::kDaySeconds);
  o.period = *period;
  o.only_domain = a.domain;
  o.owner = owner_name();
  o.dry_run = a.dry_run;
  o.record = a.out_dir.empty();
  o.unique = random_hex64;
  std::unique_ptr<dmarc::ReportDelivery> delivery;
  if (!a.out_dir.empty()) {
    delivery = std::make_unique<dmarc::DirectoryDelivery>(a.out_dir);
  } else if (!a.smtp.empty()) {
    auto smtp = smtp_options(a);
    if (!smtp) {
      std::fprintf(stderr, "cachetctl dmarc-report send: %s\n", smtp.error().detail.c_str());
      return kExitConfig;
    }
    delivery = std::make_unique<dmarc::SmtpDelivery>(std::move(*smtp));
  } else {
    delivery = std::make_unique<dmarc::SendmailDelivery>(a.sendmail);
  }

  auto stats = dmarc::run_aggregate_reports(o, **store, **ledger, **resolver, *orgs, *delivery, logger);
  if (!stats) {
    log::Event(logger, log::Level::error, "dmarc-report.stopped").kv("reason", stats.error().detail);
    return stats.error().code == Errc::config ? kExitConfig : kExitTempFail;
  }
  log::Event(logger, log::Level::info, "dmarc-report.done")
      .kv("reports", static_cast<unsigned long>(stats->reports))
      .kv("sent", static_cast<unsigned long>(stats->sent))
      .kv("failed", static_cast<unsigned long>(stats->failed))
      .kv("skipped", static_cast<unsigned long>(stats->skipped))
      .kv("already", static_cast<unsigned long>(stats->already))
      .kv("claimed_elsewhere", static_cast<unsigned long>(stats->claimed_elsewhere))
      .kv("recorded", a.dry_run || !a.out_dir.empty() ? "no" : "yes");
  if (a.expire_days && !a.dry_run) {
    // range() creates the history table when the database is new (the ledger deletes from it).
    if (auto schema = (*store)->range(0, 0); !schema) {
      log::Event(logger, log::Level::error, "dmarc-report.expire_failed").kv("reason", schema.error().detail);
      return kExitTempFail;
    }
    auto removed = (*ledger)->expire(o.now - *a.expire_days * dmarc::kDaySeconds);
    if (!removed) {
      log::Event(logger, log::Level::error, "dmarc-report.expire_failed").kv("reason", removed.error().detail);
      return kExitTempFail;
    }
    log::Event(logger, log::Level::info, "dmarc-report.expired").kv("rows", static_cast<long long>(*removed));
  }
  return stats->failed > 0 ? kExitTempFail : 0;
}

}  // namespace cachet::ctl

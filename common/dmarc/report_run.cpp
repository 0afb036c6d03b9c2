// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/report_run.cpp: see report_run.hpp.
#include "common/dmarc/report_run.hpp"

#include <algorithm>

#include "common/base/gzip.hpp"
#include "common/base/strings.hpp"
#include "common/dmarc/report_mail.hpp"
#include "common/dmarc/report_rua.hpp"

namespace cachet::dmarc {
namespace {

constexpr std::int64_t kReadSliceSeconds = 600;

struct Report {
  const DomainAggregate& agg;
  Period period;
  std::string id;
  std::string gz;
};

class Runner {
 public:
  Runner(const ReportRunOptions& opt, ReportLedger& ledger, dns::Resolver& resolver, const OrgDomainFinder& orgs,
         ReportDelivery& delivery, log::Logger& logger)
      : opt_(opt),
        ledger_(ledger),
        resolver_(resolver),
        orgs_(orgs),
        delivery_(delivery),
        logger_(logger),
        receiver_(to_lower(opt.report_email.substr(opt.report_email.rfind('@') + 1))) {}

  // One report: Errc::temporary only for database trouble (the run stops).
  Result<void> report(const DomainAggregate& agg, Period period) {
    const RuaList rua = parse_rua_list(agg.newest.rua);
    for (const std::string& why : rua.rejected)
      log::Event(logger_, log::Level::warning, "dmarc-report.rua_refused")
          .kv("domain", agg.policy_domain)
          .kv("uri", why);
    if (rua.targets.empty()) return {};
    const bool uses_ledger = !opt_.dry_run && opt_.record;
    if (uses_ledger) {
      auto claimed = ledger_.claim(agg.policy_domain, period, opt_.owner, opt_.now, opt_.stale_after);
      if (!claimed) return Unexpected<Error>(claimed.error());
      if (!*claimed) {
        ++stats.claimed_elsewhere;
        return {};
      }
    }
    Report r{agg, period, report_id(period, agg.policy_domain), {}};
    auto result = send_all(r, rua, uses_ledger);
    if (uses_ledger) {
      auto released = ledger_.release(agg.policy_domain, period, opt_.owner, result.has_value() && *result);
      if (!released) return released;
    }
    if (!result) return Unexpected<Error>(result.error());
    return {};
  }

  ReportRunStats stats;

 private:
  // True when every target is now sent or skipped.
  Result<bool> send_all(Report& r, const RuaList& rua, bool uses_ledger) {
    std::map<std::string, SendOutcome> done;
    if (uses_ledger) {
      auto got = ledger_.outcomes(r.agg.policy_domain, r.period);
      if (!got) return Unexpected<Error>(got.error());
      done = std::move(*got);
    }
    AggregateMeta meta{opt_.report_org.empty() ? receiver_ : opt_.report_org,
                       opt_.report_email,
                       opt_.report_contact,
                       r.id,
                       opt_.generator,
                       r.period,
                       opt_.discovery_method};
    auto gz = gzip_compress(aggregate_xml(meta, r.agg, opt_.shape));
    if (!gz) return Unexpected<Error>(gz.error());
    r.gz = std::move(*gz);
    ++stats.reports;
    bool complete = true;
    for (const RuaTarget& t : rua.targets) {
      const auto d = done.find(t.address);
      if (d != done.end() && d->second != SendOutcome::failed) {
        ++stats.already;
        continue;
      }
      auto [outcome, detail] = send_one(r, t);
      complete = complete && outcome != SendOutcome::failed;
      (outcome == SendOutcome::sent ? stats.sent : outcome == SendOutcome::skipped ? stats.skipped : stats.failed)++;
      log::Event(logger_, outcome == SendOutcome::sent ? log::Level::info : log::Level::warning,
                 std::string("dmarc-report.") + to_string(outcome))
          .kv("domain", r.agg.policy_domain)
          .kv("period", std::to_string(r.period.begin) + "-" + std::to_string(r.period.end - 1))
          .kv("rcpt", t.address)
          .kv("id", r.id)
          .kv("rows", static_cast<unsigned long>(r.agg.rows.size()))
          .kv("messages", static_cast<unsigned long>(r.agg.messages))
          .kv("detail", detail);
      if (!uses_ledger) continue;
      if (auto rec = ledger_.record({r.id, r.agg.policy_domain, r.period, t.address, outcome, detail, opt_.now}); !rec)
        return Unexpected<Error>(rec.error());
    }
    return complete;
  }

  std::pair<SendOutcome, std::string> send_one(const Report& r, const RuaTarget& t) {
    const ReportMail m{opt_.report_email,
                       opt_.report_org,
                       t.address,
                       receiver_,
                       r.agg.policy_domain,
                       r.id,
                       r.period,
                       opt_.now,
                       opt_.unique ? opt_.unique() : "0"};
    const std::string message = build_report_mail(m, r.gz);
    // The size first: a report too big for the target needs no DNS query.
    if (!fits_size_limit(message.size(), t))
      return {SendOutcome::skipped, "report of " + std::to_string(message.size()) + " bytes exceeds the limit of " +
                                        std::to_string(*t.max_bytes) + " bytes of " + t.uri};
    const ReportAuth auth = authorize_target(r.agg.policy_domain, t, orgs_, resolver_);
    if (auth == ReportAuth::try_later)
      return {SendOutcome::failed, "temporary DNS failure checking " + report_auth_name(r.agg.policy_domain, t.domain)};
    if (auth == ReportAuth::not_authorized)
      return {SendOutcome::skipped, "external destination not authorized: no v=DMARC1 at " +
                                        report_auth_name(r.agg.policy_domain, t.domain) + " (RFC 7489 s7.1)"};
    if (opt_.dry_run) return {SendOutcome::sent, "dry run: not sent"};
    const std::string stem = report_file_name(receiver_, r.agg.policy_domain, r.period, r.id);
    auto delivered =
        delivery_.deliver(opt_.report_email, t.address, stem.substr(0, stem.size() - 7) + "!" + t.address, message);
    if (!delivered) return {SendOutcome::failed, delivered.error().detail};
    return {SendOutcome::sent, std::string(to_string(auth)) + ", " + std::to_string(message.size()) + " bytes"};
  }

  const ReportRunOptions& opt_;
  ReportLedger& ledger_;
  dns::Resolver& resolver_;
  const OrgDomainFinder& orgs_;
  ReportDelivery& delivery_;
  log::Logger& logger_;
  std::string receiver_;
};

}  // namespace

Result<ReportRunStats> run_aggregate_reports(const ReportRunOptions& opt, HistoryStore& store, ReportLedger& ledger,
                                             dns::Resolver& resolver, const OrgDomainFinder& orgs,
                                             ReportDelivery& delivery, log::Logger& logger) {
  if (opt.report_email.find('@') == std::string::npos)
    return fail(Errc::config, "the report address (ReportEmail / --report-email) is missing or has no '@'");
  auto periods = complete_periods(opt.since, opt.now, opt.period);
  if (!periods) return Unexpected<Error>(periods.error());
  Runner runner(opt, ledger, resolver, orgs, delivery, logger);
  for (const Period& p : *periods) {
    // The period is read in slices: range() returns whole records, and a busy day holds
    // millions; memory then grows with one slice plus the distinct rows, not the day.
    AggregateBuilder builder(p);
    for (std::int64_t from = p.begin; from < p.end; from += kReadSliceSeconds) {
      auto records = store.range(from, std::min(from + kReadSliceSeconds, p.end));
      if (!records) return Unexpected<Error>(records.error());
      for (const HistoryRecord& r : *records) builder.add(r);
    }
    for (const auto& [domain, agg] : builder.domains()) {
      if (!opt.only_domain.empty() && !iequals(domain, opt.only_domain)) continue;
      if (auto done = runner.report(agg, p); !done) return Unexpected<Error>(done.error());
    }
  }
  return runner.stats;
}

}  // namespace cachet::dmarc

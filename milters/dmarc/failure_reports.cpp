// SPDX-License-Identifier: BSD-2-Clause
// milters/dmarc/failure_reports.cpp: see failure_reports.hpp.
#include "milters/dmarc/failure_reports.hpp"

#include <pwd.h>
#include <unistd.h>

#include <ctime>

#include "common/base/random.hpp"
#include "common/base/strings.hpp"
#include "common/dmarc/report_delivery.hpp"
#include "common/dmarc/report_rua.hpp"
#include "milters/dmarc/settings.hpp"

namespace cachet::dmarcd {
namespace {

// "local@domain" checked as a mailto: target is (no spaces, controls or specials that could
// end the address in a header or become a sendmail option); the normalized address.
Result<std::string> checked_address(std::string_view addr) {
  auto t = dmarc::parse_rua_target("mailto:" + std::string(addr));
  if (!t) return fail(Errc::config, "'" + std::string(addr) + "' is not a mail address (" + t.error().detail + ")");
  return t->address;
}

std::string user_name(const config::Config& cfg) {
  if (const std::string& user = cfg.string("UserID"); !user.empty()) return user.substr(0, user.find(':'));
  passwd pw{}, *found = nullptr;
  char buf[1024];
  if (::getpwuid_r(::geteuid(), &pw, buf, sizeof buf, &found) == 0 && found != nullptr) return found->pw_name;
  return "root";
}

// Keeps what the finder refers to alive as long as the finder.
struct PslFinder {
  explicit PslFinder(std::shared_ptr<const dmarc::PublicSuffixList> p) : psl(std::move(p)), finder(*psl) {}
  std::shared_ptr<const dmarc::PublicSuffixList> psl;
  dmarc::PslOrgDomain finder;
};
struct TreeWalkFinder {
  explicit TreeWalkFinder(std::shared_ptr<dns::Resolver> r) : resolver(std::move(r)), finder(*resolver) {}
  std::shared_ptr<dns::Resolver> resolver;
  dmarc::TreeWalkOrgDomain finder;
};

}  // namespace

FailureConfig failure_config(const config::Config& cfg, std::vector<config::Problem>& problems) {
  FailureConfig c;
  c.enabled = cfg.boolean("FailureReports");
  c.options.on_none = cfg.boolean("FailureReportsOnNone");
  c.per_hour = static_cast<unsigned>(cfg.integer("FailureReportsRateLimit"));
  for (const std::string_view item : split(cfg.string("FailureReportsBcc"), ',')) {
    for (std::string_view word : split(item, ' ')) {
      word = trim(word);
      if (word.empty()) continue;
      if (auto a = checked_address(word))
        c.bcc.push_back(std::move(*a));
      else if (c.enabled)
        problems.push_back(config::problem_from(cfg, "FailureReportsBcc", a.error()));
    }
  }
  c.options.has_bcc = !c.bcc.empty();
  c.sent_by = std::string(trim(cfg.string("FailureReportsSentBy")));
  if (c.sent_by.empty()) c.sent_by = user_name(cfg) + "@" + expand_hostname("HOSTNAME");
  std::string_view inner = c.sent_by;  // "Name <addr>" -> addr
  if (const auto lt = inner.rfind('<'); lt != std::string_view::npos && inner.back() == '>')
    inner = inner.substr(lt + 1, inner.size() - lt - 2);
  if (auto a = checked_address(inner))
    c.envelope_from = std::move(*a);
  else if (c.enabled)  // the default names this host: checked only when it is used
    problems.push_back(config::problem_from(cfg, "FailureReportsSentBy", a.error()));
  const std::string_view command = trim(cfg.string("ReportCommand"));
  c.sendmail = std::string(command.substr(0, command.find_first_of(" \t")));
  if (c.enabled && (c.sendmail.empty() || c.sendmail.front() != '/'))
    problems.push_back(config::problem_at(cfg, "ReportCommand", "'" + c.sendmail + "' is not an absolute path",
                                          "name the sendmail program, e.g. /usr/sbin/sendmail"));
  else if (c.enabled && ::access(c.sendmail.c_str(), X_OK) != 0)
    problems.push_back(
        config::problem_at(cfg, "ReportCommand", c.sendmail + " is not an executable program",
                           "install Postfix (or another sendmail), or name its sendmail in ReportCommand"));
  return c;
}

Result<std::shared_ptr<const FailureState>> FailureOutputs::state_for(
    const config::Config& cfg, std::shared_ptr<dns::Resolver> resolver,
    std::shared_ptr<const dmarc::PublicSuffixList> psl, log::Logger& logger) {
  std::vector<config::Problem> problems;
  FailureConfig c = failure_config(cfg, problems);
  if (!problems.empty()) {
    const config::Problem& p = problems.front();
    return fail(Errc::config, p.option + ": " + p.message);
  }
  if (!c.enabled) return std::shared_ptr<const FailureState>();
  auto sender = std::make_shared<dmarc::FailureSender>();
  sender->sent_by = c.sent_by;
  sender->envelope_from = c.envelope_from;
  sender->bcc = c.bcc;
  sender->per_hour = c.per_hour;
  if (psl) {
    auto holder = std::make_shared<const PslFinder>(std::move(psl));
    sender->orgs = std::shared_ptr<const dmarc::OrgDomainFinder>(holder, &holder->finder);
  } else {
    auto holder = std::make_shared<const TreeWalkFinder>(resolver);
    sender->orgs = std::shared_ptr<const dmarc::OrgDomainFinder>(holder, &holder->finder);
  }
  sender->resolver = std::move(resolver);
  sender->delivery = std::make_shared<dmarc::SendmailDelivery>(c.sendmail);
  sender->unique = random_hex64;
  sender->now = [] { return static_cast<std::int64_t>(std::time(nullptr)); };
  auto st = std::make_shared<FailureState>();
  st->options = c.options;
  st->sender = std::move(sender);
  {
    auto cached = reporter_.lock();
    st->reporter = cached->lock();
    if (!st->reporter) {
      st->reporter = std::make_shared<dmarc::FailureReporter>(logger);
      *cached = st->reporter;
    }
  }
  return std::shared_ptr<const FailureState>(std::move(st));
}

}  // namespace cachet::dmarcd

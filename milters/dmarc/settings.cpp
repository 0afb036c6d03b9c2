// SPDX-License-Identifier: BSD-2-Clause
// milters/dmarc/settings.cpp: see settings.hpp.
#include "milters/dmarc/settings.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "common/base/strings.hpp"
#include "common/config/option_values.hpp"
#include "common/metrics/domain_label.hpp"
#include "milters/dmarc/history_outputs.hpp"

namespace cachet::dmarcd {
namespace {

// Each failing option is one problem in `problems`; the others still load.
void load_lists(const config::Config& cfg, DmarcSettings& s, std::vector<config::Problem>& problems) {
  if (auto hosts = config::option_host_list(cfg, "IgnoreHosts"))
    s.ignore_hosts = std::move(*hosts);
  else
    problems.push_back(config::problem_from(cfg, "IgnoreHosts", hosts.error()));
  if (auto from = config::option_dataset(cfg, "IgnoreMailFrom"))
    s.ignore_mail_from = std::move(*from);
  else
    problems.push_back(config::problem_from(cfg, "IgnoreMailFrom", from.error()));
}

}  // namespace

std::string expand_hostname(std::string_view id) {
  if (!iequals(id, "HOSTNAME")) return std::string(id);
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) return std::string(id);
  return host;
}

namespace {

// The SQLite file is created at the first record: a directory missing then loses history
// (dmarc.history_unavailable) while the rest works, so -n says so now, as a warning (under
// systemd, StateDirectory= creates /var/lib/cachet when the service starts).
void check_history_database(const config::Config& cfg, std::vector<config::Problem>& problems) {
  const std::string& db = cfg.string("HistoryDatabase");
  if (db.empty() || dmarc::is_history_off(db)) return;
  if (auto ok = dmarc::check_history_spec(db); !ok) {
    problems.push_back(config::problem_from(cfg, "HistoryDatabase", ok.error()));
    return;
  }
  if (dmarc::is_postgres_spec(db)) return;
  const std::string dir = db.substr(0, std::max<std::size_t>(db.rfind('/'), 1));
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    problems.push_back(
        config::problem_at(cfg, "HistoryDatabase", "directory " + dir + " does not exist: no history is recorded",
                           "create it, writable by UserID, or set HistoryDatabase none", config::Severity::warning));
}

// The settings, with every problem in `problems` (the failing options keep their zero value).
DmarcSettings load_settings(const config::Config& cfg, std::vector<config::Problem>& problems) {
  DmarcSettings s;
  s.authserv_id = expand_hostname(cfg.string("AuthservID"));
  s.authserv_id_with_job_id = cfg.boolean("AuthservIDWithJobID");
  for (const std::string& id : cfg.list("TrustedAuthservIDs")) s.trusted_ids.push_back(expand_hostname(id));
  s.spf_ignore_results = cfg.boolean("SPFIgnoreResults");
  s.spf_self_validate = cfg.boolean("SPFSelfValidate");
  s.ignore_authenticated = cfg.boolean("IgnoreAuthenticatedClients");
  s.required_headers = cfg.boolean("RequiredHeaders");
  s.reject_multi_value_from = cfg.boolean("RejectMultiValueFrom");
  s.required_from = cfg.boolean("RequiredFrom");
  s.reject_failures = cfg.boolean("RejectFailures");
  s.reject_string = cfg.string("RejectString");
  s.hold_quarantined = cfg.boolean("HoldQuarantinedMessages");
  s.copy_failures_to = cfg.string("CopyFailuresTo");
  s.software_header = cfg.boolean("SoftwareHeader");
  s.mode = iequals(cfg.string("DMARCDiscovery"), "treewalk") ? dmarc::DiscoveryMode::tree_walk
                                                             : dmarc::DiscoveryMode::rfc7489_psl;
  s.record_all_messages = cfg.boolean("RecordAllMessages");
  check_history_database(cfg, problems);
  load_lists(cfg, s, problems);
  if (const std::string& path = cfg.string("PublicSuffixList"); !path.empty()) {
    if (auto psl = dmarc::PublicSuffixList::load_file(path))
      s.psl = std::make_shared<const dmarc::PublicSuffixList>(std::move(*psl));
    else
      problems.push_back(config::problem_from(cfg, "PublicSuffixList", psl.error()));
  }
  return s;
}

}  // namespace

Result<DmarcSettings> build_settings(const config::Config& cfg) {
  std::vector<config::Problem> problems;
  DmarcSettings s = load_settings(cfg, problems);
  // Warnings were logged by the daemon's check (check_settings): they do not stop it.
  const auto error = std::find_if(problems.begin(), problems.end(),
                                  [](const config::Problem& p) { return p.severity == config::Severity::error; });
  if (error == problems.end()) return s;
  const config::Problem& p = *error;
  return fail(Errc::config,
              p.option.empty() ? p.message : p.option + ": " + p.message + (p.fix.empty() ? "" : "; fix: " + p.fix));
}

std::vector<config::Problem> check_settings(const config::Config& cfg) {
  std::vector<config::Problem> problems;
  (void)load_settings(cfg, problems);
  (void)failure_config(cfg, problems);
  if (auto md = metrics::parse_metrics_domains(cfg.list(metrics::kMetricsDomainsOption.name)); !md)
    problems.push_back(config::problem_from(cfg, metrics::kMetricsDomainsOption.name, md.error()));
  return problems;
}

Result<std::shared_ptr<const DmarcState>> build_state(const config::Config& cfg, HistoryOutputs* history,
                                                      log::Logger* logger, FailureOutputs* failure) {
  auto settings = build_settings(cfg);
  if (!settings) return Unexpected<Error>(settings.error());
  auto st = std::make_shared<DmarcState>();
  st->settings = std::move(*settings);
  auto domains = metrics::parse_metrics_domains(cfg.list(metrics::kMetricsDomainsOption.name));
  if (!domains) return config::option_error(metrics::kMetricsDomainsOption.name, domains.error());
  st->metrics_domains = std::move(*domains);
  dns::ResolverOptions ro;
  ro.nameservers = cfg.list("Nameservers");
  ro.timeout = std::chrono::seconds(cfg.integer("DNSTimeout"));
  auto net = dns::LdnsResolver::create(ro);
  if (!net) return config::option_error("Nameservers", net.error());
  auto r = std::make_shared<Resolvers>();
  r->network = std::move(*net);
  r->cache = std::make_unique<dns::CachingResolver>(*r->network);
  st->resolvers = std::move(r);
  if (failure != nullptr && logger != nullptr) {
    auto f = failure->state_for(cfg, std::shared_ptr<dns::Resolver>(st->resolvers, st->resolvers->cache.get()),
                                st->settings.psl, *logger);
    if (!f) return Unexpected<Error>(f.error());
    st->failure = std::move(*f);
  }
  if (history != nullptr && logger != nullptr) {
    auto writers = history->writers_for(cfg, *logger);  // nothing is opened yet
    if (!writers) return Unexpected<Error>(writers.error());
    st->history = std::move(*writers);
  }
  return std::shared_ptr<const DmarcState>(std::move(st));
}

}  // namespace cachet::dmarcd

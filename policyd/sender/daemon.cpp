// SPDX-License-Identifier: BSD-2-Clause
// policyd/sender/daemon.cpp: cachet-sender's daemon spec and query mode (daemon.hpp).
#include "policyd/sender/daemon.hpp"

#include <iostream>
#include <vector>

#include "common/base/strings.hpp"
#include "common/config/config.hpp"
#include "common/daemon/daemon.hpp"
#include "policyd/sender/options.hpp"
#include "policyd/sender/session.hpp"

namespace cachet::senderd {
namespace {

constexpr std::string_view kBinary = "cachet-sender";

std::vector<config::Problem> validate(const config::Config& cfg) { return sender::validate_maps_options(cfg); }

// Check mode: the maps exactly as make_handler loads them (main.cf, the tables it names,
// the aliases files), so a missing main.cf or a broken map fails the check, not the start;
// every broken table is named, each problem located (sender::check_maps_files).
std::vector<config::Problem> check_files(const config::Config& cfg) {
  const auto settings = handler_settings_from(cfg, system_hostname());
  return sender::check_maps_files(cfg, settings.maps, tables::read_table_file);
}

Result<std::shared_ptr<policy::PolicyHandler>> make_handler(const std::shared_ptr<const config::Config>& cfg,
                                                            log::Logger& logger) {
  auto h = SenderHandler::create(handler_settings_from(*cfg, system_hostname()), tables::read_table_file, logger);
  if (!h) return Unexpected<Error>(std::move(h).error());
  return std::shared_ptr<policy::PolicyHandler>(std::move(*h));
}

void print_decision(std::ostream& out, const QueryArgs& q, const Decision& d) {
  out << "sender:   " << (q.address.empty() ? "<>" : q.address) << '\n'
      << "login:    " << (q.login.empty() ? "(not authenticated)" : q.login) << '\n'
      << "decision: " << to_string(d.verdict) << " (" << d.why << ")\n"
      << "rule:     " << (d.rule.empty() ? "none" : d.rule) << '\n';
  if (!d.rule_text.empty()) out << "          " << d.rule_text << '\n';
  if (!d.owners.empty()) out << "owners:   " << d.owners << '\n';
  out << "action:   " << d.action << '\n';
  if (d.verdict != Verdict::allowed)
    out << "reply:    " << client_reply(d, q.address) << "  (in smtpd_sender_restrictions)\n";
}

}  // namespace

policy::PolicyDaemonSpec daemon_spec() {
  policy::PolicyDaemonSpec s;
  s.binary = kBinary;
  s.version = CACHET_VERSION;
  s.options = kSenderOptions;
  s.default_config = kDefaultConfig;
  s.config_flag = 'c';
  s.validate = validate;
  s.make_handler = make_handler;
  s.check = check_files;
  return s;
}

std::optional<Result<QueryArgs>> parse_query_args(std::span<const std::string_view> args) {
  bool query = false;
  for (const auto a : args)
    if (a == "-q" || a == "--query") query = true;
  if (!query) return std::nullopt;
  QueryArgs q;
  q.config_path = std::string(kDefaultConfig);
  std::vector<std::string_view> bare;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (a == "-q" || a == "--query") continue;
    if (a == "-c" || a == "--config") {
      if (i + 1 >= args.size()) return Result<QueryArgs>(fail(Errc::config, "-c needs a file"));
      q.config_path = std::string(args[++i]);
    } else if (a.size() > 1 && a[0] == '-') {
      return Result<QueryArgs>(fail(Errc::config, "query mode: unknown option " + std::string(a)));
    } else {
      bare.push_back(a);
    }
  }
  if (bare.empty() || bare.size() > 2)
    return Result<QueryArgs>(fail(Errc::config, "usage: cachet-sender [-c config] -q address [login]"));
  q.address = std::string(bare[0]);
  if (bare.size() == 2) q.login = std::string(bare[1]);
  return Result<QueryArgs>(std::move(q));
}

int run_query(const QueryArgs& args, std::ostream& out, std::ostream& err) {
  auto outcome = config::load_config(args.config_path, kSenderOptions);
  if (outcome.ok())
    for (auto& p : validate(*outcome.config)) {
      outcome.problems.push_back(p);
      outcome.config.reset();
    }
  for (const auto& p : outcome.problems) err << p.to_string() << '\n';
  if (!outcome.ok()) return config::kExitConfig;
  log::CaptureLogger logger;
  auto handler =
      SenderHandler::create(handler_settings_from(*outcome.config, system_hostname()), tables::read_table_file, logger);
  for (const auto& line : logger.lines()) err << line << '\n';
  if (!handler) {
    err << "cachet-sender: " << handler.error().detail << '\n';
    return config::kExitConfig;
  }
  const Decision d = (*handler)->decide_for(args.address, args.login);
  print_decision(out, args, d);
  switch (d.verdict) {
    case Verdict::allowed: return kQueryAllowed;
    case Verdict::lookup_failed: return kQueryTempfail;
    case Verdict::not_owned:
    case Verdict::not_logged_in: return kQueryRefused;
  }
  return kQueryRefused;
}

int sender_main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  if (auto q = parse_query_args(args)) {
    if (!*q) {
      std::cerr << "cachet-sender: " << q->error().detail << '\n';
      return daemon::kExitUsage;
    }
    return run_query(**q, std::cout, std::cerr);
  }
  metrics::Registry registry;
  const metrics::FixedLabelCounter decisions(registry, "cachet_sender_decisions_total",
                                             "requests by sender-login decision", "decision",
                                             {"allowed", "not_owned", "not_logged_in", "lookup_failed"});
  policy::PolicyDaemonSpec spec = daemon_spec();
  spec.metrics = &registry;
  spec.make_handler = [&decisions](const std::shared_ptr<const config::Config>& cfg,
                                   log::Logger& logger) -> Result<std::shared_ptr<policy::PolicyHandler>> {
    auto h = make_handler(cfg, logger);
    if (h) std::static_pointer_cast<SenderHandler>(*h)->set_decision_counter(&decisions);
    return h;
  };
  return policy::run_policy_daemon(spec, argc, argv);
}

}  // namespace cachet::senderd

// SPDX-License-Identifier: BSD-2-Clause
// milters/dkim/daemon.cpp: see daemon.hpp.
#include "milters/dkim/daemon.hpp"

#include <pwd.h>

#include <algorithm>
#include <ctime>

#include "common/base/strings.hpp"
#include "common/dkim/key_file.hpp"
#include "common/milter/wire.hpp"
#include "milters/dkim/options.hpp"

#ifndef CACHET_VERSION
#define CACHET_VERSION "0.0.0"
#endif

namespace cachet::dkimd {
namespace {

// The uid of UserID's user (for RequireSafeKeys ownership checks), if any.
std::optional<uid_t> user_id(const config::Config& cfg) {
  const std::string& spec = cfg.string("UserID");
  if (spec.empty()) return std::nullopt;
  const std::string user = spec.substr(0, spec.find(':'));
  if (const auto n = parse_uint(user)) return static_cast<uid_t>(*n);
  if (const passwd* pw = ::getpwnam(user.c_str())) return pw->pw_uid;
  return std::nullopt;
}

// Whose view RequireSafeKeys takes in the check mode: UserID's user; else the user
// dkim::tool_key_user names, the one cachetctl testkey and doctor judge for (run as root:
// the packaged user cachet-dkim when it exists, so the packaged 0640 root:cachet-dkim key
// passes and a key only root can read does not). Startup keeps user_id(): a root start
// without UserID judges for root (`UserID root` makes the check agree with it).
std::optional<uid_t> check_user_id(const config::Config& cfg) {
  if (!cfg.string("UserID").empty()) return user_id(cfg);
  auto user = dkim::tool_key_user("");
  return user ? std::optional<uid_t>(user->uid) : std::nullopt;
}

}  // namespace

milter::MilterSpec DkimDaemon::milter_spec(const config::Config& cfg) {
  namespace wire = milter::wire;
  milter::MilterSpec s;
  s.name = "cachet-dkim";
  s.actions = wire::kActAddHdrs | wire::kActChgHdrs | wire::kActQuarantine | wire::kActSetSymList;
  s.steps.envrcpt = cfg.is_set("DontSignMailTo");
  // No reply to wait for before EOM: two round trips (and wake-ups) fewer per message. A
  // verdict at EOH (an unsigned message, a PeerList client) is held by the milter layer and
  // given at EOM; the body is then sent for nothing, which costs less than the round trips.
  s.no_reply = wire::kNrConn | wire::kNrMail | wire::kNrRcpt | wire::kNrHdr | wire::kNrEoh | wire::kNrBody;
  s.header_leading_space = true;  // exact header bytes for simple canonicalization
  std::string mail = "i {auth_type} {auth_authen} {daemon_name}";
  if (!cfg.string("MacroList").empty())
    if (auto ds = config::load_dataset(cfg.string("MacroList")))
      for (const auto& e : ds->entries()) {
        std::string name = e.key.substr(0, e.key.find('='));
        if (!name.empty() && name.front() != '{' && name.size() > 1) name = "{" + name + "}";
        mail += " " + name;
      }
  s.macros[static_cast<int>(wire::Stage::mail)] = mail;
  s.macros[static_cast<int>(wire::Stage::eom)] = "i j";
  const std::optional<config::Action> internal =
      cfg.is_set("On-InternalError") ? std::optional(cfg.action("On-InternalError")) : std::nullopt;
  s.on_internal_error = internal && *internal == config::Action::accept   ? milter::FailureAction::accept
                        : internal && *internal == config::Action::reject ? milter::FailureAction::reject
                                                                          : milter::FailureAction::tempfail;
  return s;
}

DkimDaemon::DkimDaemon() {
  spec_.binary = "cachet-dkim";
  spec_.version = CACHET_VERSION;
  spec_.options = kDkimOptions;
  spec_.default_config = "/etc/cachet/dkim.conf";
  spec_.config_flag = 'x';
  // -n as root without UserID judges the keys for the packaged user, as testkey and doctor
  spec_.packaged_user = dkim::kPackagedDaemonUser;
  spec_.validate = validate_config;
  spec_.milter = milter_spec;
  // Check mode: everything build_state loads (keys, tables, lists), every problem located;
  // the login maps as cachet-sender's check loads them, each broken one named (they then
  // replace build_state's one-line SenderLoginMaps summary).
  spec_.check = [](const config::Config& cfg) {
    auto problems = check_state(cfg, BuildContext{check_user_id(cfg)});
    if (!from_check_enabled(cfg)) return problems;
    auto maps =
        sender::check_maps_files(cfg, sender::settings_from(cfg, sender::system_hostname()), tables::read_table_file);
    if (!maps.empty())
      problems.erase(std::remove_if(problems.begin(), problems.end(),
                                    [](const config::Problem& p) { return p.option == "SenderLoginMaps"; }),
                     problems.end());
    for (auto& p : maps) problems.push_back(std::move(p));
    return problems;
  };
  spec_.metrics = &metrics_;
  spec_.load_state = [this](const config::Config& cfg, log::Logger& logger, bool startup) -> Result<void> {
    if (startup) run_as_uid_ = user_id(cfg);
    auto st = build_state(cfg, BuildContext{run_as_uid_});
    if (!st) {
      if (!startup) log::Event(logger, log::Level::error, "dkim.reload_failed").kv("reason", st.error().detail);
      return Unexpected<Error>(st.error());
    }
    for (const std::string& w : (*st)->load_warnings)
      log::Event(logger, log::Level::warning, "dkim.map_warning").kv("problem", w);
    if ((*st)->resolvers) (*st)->resolvers->network->set_observer(&dns_counters_);
    log::Event(logger, log::Level::info, "dkim.keys_loaded").kv("keys", static_cast<long long>((*st)->keys.size()));
    state_.store(*st);
    return {};
  };
  spec_.make_session = [this](const milter::ConnInfo& ci, log::Logger& logger) {
    SessionShared shared{&state_, &key_cache_, &logger, [] { return static_cast<std::uint64_t>(std::time(nullptr)); },
                         &counters_};
    return std::make_unique<DkimSession>(shared, ci);
  };
}

}  // namespace cachet::dkimd

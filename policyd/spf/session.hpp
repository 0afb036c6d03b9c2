// SPDX-License-Identifier: BSD-2-Clause
//
// policyd/spf/session.hpp: cachet-spf's PolicyHandler: one request in, one action out, in
// policyd-spf 3.0.4's order (skip_addresses, Whitelist, Domain_Whitelist, HELO_Whitelist,
// Domain_Whitelist_PTR, then HELO, then MAIL FROM) with its per-`instance` cache so a
// message gets one header however many recipients it has. The wording is common/spf/action.hpp's.
// Thread-safety: handle() runs concurrently on the socket server's workers. Each call makes
// its own SpfEngine (~1 us; engines are not thread-safe); the Resolver (a shared
// CachingResolver in socket mode) and the instance cache (Guarded) are shared.
// Errors: an unparsable client_address, or an exception from below, is returned as an
// error, so the policy layer logs it and closes without replying (Postfix then applies
// smtpd_policy_service_default_action). No error becomes OK; a DNS timeout is temperror.
// Deliberate differences from policyd-spf: see docs/migrating.md (cachet-spf).
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/base/guarded.hpp"
#include "common/dns/name.hpp"
#include "common/dns/resolver.hpp"
#include "common/log/logger.hpp"
#include "common/metrics/metrics.hpp"
#include "common/policy/handler.hpp"
#include "common/spf/action.hpp"
#include "policyd/spf/settings.hpp"

namespace cachet::spfd {

// The pure decision (common/spf/action.hpp).
using spf::Disposition;
using spf::HeaderFacts;
using spf::kMockAction;
using spf::Outcome;
using spf::Scope;
using spf::SkipReason;
using spf::Verdict;

// Messages remembered by the instance cache (oldest forgotten first). A spawned process
// serves one smtpd connection; the socket server serves all of them.
inline constexpr std::size_t kMaxInstances = 4096;

// What the answers so far leave for later recipients of the same message.
// Per_User (a decision, see decide()): a recipient with a per-user line is always evaluated
// under its own settings and never answered from, nor stored as, `outcome` (policyd-spf
// does the same: its reject/defer policy may differ from the global one); but every
// recipient, per-user or not, sets `header_prepended`, so a message gets one SPF header
// whichever recipients come first. (policyd-spf lets a plain recipient after a per-user
// one prepend a second header; docs/migrating.md.)
struct CachedInstance {
  std::optional<Outcome> outcome;  // the answer under the global settings
  bool header_prepended = false;   // some recipient of this message got a prepend
  std::string pending_header;      // Header_Type Both: the A-R header still to prepend
};

class InstanceCache {
 public:
  std::optional<CachedInstance> find(const std::string& instance);
  void put(const std::string& instance, CachedInstance entry);

 private:
  struct Entries {
    std::unordered_map<std::string, CachedInstance> map;
    std::deque<std::string> order;  // insertion order, oldest first
  };
  Guarded<Entries> entries_;
};

// Request values as policyd-spf sees them: lower-cased except protocol_state,
// protocol_name and queue_id; invalid UTF-8 bytes replaced with U+FFFD (Postfix refuses
// a non-UTF-8 reply).
std::string clean_value(std::string_view value, bool lower);

// The PTR query name for an address (common/dns/name.hpp).
using dns::reverse_name;

// True when `domain` is one of `list` or a subdomain of one.
bool domain_in(const std::vector<std::string>& list, std::string_view domain);

class SpfService final : public policy::PolicyHandler {
 public:
  using SettingsSource = std::function<std::shared_ptr<const Settings>()>;
  // `receiver` is the %{r} macro value (this host's name). All references must outlive
  // the service.
  // `cache` may be shared by the services of successive config snapshots (reload).
  SpfService(dns::Resolver& resolver, log::Logger& logger, SettingsSource settings, std::string receiver,
             std::shared_ptr<InstanceCache> cache = std::make_shared<InstanceCache>());

  Result<std::string> handle(const policy::Request& request, const policy::ConnectionInfo& conn) override;

  // Prometheus series (socket mode), counted per request when set:
  //   cachet_spf_results_total{result}  (the RFC 7208 result, or none/skip/cached)
  //   cachet_spf_actions_total{action="prepend|dunno|reject|defer|restriction"}
  struct Counters {
    explicit Counters(metrics::Registry& r);
    metrics::FixedLabelCounter results, actions;
  };
  void set_counters(const Counters* c) noexcept { counters_ = c; }

  // The decision for one request under `s`, or under the recipient's per-user settings
  // when s.per_user lists it (handle() without the logging and the final formatting).
  // `*used` (if given) is set to the Settings applied, for action_text; `*why` (if given) to
  // the words of the decision line (spf_why.hpp). Errors as handle().
  [[nodiscard]] Result<Outcome> decide(const policy::Request& request, const Settings& s, std::string* identity,
                                       std::string* result, const Settings** used = nullptr,
                                       std::string* why = nullptr);

 private:
  dns::Resolver& resolver_;
  log::Logger& logger_;
  SettingsSource settings_;
  std::string receiver_;
  std::shared_ptr<InstanceCache> cache_;
  const Counters* counters_ = nullptr;
};

}  // namespace cachet::spfd

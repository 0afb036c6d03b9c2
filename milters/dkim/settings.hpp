// SPDX-License-Identifier: BSD-2-Clause
//
// milters/dkim/settings.hpp: DkimState, cachet-dkim's immutable per-configuration state:
// the option values the per-message path needs (copied out of the Config, so no map lookups
// per message), the signing keys (parsed once into OpenSSL objects), the tables, and the
// resolver. Built at startup (as root, before the privilege drop) and on each reload; a
// session takes one snapshot at MAIL FROM (Swappable, common/base).
// build_state does I/O (key files, dataset files); errors are Errc::config naming the
// option and file. Never logs key material.
// See also: options.hpp, common/dkim/policy.hpp (signing decisions), session.hpp.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/base/result.hpp"
#include "common/config/config.hpp"
#include "common/config/dataset.hpp"
#include "common/config/host_list.hpp"
#include "common/crypto/crypto.hpp"
#include "common/dkim/policy.hpp"
#include "common/dkim/signature.hpp"
#include "common/dns/caching_resolver.hpp"
#include "common/dns/ldns_resolver.hpp"
#include "common/sender/from_login.hpp"
#include "common/sender/login_maps.hpp"

namespace cachet::dkimd {

using dkim::Actions;
using dkim::MacroRule;
using dkim::SigningKey;

struct Resolvers {
  std::unique_ptr<dns::LdnsResolver> network;
  std::unique_ptr<dns::CachingResolver> cache;  // over network
};

// The signing decision's inputs (common/dkim/policy.hpp) and what the session needs.
struct DkimState : dkim::SigningPolicy {
  bool sign_mode = true, verify_mode = true;
  // Signing.
  dkim::Canon header_canon = dkim::Canon::simple, body_canon = dkim::Canon::simple;
  std::optional<dkim::Algorithm> configured_algorithm;  // SignatureAlgorithm if set
  std::vector<std::string> sign_headers;                // effective (defaults, +/- applied, omits removed)
  std::vector<std::string> oversign_headers;
  std::uint64_t signature_ttl = 0;
  bool remove_old_signatures = false;
  config::HostList internal_hosts, peer_list;
  config::Dataset dont_sign_mail_to, exempt_domains;
  std::vector<std::string> sender_headers;  // default {"From"}
  // The header From bound to the login: null maps = not checked (FromLoginMismatch and
  // InternalFromMismatch `sign` and no SenderLoginMaps: opendkim's behaviour, nothing read).
  std::shared_ptr<const sender::SenderMaps> login_maps;
  sender::FromPolicy from_policy;
  // Verifying.
  std::string authserv_id;  // "" = the MTA's j macro
  bool authserv_id_with_job_id = false;
  bool always_add_ar = false;
  bool log_why = false;                                  // LogWhy: per-signature lines and the client facts
  std::vector<std::string> metrics_domains;              // MetricsDomains (common/metrics/domain_label.hpp)
  std::size_t max_signatures = 3;                        // 0: only author-domain and trusted signers
  std::vector<std::string> must_be_signed;               // MustBeSigned field names
  std::optional<config::Dataset> trust_signatures_from;  // TrustSignaturesFrom
  int min_key_bits = 1024;
  std::uint64_t clock_drift = 300;
  bool allow_sha1 = false;
  bool no_header_b = false;
  bool keep_auth_results = false;
  std::vector<std::string> remove_ar_from;  // extra authserv-ids to remove
  bool software_header = false;
  Actions actions;
  std::shared_ptr<Resolvers> resolvers;    // shared: sessions keep it alive via the snapshot
  std::vector<std::string> load_warnings;  // "file:line: ..." from the maps, logged at load
};

struct BuildContext {
  std::optional<uid_t> run_as_uid;  // for RequireSafeKeys ownership checks
};

// Errors: config (bad option combination, unreadable/unsafe key, bad table row, bad
// nameserver): the first problem check_state would list, as `file:line: Option: what;
// fix: ...`, and how many more there are.
[[nodiscard]] Result<std::shared_ptr<const DkimState>> build_state(const config::Config& cfg, const BuildContext& ctx);

// Check mode: every problem build_state would meet (each key, table and list file), with
// file:line and fix, from the same loaders. Empty = build_state succeeds.
std::vector<config::Problem> check_state(const config::Config& cfg, const BuildContext& ctx);

// Cross-option checks for run_daemon's validate hook (Mode value, Canonicalization,
// SignatureAlgorithm, single-key options given together).
std::vector<config::Problem> validate_config(const config::Config& cfg);

// True when the header From check reads the login maps: FromLoginMismatch or
// InternalFromMismatch is not `sign`, or SenderLoginMaps is set (report mode).
bool from_check_enabled(const config::Config& cfg);

}  // namespace cachet::dkimd

// SPDX-License-Identifier: BSD-2-Clause
// milters/dkim/settings.cpp: see settings.hpp.
#include "milters/dkim/settings.hpp"

#include <algorithm>

#include "common/base/strings.hpp"
#include "common/config/option_values.hpp"
#include "common/dkim/key_file.hpp"
#include "common/dkim/sign.hpp"
#include "common/metrics/domain_label.hpp"

namespace cachet::dkimd {
namespace {

using config::option_dataset;
using config::option_error;
using config::option_keys;

std::optional<std::pair<dkim::Canon, dkim::Canon>> parse_canon(std::string_view text) {
  const auto slash = text.find('/');
  auto one = [](std::string_view t) -> std::optional<dkim::Canon> {
    if (iequals(t, "simple")) return dkim::Canon::simple;
    if (iequals(t, "relaxed")) return dkim::Canon::relaxed;
    return std::nullopt;
  };
  const auto h = one(text.substr(0, slash));
  const auto b = slash == std::string_view::npos ? std::optional(dkim::Canon::simple) : one(text.substr(slash + 1));
  if (!h || !b) return std::nullopt;
  return std::pair(*h, *b);
}

bool contains_name(const std::vector<std::string>& v, std::string_view n) {
  return std::any_of(v.begin(), v.end(), [&](const std::string& x) { return iequals(x, n); });
}

// opendkim's header list deltas: "*" = the default list, "+x" adds, "-x" removes; a list
// without "*" replaces the default.
std::vector<std::string> apply_deltas(const std::vector<std::string>& defaults, const std::vector<std::string>& items) {
  const bool has_delta = std::any_of(items.begin(), items.end(), [](const std::string& s) {
    return s == "*" || (!s.empty() && (s[0] == '+' || s[0] == '-'));
  });
  std::vector<std::string> out = has_delta || items.empty() ? defaults : std::vector<std::string>{};
  for (const std::string& s : items) {
    if (s == "*") continue;
    if (!s.empty() && s[0] == '-') {
      const std::string n = s.substr(1);
      out.erase(std::remove_if(out.begin(), out.end(), [&](const std::string& x) { return iequals(x, n); }), out.end());
    } else {
      const std::string n = !s.empty() && s[0] == '+' ? s.substr(1) : s;
      if (!n.empty() && !contains_name(out, n)) out.push_back(n);
    }
  }
  return out;
}

dkim::Algorithm algorithm_for(const crypto::PrivateKey& key, std::optional<dkim::Algorithm> want) {
  // An ed25519 key can only make ed25519-sha256 (upstream opendkim #370 auto-detects too).
  if (key.type() == crypto::KeyType::ed25519) return dkim::Algorithm::ed25519_sha256;
  if (want && *want != dkim::Algorithm::ed25519_sha256) return *want;
  return dkim::Algorithm::rsa_sha256;
}

// RequireSafeKeys and the user the rule protects the key for (common/dkim/key_file.hpp).
struct KeyFileCheck {
  bool require_safe = true;
  dkim::KeyUser user;
};

Result<std::shared_ptr<const crypto::PrivateKey>> load_key(const std::string& where, const std::string& path_or_data,
                                                           const KeyFileCheck& check) {
  if (!path_or_data.empty() && path_or_data.front() == '/') {
    auto key = dkim::load_private_key(path_or_data, check.user, check.require_safe);
    if (!key) return option_error(where, key.error());  // "WHERE: PATH: what; fix: ..."
    return std::make_shared<const crypto::PrivateKey>(std::move(*key));
  }
  // Inline key data (opendkim allows PEM or base64 in the KeyTable).
  auto key = crypto::PrivateKey::load(crypto::SecretBytes(path_or_data));
  if (!key) return fail(Errc::config, where + ": inline key data is not a usable private key");
  return std::make_shared<const crypto::PrivateKey>(std::move(*key));
}

// Where build_state puts what it finds: every problem, located (file:line of the option or
// of the table row) with its fix. Startup stops at the first; check mode prints them all.
class Findings {
 public:
  explicit Findings(const config::Config& cfg) : cfg_(cfg) {}
  // An empty option: the one the detail starts with ("SigningTable: ..."), if any.
  void add(std::string_view option, const Error& e) {
    problems_.push_back(option.empty() ? config::problem_from(cfg_, e) : config::problem_from(cfg_, option, e));
  }
  void add_row(const config::Dataset& ds, const config::DatasetEntry& row, std::string_view option, const Error& e) {
    const std::string_view origin = ds.origin();
    const auto colon = origin.find(':');
    if (row.line == 0 || colon == std::string_view::npos) {
      add(option, e);  // an inline list: the option's own line
      return;
    }
    problems_.push_back(config::problem_in_file(std::string(origin.substr(colon + 1)), row.line, option, e));
  }
  template <class T>
  bool ok(std::string_view option, const Result<T>& r) {
    if (!r) add(option, r.error());
    return r.has_value();
  }
  std::vector<config::Problem>& problems() { return problems_; }

 private:
  const config::Config& cfg_;
  std::vector<config::Problem> problems_;
};

// One KeyTable row: `domain:selector:keypath[:algorithm]`.
Result<SigningKey> key_row(const config::DatasetEntry& e, const KeyFileCheck& check,
                           std::optional<dkim::Algorithm> want) {
  const auto fields = split(e.value, ':');
  if (fields.size() < 3 || fields.size() > 4)
    return fail(Errc::config, e.key + ": expected domain:selector:keypath[:algorithm]");
  SigningKey k;
  k.name = e.key;
  k.domain = std::string(trim(fields[0]));
  k.selector = std::string(trim(fields[1]));
  auto key = load_key(e.key, std::string(trim(fields[2])), check);
  if (!key) return Unexpected<Error>(key.error());
  k.key = *key;
  if (fields.size() == 4) {
    want = dkim::parse_algorithm(trim(fields[3]));
    if (!want || *want == dkim::Algorithm::rsa_sha1)
      return fail(Errc::config, e.key + ": unknown or refused algorithm '" + std::string(fields[3]) + "'");
  }
  k.algorithm = algorithm_for(*k.key, want);
  if ((k.algorithm == dkim::Algorithm::ed25519_sha256) != (k.key->type() == crypto::KeyType::ed25519))
    return fail(Errc::config, e.key + ": key type does not match the algorithm");
  return k;
}

// Every key of the KeyTable (or the single KeyFile); each broken row is one finding, and
// its name goes to `broken` (so the SigningTable check does not report it again).
void load_keys(const config::Config& cfg, const KeyFileCheck& check, DkimState& st, Findings& f,
               std::vector<std::string>& broken) {
  if (cfg.is_set("KeyTable")) {
    auto kt = option_dataset(cfg, "KeyTable");
    if (!f.ok("KeyTable", kt)) return;
    for (const auto& e : kt->entries()) {
      auto k = key_row(e, check, st.configured_algorithm);
      if (k) {
        st.keys.push_back(std::move(*k));
      } else {
        f.add_row(*kt, e, "KeyTable", k.error());
        broken.push_back(e.key);
      }
    }
    return;
  }
  if (cfg.is_set("KeyFile")) {
    if (!cfg.is_set("Selector") || !cfg.is_set("Domain")) return;  // validate_config says so
    auto key = load_key("KeyFile", cfg.string("KeyFile"), check);
    if (!f.ok("KeyFile", key)) return;
    SigningKey k;
    k.domain = "%";
    k.selector = cfg.string("Selector");
    k.key = *key;
    k.algorithm = algorithm_for(*k.key, st.configured_algorithm);
    st.keys.push_back(std::move(k));
    st.single_key = true;
  }
}

Result<void> load_macro_list(const config::Config& cfg, DkimState& st) {
  auto ds = option_dataset(cfg, "MacroList");
  if (!ds) return Unexpected<Error>(ds.error());
  for (const auto& e : ds->entries()) {
    // Inline items arrive as key "name", value "v1|v2"; file rows as "name=v1|v2" or "name v".
    std::string key = e.key, values = e.value;
    if (const auto eq = key.find('='); eq != std::string::npos) {
      values = key.substr(eq + 1);
      key.resize(eq);
    }
    MacroRule r;
    r.name = std::string(trim(key));
    for (auto v : split(values, '|'))
      if (!trim(v).empty()) r.values.emplace_back(trim(v));
    st.macro_list.push_back(std::move(r));
  }
  return {};
}

Result<void> load_headers(const config::Config& cfg, DkimState& st);

// The signing options; each broken one is a finding and the others still load.
void load_signing(const config::Config& cfg, DkimState& st, Findings& f) {
  if (const auto canon = parse_canon(cfg.string("Canonicalization")))
    std::tie(st.header_canon, st.body_canon) = *canon;
  else
    f.add("Canonicalization", Error{Errc::config, "expected simple|relaxed[/simple|relaxed]"});
  if (cfg.is_set("SignatureAlgorithm")) {
    st.configured_algorithm = dkim::parse_algorithm(cfg.string("SignatureAlgorithm"));
    if (!st.configured_algorithm || *st.configured_algorithm == dkim::Algorithm::rsa_sha1)
      f.add("SignatureAlgorithm", Error{Errc::config, "expected rsa-sha256 or ed25519-sha256"});
  }
  auto domains = option_dataset(cfg, "Domain");
  if (f.ok("Domain", domains)) st.domains = std::move(*domains);
  st.subdomains = cfg.boolean("SubDomains");
  if (cfg.is_set("SigningTable")) {
    auto t = option_dataset(cfg, "SigningTable");
    if (f.ok("SigningTable", t)) st.signing_table = std::move(*t);
  }
  if (auto r = load_headers(cfg, st); !r) f.add("", r.error());
}

Result<void> load_headers(const config::Config& cfg, DkimState& st) {
  st.multiple_signatures = cfg.boolean("MultipleSignatures");
  auto sign = option_keys(cfg, "SignHeaders");
  auto omit = option_keys(cfg, "OmitHeaders");
  auto over = option_keys(cfg, "OversignHeaders");
  if (!sign) return Unexpected<Error>(sign.error());
  if (!omit) return Unexpected<Error>(omit.error());
  if (!over) return Unexpected<Error>(over.error());
  st.sign_headers = apply_deltas(dkim::default_signed_headers(), *sign);
  static const std::vector<std::string> kOmitDefault = {"Return-Path", "Received",   "Comments",      "Keywords",
                                                        "Bcc",         "Resent-Bcc", "DKIM-Signature"};
  for (const std::string& n : apply_deltas(kOmitDefault, *omit))
    st.sign_headers.erase(std::remove_if(st.sign_headers.begin(), st.sign_headers.end(),
                                         [&](const std::string& x) { return iequals(x, n); }),
                          st.sign_headers.end());
  st.oversign_headers = *over;
  st.signature_ttl = static_cast<std::uint64_t>(cfg.integer("SignatureTTL"));
  st.remove_old_signatures = cfg.boolean("RemoveOldSignatures");
  return {};
}

config::Action action(const config::Config& cfg, std::string_view name, config::Action fallback,
                      const std::optional<config::Action>& blanket) {
  if (cfg.is_set(name)) return cfg.action(name);
  return blanket.value_or(fallback);
}

Result<void> load_verifying(const config::Config& cfg, DkimState& st) {
  st.authserv_id = cfg.string("AuthservID");
  if (iequals(st.authserv_id, "HOSTNAME")) {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0) st.authserv_id = host;
  }
  st.authserv_id_with_job_id = cfg.boolean("AuthservIDWithJobID");
  st.always_add_ar = cfg.boolean("AlwaysAddARHeader");
  st.log_why = cfg.boolean("LogWhy");
  st.max_signatures = static_cast<std::size_t>(cfg.integer("MaximumSignaturesToVerify"));
  auto mbs = option_keys(cfg, "MustBeSigned");
  if (!mbs) return Unexpected<Error>(mbs.error());
  st.must_be_signed = std::move(*mbs);
  if (cfg.is_set("TrustSignaturesFrom")) {
    auto trusted = option_dataset(cfg, "TrustSignaturesFrom");
    if (!trusted) return Unexpected<Error>(trusted.error());
    st.trust_signatures_from = std::move(*trusted);
  }
  st.min_key_bits = static_cast<int>(cfg.integer("MinimumKeyBits"));
  st.clock_drift = static_cast<std::uint64_t>(cfg.integer("ClockDrift"));
  st.allow_sha1 = cfg.boolean("AllowSHA1Only");
  st.no_header_b = cfg.boolean("NoHeaderB");
  st.keep_auth_results = cfg.boolean("KeepAuthResults");
  auto from = option_keys(cfg, "RemoveARFrom");
  if (!from) return Unexpected<Error>(from.error());
  st.remove_ar_from = *from;
  st.software_header = cfg.boolean("SoftwareHeader") || cfg.boolean("X-Header");
  std::optional<config::Action> blanket;
  if (cfg.is_set("On-Default")) blanket = cfg.action("On-Default");
  Actions& a = st.actions;
  a.bad_signature = action(cfg, "On-BadSignature", config::Action::accept, blanket);
  a.dns_error = action(cfg, "On-DNSError", config::Action::tempfail, blanket);
  a.internal_error = action(cfg, "On-InternalError", config::Action::tempfail, blanket);
  a.key_not_found = action(cfg, "On-KeyNotFound", config::Action::accept, blanket);
  a.no_signature = action(cfg, "On-NoSignature", config::Action::accept, blanket);
  a.security = action(cfg, "On-Security", config::Action::tempfail, blanket);
  a.signature_error = action(cfg, "On-SignatureError", config::Action::reject, blanket);
  return {};
}

Result<void> load_resolver(const config::Config& cfg, DkimState& st) {
  dns::ResolverOptions ro;
  ro.nameservers = cfg.list("Nameservers");
  ro.timeout = std::chrono::seconds(cfg.integer("DNSTimeout"));
  auto net = dns::LdnsResolver::create(ro);
  if (!net) return option_error("Nameservers", net.error());
  auto r = std::make_shared<Resolvers>();
  r->network = std::move(*net);
  r->cache = std::make_unique<dns::CachingResolver>(*r->network);
  st.resolvers = std::move(r);
  return {};
}

// FromLoginMismatch & co. The maps are loaded only when something uses them.
Result<void> load_from_check(const config::Config& cfg, DkimState& st) {
  sender::FromPolicy& p = st.from_policy;
  p.login_mismatch = sender::parse_from_action(cfg.string("FromLoginMismatch")).value_or(sender::FromAction::sign);
  p.no_login_mismatch =
      sender::parse_from_action(cfg.string("InternalFromMismatch")).value_or(sender::FromAction::sign);
  p.variant = sender::parse_mismatch_policy(cfg.string("FromMismatchPolicy")).value_or(sender::MismatchPolicy::all);
  if (!from_check_enabled(cfg)) return {};
  auto maps = sender::SenderMaps::load(sender::settings_from(cfg, sender::system_hostname()), tables::read_table_file,
                                       st.load_warnings);
  if (!maps) return fail(Errc::config, "SenderLoginMaps: " + maps.error().detail);
  st.login_maps = std::move(*maps);
  return {};
}

}  // namespace

namespace {

// The whole state, with every problem in `f` (null state when there is any).
std::shared_ptr<const DkimState> build_all(const config::Config& cfg, const BuildContext& ctx, Findings& f) {
  auto st = std::make_shared<DkimState>();
  const std::string mode = to_lower(cfg.string("Mode"));
  st->sign_mode = mode.find('s') != std::string::npos;
  st->verify_mode = mode.find('v') != std::string::npos;
  load_signing(cfg, *st, f);
  KeyFileCheck check{cfg.boolean("RequireSafeKeys"), dkim::key_user(ctx.run_as_uid)};
  std::vector<std::string> broken;
  load_keys(cfg, check, *st, f, broken);
  if (st->signing_table)
    for (const auto& e : st->signing_table->entries()) {
      const auto fields = split(e.value, ':');
      const std::string name(fields.empty() ? "" : trim(fields[0]));
      if (!name.empty() && (st->find_key(name) || contains_name(broken, name))) continue;
      f.add_row(*st->signing_table, e, "SigningTable",
                Error{Errc::config, e.key + ": key name '" + name + "' is not in the KeyTable"});
    }
  auto internal = config::option_host_list(cfg, "InternalHosts");
  auto peers = config::option_host_list(cfg, "PeerList");
  if (f.ok("InternalHosts", internal)) st->internal_hosts = std::move(*internal);
  if (f.ok("PeerList", peers)) st->peer_list = std::move(*peers);
  if (auto r = load_macro_list(cfg, *st); !r) f.add("MacroList", r.error());
  auto mta = option_dataset(cfg, "MTA");
  auto dont = option_dataset(cfg, "DontSignMailTo");
  auto exempt = option_dataset(cfg, "ExemptDomains");
  auto senders = option_keys(cfg, "SenderHeaders");
  if (f.ok("MTA", mta)) st->mta = std::move(*mta);
  if (f.ok("DontSignMailTo", dont)) st->dont_sign_mail_to = std::move(*dont);
  if (f.ok("ExemptDomains", exempt)) st->exempt_domains = std::move(*exempt);
  if (f.ok("SenderHeaders", senders))
    st->sender_headers = senders->empty() ? std::vector<std::string>{"From"} : *senders;
  if (auto r = load_from_check(cfg, *st); !r) f.add("SenderLoginMaps", r.error());
  if (auto r = load_verifying(cfg, *st); !r) f.add("", r.error());
  if (auto r = load_resolver(cfg, *st); !r) f.add("Nameservers", r.error());
  auto metrics_domains = metrics::parse_metrics_domains(cfg.list(metrics::kMetricsDomainsOption.name));
  if (f.ok(metrics::kMetricsDomainsOption.name, metrics_domains)) st->metrics_domains = std::move(*metrics_domains);
  if (!f.problems().empty()) return nullptr;
  return st;
}

}  // namespace

Result<std::shared_ptr<const DkimState>> build_state(const config::Config& cfg, const BuildContext& ctx) {
  Findings f(cfg);
  auto st = build_all(cfg, ctx, f);
  if (st) return st;
  std::string detail = f.problems().front().to_string();
  if (f.problems().size() > 1)
    detail +=
        " (and " + std::to_string(f.problems().size() - 1) + " more problems: cachet-dkim --check-config lists them)";
  return fail(Errc::config, std::move(detail));
}

std::vector<config::Problem> check_state(const config::Config& cfg, const BuildContext& ctx) {
  Findings f(cfg);
  (void)build_all(cfg, ctx, f);
  return std::move(f.problems());
}

bool from_check_enabled(const config::Config& cfg) {
  return !iequals(cfg.string("FromLoginMismatch"), "sign") || !iequals(cfg.string("InternalFromMismatch"), "sign") ||
         cfg.is_set("SenderLoginMaps");
}

std::vector<config::Problem> validate_config(const config::Config& cfg) {
  std::vector<config::Problem> out;
  auto add = [&](std::string_view option, std::string msg) {
    out.push_back(config::problem_at(cfg, option, std::move(msg)));
  };
  const std::string mode = to_lower(cfg.string("Mode"));
  if (mode.empty() || mode.find_first_not_of("sv") != std::string::npos) add("Mode", "expected s, v or sv");
  if (!parse_canon(cfg.string("Canonicalization"))) add("Canonicalization", "expected simple|relaxed[/simple|relaxed]");
  if (cfg.is_set("SignatureAlgorithm")) {
    const auto a = dkim::parse_algorithm(cfg.string("SignatureAlgorithm"));
    if (!a || *a == dkim::Algorithm::rsa_sha1)
      add("SignatureAlgorithm", "expected rsa-sha256 or ed25519-sha256 (rsa-sha1: RFC 8301)");
  }
  if (from_check_enabled(cfg))
    for (config::Problem& p : sender::validate_maps_options(cfg)) out.push_back(std::move(p));
  if (cfg.is_set("SigningTable") && !cfg.is_set("KeyTable")) add("SigningTable", "needs a KeyTable");
  if (cfg.is_set("KeyFile") && !cfg.is_set("KeyTable") && (!cfg.is_set("Selector") || !cfg.is_set("Domain")))
    add("KeyFile", "Domain and Selector must be set too");
  return out;
}

}  // namespace cachet::dkimd

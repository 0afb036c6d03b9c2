// SPDX-License-Identifier: BSD-2-Clause
// policyd/spf/session.cpp: see session.hpp. The flow mirrors policyd-spf 3.0.4's
// _spfcheck(); comments name the places where we deliberately differ.
#include "policyd/spf/session.hpp"

#include <arpa/inet.h>

#include <chrono>
#include <exception>

#include "common/base/strings.hpp"
#include "common/policy/reply.hpp"
#include "common/spf/engine.hpp"
#include "common/spf/why.hpp"
#include "policyd/spf/per_user.hpp"

namespace cachet::spfd {

std::optional<CachedInstance> InstanceCache::find(const std::string& instance) {
  const auto e = entries_.lock();
  auto it = e->map.find(instance);
  if (it == e->map.end()) return std::nullopt;
  return it->second;
}

void InstanceCache::put(const std::string& instance, CachedInstance entry) {
  const auto e = entries_.lock();
  auto [it, inserted] = e->map.insert_or_assign(instance, std::move(entry));
  if (!inserted) return;
  e->order.push_back(instance);
  while (e->order.size() > kMaxInstances) {
    e->map.erase(e->order.front());
    e->order.pop_front();
  }
}

std::string clean_value(std::string_view value, bool lower) {
  std::string s = lower ? to_lower(value) : std::string(value);
  if (policy::is_valid_utf8(s)) return s;
  std::string out;
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x80)
      out += c;
    else
      out += "\xEF\xBF\xBD";
  }
  return out;
}

bool domain_in(const std::vector<std::string>& list, std::string_view domain) {
  for (const std::string& d : list) {
    if (domain == d) return true;
    if (domain.size() > d.size() && domain.substr(domain.size() - d.size()) == d &&
        domain[domain.size() - d.size() - 1] == '.') {
      return true;
    }
  }
  return false;
}

namespace {

bool is_ip(std::string_view ip) {
  const std::string s(ip);
  unsigned char b[16];
  return inet_pton(AF_INET, s.c_str(), b) == 1 || inet_pton(AF_INET6, s.c_str(), b) == 1;
}

bool same_address(std::string_view a, std::string_view b) {
  auto na = parse_network(a);
  return na && network_contains(*na, b) && na->prefix == (na->is_v6 ? 128 : 32);
}

std::string_view domain_of(std::string_view address) {
  const std::size_t at = address.rfind('@');
  return at == std::string_view::npos ? std::string_view() : address.substr(at + 1);
}

// One request's facts, cleaned as policyd-spf cleans them.
struct Facts {
  std::string client;    // client_address as sent
  std::string ip;        // Prospective or client_address
  std::string helo_raw;  // helo_name as sent ("<UNKNOWN>" when absent)
  std::string helo;      // HELO used for checks (sender domain or "unknown" if none)
  std::string sender;
  std::string receiver;
  std::string instance;
  bool has_sender_attr = false;
};

Facts facts_from(const policy::Request& r, const Settings& s) {
  Facts f;
  f.client = clean_value(r.client_address(), true);
  f.ip = s.prospective.empty() ? f.client : s.prospective;
  f.helo_raw = r.has("helo_name") ? clean_value(r.helo_name(), true) : "<UNKNOWN>";
  f.sender = clean_value(r.sender(), true);
  f.has_sender_attr = r.has("sender");
  f.instance = clean_value(r.instance(), true);
  const std::string rcpt = clean_value(r.recipient(), true);
  if (rcpt.empty())
    f.receiver = "none";
  else if (s.hide_receiver)
    f.receiver = "<UNKNOWN>";
  else if (rcpt.find('@') != std::string::npos)
    f.receiver = rcpt.substr(rcpt.find('@') + 1);
  else
    f.receiver = rcpt;
  f.helo = clean_value(r.helo_name(), true);
  if (f.helo.empty()) {
    const std::string_view d = domain_of(f.sender);
    f.helo = d.empty() ? "unknown" : std::string(d);
  }
  return f;
}

// Exactly "v=spf1 -all" published for `domain` (No_Mail): policyd-spf compares the record
// pyspf fetched; we ask the (cached) resolver for the TXT records again.
bool is_no_mail_record(dns::Resolver& resolver, std::string_view domain) {
  const dns::Answer a = resolver.query(domain, dns::RrType::txt);
  if (a.status != dns::Status::answer) return false;
  for (const dns::Record& rec : a.records) {
    if (rec.value == "v=spf1 -all") return true;
  }
  return false;
}

class Decider {
 public:
  Decider(dns::Resolver& resolver, const Settings& s, const std::string& receiver, Facts f)
      : resolver_(resolver), s_(s), receiver_(receiver), f_(std::move(f)) {}

  std::optional<Outcome> skipped();
  Outcome check(std::string* identity, std::string* result, std::string* pending);
  const std::string& why() const { return why_; }

 private:
  struct Identity {
    spf::SpfResult r;
    std::string reason;
    Disposition disp = Disposition::prepend;
  };
  spf::Options engine_options(int seconds) const;
  Outcome skip(SkipReason why);
  bool domain_whitelisted();
  bool helo_whitelisted();
  bool ptr_whitelisted();
  Identity evaluate(Scope scope, spf::SpfEngine& engine);
  std::string header(const Identity& id, Scope scope, bool ar) const;
  Outcome refusal(const Identity& id, Scope scope) const;

  dns::Resolver& resolver_;
  const Settings& s_;
  const std::string& receiver_;
  Facts f_;
  std::string why_;  // the decision line's words for the identity that decided
};

spf::Options Decider::engine_options(int seconds) const {
  spf::Options o;
  o.receiver = receiver_;
  o.void_limit = s_.void_limit;
  o.time_limit = std::chrono::seconds(seconds);
  return o;
}

Outcome Decider::skip(SkipReason why) {
  why_ = skip_words(why);
  const HeaderFacts hf{f_.client, f_.helo_raw, f_.sender, f_.receiver};
  return Outcome{Outcome::Kind::prepend, skip_header(why, s_, hf), false};
}

bool Decider::domain_whitelisted() {
  spf::SpfEngine engine(resolver_, engine_options(s_.whitelist_lookup_time));
  for (const std::string& d : s_.domain_whitelist) {
    if (engine.check_helo(f_.ip, d).verdict == Verdict::pass) return true;
  }
  return false;
}

bool Decider::helo_whitelisted() {
  const bool v6 = f_.ip.find(':') != std::string::npos;
  for (const std::string& d : s_.helo_whitelist) {
    if (d != f_.helo_raw) continue;
    const dns::Answer a = resolver_.query(d, v6 ? dns::RrType::aaaa : dns::RrType::a);
    for (const dns::Record& rec : a.records) {
      if (same_address(rec.value, f_.ip)) return true;
    }
  }
  return false;
}

bool Decider::ptr_whitelisted() {
  const std::string rev = reverse_name(f_.ip);
  if (rev.empty()) return false;
  const dns::Answer a = resolver_.query(rev, dns::RrType::ptr);
  if (a.status != dns::Status::answer || a.records.empty()) return false;
  // policyd-spf looks at the first PTR name only; unlike its plain endswith(), we require
  // a label boundary (evilexample.com must not match example.com).
  return domain_in(s_.domain_whitelist_ptr, a.records.front().value);
}

std::optional<Outcome> Decider::skipped() {
  if (any_contains(s_.skip_addresses, f_.ip)) return skip(SkipReason::local);
  if (any_contains(s_.whitelist, f_.ip)) return skip(SkipReason::whitelist);
  if (!s_.domain_whitelist.empty() && domain_whitelisted()) {
    return skip(SkipReason::domain_whitelist);
  }
  if (!s_.helo_whitelist.empty() && helo_whitelisted()) return skip(SkipReason::helo_whitelist);
  if (!s_.domain_whitelist_ptr.empty() && ptr_whitelisted()) {
    return skip(SkipReason::ptr_whitelist);
  }
  return std::nullopt;
}

Decider::Identity Decider::evaluate(Scope scope, spf::SpfEngine& engine) {
  Identity id;
  RejectPolicy policy = scope == Scope::helo ? s_.helo_reject : s_.mail_from_reject;
  std::string_view domain = f_.helo;
  if (scope == Scope::helo) {
    id.r = engine.check_helo(f_.ip, f_.helo);
  } else {
    id.r = engine.check_mailfrom(f_.ip, f_.sender, f_.helo);
    domain = domain_of(f_.sender);
  }
  id.reason = reason_text(id.r);
  why_ = result_words(scope == Scope::helo ? "helo" : "mailfrom",
                      scope == Scope::helo ? std::string_view(f_.helo) : domain, f_.ip, id.r);
  const bool local = !s_.reject_not_pass_domains.empty() && domain_in(s_.reject_not_pass_domains, domain);
  if (local) {
    policy = RejectPolicy::spf_not_pass;
    if (id.r.verdict != Verdict::none) {
      id.reason = std::string("Receiver policy for SPF ") + result_word(id.r.verdict);
    }
  }
  if (scope == Scope::helo && policy == RejectPolicy::null && !f_.sender.empty()) {
    id.disp = Disposition::dunno;
  } else {
    id.disp = disposition(id.r.verdict, policy, s_);
  }
  // No_Mail: reject only a domain that publishes exactly "v=spf1 -all".
  if (id.disp == Disposition::reject && s_.no_mail && id.r.verdict != Verdict::permerror &&
      !is_no_mail_record(resolver_, scope == Scope::helo ? std::string_view(f_.helo) : domain)) {
    id.disp = Disposition::prepend;
  }
  return id;
}

std::string Decider::header(const Identity& id, Scope scope, bool ar) const {
  const std::string_view from = scope == Scope::helo && f_.sender.empty() ? std::string_view("<>") : f_.sender;
  const HeaderFacts hf{f_.ip, f_.helo, from, f_.receiver};
  if (!ar) return received_spf(id.r.verdict, scope, id.reason, hf);
  const std::string_view domain = scope == Scope::helo           ? std::string_view(f_.helo)
                                  : domain_of(f_.sender).empty() ? std::string_view(f_.sender)
                                                                 : domain_of(f_.sender);
  return auth_results(s_.authserv_id, id.r.verdict, scope, id.reason, domain, hf);
}

Outcome Decider::refusal(const Identity& id, Scope scope) const {
  (void)scope;
  Outcome o;
  o.kind = id.disp == Disposition::defer ? Outcome::Kind::defer : Outcome::Kind::reject;
  o.is_error = id.r.verdict == Verdict::permerror || id.r.verdict == Verdict::temperror;
  o.text = reason_message(s_.reason_message, id.disp, id.reason, explanation_url(id.r.verdict));
  return o;
}

Outcome Decider::check(std::string* identity, std::string* result, std::string* pending) {
  const bool ar_only = s_.header_type == HeaderType::ar;
  const bool both = s_.header_type == HeaderType::both;
  spf::SpfEngine engine(resolver_, engine_options(s_.lookup_time));
  std::optional<Identity> helo;
  Outcome helo_out;
  if (s_.helo_reject != RejectPolicy::no_check) {
    helo = evaluate(Scope::helo, engine);
    *identity = "helo";
    *result = spf::to_string(helo->r.verdict);
    if (helo->disp == Disposition::reject || helo->disp == Disposition::defer) {
      return refusal(*helo, Scope::helo);  // HELO is checked first and acted on at once
    }
    helo_out.kind = helo->disp == Disposition::dunno ? Outcome::Kind::dunno : Outcome::Kind::prepend;
    helo_out.text = header(*helo, Scope::helo, ar_only);
    if (both) *pending = header(*helo, Scope::helo, true);
    if (!s_.helo_pass_restriction.empty() && helo->r.verdict == Verdict::pass && f_.sender.empty()) {
      pending->clear();
      return Outcome{Outcome::Kind::restriction, s_.helo_pass_restriction, false};
    }
  }
  if (f_.sender.empty() || s_.mail_from_reject == RejectPolicy::no_check) {
    if (!helo) return Outcome{};
    // The null sender (or no MAIL FROM check): the HELO result is the answer. policyd-spf
    // prepends the HELO header even when HELO_reject = Null made it "dunno".
    if (!f_.sender.empty() || helo_out.kind == Outcome::Kind::prepend) {
      helo_out.kind = Outcome::Kind::prepend;
    }
    return helo_out;
  }
  Identity mf = evaluate(Scope::mailfrom, engine);
  *identity = "mailfrom";
  *result = spf::to_string(mf.r.verdict);
  if (mf.disp == Disposition::reject || mf.disp == Disposition::defer) {
    pending->clear();
    return refusal(mf, Scope::mailfrom);
  }
  // Pass restrictions. Unlike policyd-spf, a HELO pass restriction does not override a
  // MAIL FROM reject (handled above).
  if (mf.r.verdict == Verdict::pass && !s_.mail_from_pass_restriction.empty()) {
    pending->clear();
    return Outcome{Outcome::Kind::restriction, s_.mail_from_pass_restriction, false};
  }
  if (helo && helo->r.verdict == Verdict::pass && !s_.helo_pass_restriction.empty()) {
    pending->clear();
    return Outcome{Outcome::Kind::restriction, s_.helo_pass_restriction, false};
  }
  // policyd-spf: a MAIL FROM "none" keeps the HELO header when HELO had a result (the
  // CVE-2019-20790 shape: identity=helo; consumers must check the identity).
  if (mf.r.verdict != Verdict::none || !helo || helo->r.verdict == Verdict::none) {
    Outcome o{Outcome::Kind::prepend, header(mf, Scope::mailfrom, ar_only), false};
    if (both) *pending = header(mf, Scope::mailfrom, true);
    return o;
  }
  *identity = "helo";
  *result = spf::to_string(helo->r.verdict);
  helo_out.kind = Outcome::Kind::prepend;
  return helo_out;
}

// The action as returned (test mode and Prospective turn anything into DUNNO).
const char* action_label(const Outcome& o, std::string_view text) {
  if (istarts_with(text, "dunno")) return "dunno";
  switch (o.kind) {
    case Outcome::Kind::dunno: return "dunno";
    case Outcome::Kind::prepend: return "prepend";
    case Outcome::Kind::reject: return "reject";
    case Outcome::Kind::defer: return "defer";
    case Outcome::Kind::restriction: return "restriction";
  }
  return "dunno";
}

}  // namespace

SpfService::Counters::Counters(metrics::Registry& r)
    : results(r, "cachet_spf_results_total", "requests by SPF result (skip: not checked)", "result",
              {"pass", "fail", "softfail", "neutral", "none", "permerror", "temperror", "skip", "cached"}),
      actions(r, "cachet_spf_actions_total", "requests by action returned to Postfix", "action",
              {"prepend", "dunno", "reject", "defer", "restriction"}) {}

SpfService::SpfService(dns::Resolver& resolver, log::Logger& logger, SettingsSource settings, std::string receiver,
                       std::shared_ptr<InstanceCache> cache)
    : resolver_(resolver),
      logger_(logger),
      settings_(std::move(settings)),
      receiver_(std::move(receiver)),
      cache_(std::move(cache)) {}

Result<Outcome> SpfService::decide(const policy::Request& request, const Settings& s, std::string* identity,
                                   std::string* result, const Settings** used, std::string* why) {
  *identity = "none";
  *result = "none";
  const Settings* eff = &s;
  if (s.per_user) {
    if (const Settings* u = s.per_user->find(clean_value(request.recipient(), true))) eff = u;
  }
  const bool per_user = eff != &s;
  if (used != nullptr) *used = eff;
  // Receiver, Prospective and Hide_Receiver are not per-user options: the global ones.
  Facts f = facts_from(request, s);
  if (why != nullptr) *why = "no client address";
  if (f.ip.empty()) return Outcome{};  // policyd-spf: no client address -> dunno
  if (!is_ip(f.ip)) {
    return fail(Errc::bad_input, "client_address is not an IP address");
  }
  const std::string instance = f.instance;
  std::optional<CachedInstance> cached;
  if (!instance.empty()) cached = cache_->find(instance);
  if (cached && cached->outcome && !per_user) {
    *identity = "cached";
    if (why != nullptr) *why = "answered before for this message (instance " + instance + ")";
    const Outcome& c = *cached->outcome;
    if (c.kind != Outcome::Kind::prepend) return c;
    if (cached->pending_header.empty()) return Outcome{};  // header already prepended
    Outcome o{Outcome::Kind::prepend, cached->pending_header, false};
    cached->pending_header.clear();  // a pending header goes out once
    cache_->put(instance, std::move(*cached));
    return o;
  }
  Decider decider(resolver_, *eff, receiver_, std::move(f));
  std::string pending;
  Outcome o;
  if (auto skip = decider.skipped()) {
    *identity = "skip";
    o = *skip;
  } else if (request.sender().empty() && request.helo_name().empty()) {
    if (why != nullptr) *why = "no sender and no HELO name";
    return Outcome{};  // policyd-spf: no sender and no HELO -> dunno, not cached
  } else {
    o = decider.check(identity, result, &pending);
  }
  if (why != nullptr && !decider.why().empty()) *why = decider.why();
  if (instance.empty()) return o;
  CachedInstance entry = cached.value_or(CachedInstance{});
  if (!per_user) entry.outcome = o;
  if (o.kind == Outcome::Kind::prepend) {
    if (!entry.header_prepended) {
      entry.header_prepended = true;
      entry.pending_header = std::move(pending);
    } else if (!entry.pending_header.empty()) {
      o.text = std::move(entry.pending_header);  // the message's second header (Both)
      entry.pending_header.clear();
    } else {
      o = Outcome{};  // this message has its header already
    }
  }
  cache_->put(instance, std::move(entry));
  return o;
}

Result<std::string> SpfService::handle(const policy::Request& request, const policy::ConnectionInfo& conn) {
  (void)conn;
  const std::shared_ptr<const Settings> s = settings_();
  if (!s) return fail(Errc::internal, "no settings");
  if (s->mock) return std::string(kMockAction);
  std::string identity;
  std::string result;
  const Settings* used = s.get();
  std::string why;
  Result<Outcome> o = decide(request, *s, &identity, &result, &used, &why);
  if (!o) return fail(o.error().code, o.error().detail);
  std::string action = action_text(*o, *used);
  if (s->debug_level >= 1) {
    log::Event ev(logger_, log::Level::info, "spf.request");
    if (s->log_queue_id) ev.kv("qid", request.queue_id());
    ev.kv("identity", identity)
        .kv("ip", clean_value(request.client_address(), true))
        .kv("result", result)
        .kv("action", action)
        .kv("why", why);
  }
  if (counters_ != nullptr) {
    counters_->results.inc(identity == "skip" || identity == "cached" ? identity : result);
    counters_->actions.inc(action_label(*o, action));
  }
  return action;
}

}  // namespace cachet::spfd

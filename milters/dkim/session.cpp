// SPDX-License-Identifier: BSD-2-Clause
// milters/dkim/session.cpp: see session.hpp.
#include "milters/dkim/session.hpp"

#include <unistd.h>

#include <algorithm>

#include "common/authres/authres.hpp"
#include "common/base/strings.hpp"
#include "common/mail/header.hpp"
#include "milters/dkim/ar.hpp"
#include "milters/dkim/from_check.hpp"

namespace cachet::dkimd {
namespace {

using dkim::parse_sender;

using milter::Verdict;
constexpr std::string_view kArName = "Authentication-Results";
constexpr std::string_view kSigName = "DKIM-Signature";

// Postfix stores LF folding; values we insert use it too (CRLF would gain a stray CR).
std::string to_lf(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i)
    if (!(v[i] == '\r' && i + 1 < v.size() && v[i + 1] == '\n')) out += v[i];
  return out;
}

dkim::KeyAnswer lookup_key(dns::Resolver& r, std::string_view name) {
  const dns::Answer a = r.query(name, dns::RrType::txt);
  dkim::KeyAnswer out;
  switch (a.status) {
    case dns::Status::answer:
      out.status = dkim::KeyAnswer::Status::found;
      for (const auto& rec : a.records) out.records.push_back(rec.value);
      break;
    case dns::Status::nxdomain:
    case dns::Status::nodata: out.status = dkim::KeyAnswer::Status::not_found; break;
    default: out.status = dkim::KeyAnswer::Status::temporary; break;
  }
  return out;
}

}  // namespace

DkimSession::DkimSession(const SessionShared& shared, const milter::ConnInfo& conn) : shared_(shared), conn_(conn) {}

void DkimSession::reset() {
  // The verifier and signers point into st_: they go first.
  verifier_.reset();
  signers_.clear();
  requests_.clear();
  st_.reset();
  headers_.clear();
  header_bytes_ = 0;
  too_many_headers_ = false;
  rcpt_blocks_signing_ = false;
  why_ = dkim::SignFacts{};
  role_ = Role::none;
}

void DkimSession::log_decision(const std::string& qid, const std::vector<dkim::SignatureResult>* results) {
  if (shared_.counters != nullptr)
    shared_.counters->count(why_, results, st_ ? st_->metrics_domains : std::vector<std::string>{});
  const bool verbose = st_ && st_->log_why;
  log::Event ev(*shared_.logger, log::Level::info, "dkim.decision");
  ev.kv("qid", qid).fields(dkim::sign_fields(why_, verbose));
  if (results != nullptr) ev.fields(dkim::verify_fields(*results));
}

Verdict DkimSession::on_connect(milter::Context&, const milter::ConnInfo& ci) {
  conn_ = ci;
  const auto st = shared_.state->load();
  if (st && !st->peer_list.empty() && st->peer_list.matches(ci.address, ci.hostname))
    return Verdict::accept();  // PeerList: opendkim ignores these clients entirely
  return Verdict::cont();
}

Verdict DkimSession::on_envfrom(milter::Context&, const std::vector<std::string_view>&) {
  reset();
  st_ = shared_.state->load();  // one snapshot for the whole message
  return Verdict::cont();
}

Verdict DkimSession::on_envrcpt(milter::Context&, const std::vector<std::string_view>& args) {
  if (st_ && !st_->dont_sign_mail_to.empty() && !args.empty()) {
    std::string_view rcpt = args[0];
    if (rcpt.size() >= 2 && rcpt.front() == '<' && rcpt.back() == '>') rcpt = rcpt.substr(1, rcpt.size() - 2);
    const auto at = rcpt.rfind('@');
    if (st_->dont_sign_mail_to.contains(rcpt) ||
        (at != std::string_view::npos && st_->dont_sign_mail_to.contains(rcpt.substr(at + 1))))
      rcpt_blocks_signing_ = true;
  }
  return Verdict::cont();
}

Verdict DkimSession::on_header(milter::Context& ctx, std::string_view name, std::string_view value) {
  if (too_many_headers_) return Verdict::cont();
  header_bytes_ += name.size() + value.size() + 3;
  if (headers_.size() >= mail::kMaxHeaders || header_bytes_ > mail::kMaxHeaderBytes) {
    too_many_headers_ = true;
    return Verdict::cont();
  }
  // The engine wants the bytes after the colon as on the wire: leading space included.
  std::string v = ctx.has_leading_space() ? std::string() : std::string(" ");
  v += mail::lf_to_crlf(value);
  headers_.push_back({std::string(name), std::move(v)});
  return Verdict::cont();
}

std::string DkimSession::authserv_id(milter::Context& ctx) const {
  std::string id = st_->authserv_id;
  if (id.empty()) id = ctx.macro("j").value_or("");
  if (id.empty()) {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0) id = host;
  }
  if (st_->authserv_id_with_job_id) {
    const std::string qid = ctx.queue_id();
    if (!qid.empty()) id += "/" + qid;
  }
  return id;
}

bool DkimSession::has_own_auth_results(milter::Context& ctx) const {
  if (st_->keep_auth_results) return false;
  std::string ours = st_->authserv_id.empty() ? ctx.macro("j").value_or("") : st_->authserv_id;
  for (const auto& h : headers_) {
    if (!iequals(h.name, kArName)) continue;
    const std::string claimed = authres::claimed_authserv_id(h.value);
    if (claims_id(claimed, ours)) return true;
    for (const auto& other : st_->remove_ar_from)
      if (claims_id(claimed, other)) return true;
  }
  return false;
}

bool DkimSession::remove_own_auth_results(milter::Context& ctx) {
  if (st_->keep_auth_results) return true;
  const std::string ours = st_->authserv_id.empty() ? ctx.macro("j").value_or("") : st_->authserv_id;
  std::vector<int> doomed;
  int occurrence = 0;
  for (const auto& h : headers_) {
    if (!iequals(h.name, kArName)) continue;
    ++occurrence;
    const std::string claimed = authres::claimed_authserv_id(h.value);
    bool mine = claims_id(claimed, ours);
    for (const auto& other : st_->remove_ar_from) mine = mine || claims_id(claimed, other);
    if (mine) doomed.push_back(occurrence);
  }
  // Highest index first, so earlier deletions do not shift later ones (CVE-2022-48521).
  for (auto it = doomed.rbegin(); it != doomed.rend(); ++it)
    if (!ctx.delete_header(kArName, *it)) return false;
  if (!doomed.empty())
    log::Event(*shared_.logger, log::Level::info, "dkim.forged_ar_removed")
        .kv("qid", ctx.queue_id())
        .kv("count", static_cast<long long>(doomed.size()));
  return true;
}

Verdict DkimSession::apply(milter::Context& ctx, Situation s, std::string_view why) {
  const Outcome o = outcome_for(st_->actions, s);
  switch (o.action) {
    case config::Action::accept: return Verdict::cont();
    case config::Action::discard: return Verdict::discard();
    case config::Action::quarantine: (void)ctx.quarantine("cachet-dkim: " + std::string(why)); return Verdict::cont();
    case config::Action::reject:
    case config::Action::tempfail: return Verdict::reply(o.code, o.xcode, o.text);
  }
  return Verdict::tempfail();
}

Verdict DkimSession::on_eoh(milter::Context& ctx) {
  if (!st_) st_ = shared_.state->load();
  const std::string qid = ctx.queue_id();
  if (too_many_headers_) {
    log::Event(*shared_.logger, log::Level::warning, "dkim.too_many_headers").kv("qid", qid);
    log::Event(*shared_.logger, log::Level::info, "dkim.decision")
        .kv("qid", qid)
        .kv("sign", "no")
        .kv("why", "header fields over the limit")
        .kv("verify", "none");
    const Verdict v = apply(ctx, Situation::security, "too many headers");
    return v.is_continue() ? Verdict::accept() : v;
  }
  std::optional<Sender> sender;
  std::string_view sender_field;
  why_.sign_mode = st_->sign_mode;
  why_.verify_mode = st_->verify_mode;
  why_.client = conn_.address;
  why_.login = ctx.macro("{auth_authen}").value_or("");
  why_.single_key = !st_->signing_table;
  for (const std::string& want : st_->sender_headers) {
    const auto it = std::find_if(headers_.begin(), headers_.end(),
                                 [&](const mail::HeaderField& h) { return iequals(h.name, want); });
    if (it != headers_.end()) {
      sender = parse_sender(mail::unfold(it->value));
      sender_field = it->name;
      why_.sender_field = it->name;
      why_.sender_fields = static_cast<int>(std::count_if(
          headers_.begin(), headers_.end(), [&](const mail::HeaderField& h) { return iequals(h.name, want); }));
      break;
    }
  }
  if (sender) {
    why_.sender_valid = true;
    why_.sender = sender->local + "@" + sender->domain;
    why_.sender_domain = sender->domain;
  }
  why_.rcpt_blocked = rcpt_blocks_signing_;
  if (sender && !st_->exempt_domains.empty() && st_->exempt_domains.contains(sender->domain)) {
    why_.exempt = true;
    log_decision(qid, nullptr);
    return Verdict::accept();
  }
  if (st_->sign_mode) {
    ClientFacts facts;
    facts.is_internal = st_->internal_hosts.matches(conn_.address, conn_.hostname);
    facts.auth_type = ctx.macro("{auth_type}");
    facts.auth_authen = ctx.macro("{auth_authen}");
    facts.daemon_name = ctx.macro("{daemon_name}");
    for (const MacroRule& r : st_->macro_list) facts.macro_values.push_back(ctx.macro(r.name));
    why_.origin = origin_of(*st_, facts);
    const bool originating = !why_.origin.empty();
    bool may_sign = originating && sender.has_value() && !rcpt_blocks_signing_;
    // The header From bound to the login: checked for every originating message, so that
    // `reject` refuses a forged From even when no key would sign it (no key for the domain,
    // a DontSignMailTo recipient, a From the signer cannot read).
    if (originating && st_->login_maps) {
      const auto fd = check_header_from(*st_, headers_, facts.auth_authen.value_or(""), qid, *shared_.logger,
                                        sender_field, sender ? &*sender : nullptr);
      if (fd.action == sender::FromAction::reject || fd.action == sender::FromAction::tempfail) {
        why_.blocked = "header From refused: " + std::string(fd.text);
        log_decision(qid, nullptr);
        return Verdict::reply(fd.code, fd.xcode, fd.text);
      }
      may_sign = may_sign && fd.action == sender::FromAction::sign;
      if (fd.action != sender::FromAction::sign)
        why_.blocked = "header From not bound to the login (FromLoginMismatch nosign)";
    }
    if (may_sign) {
      auto requests = choose_keys(*st_, *sender);
      for (const SignRequest& r : requests)
        why_.signatures.push_back(
            {r.domain, r.key->selector, dkim::to_string(r.key->algorithm), r.key->name, r.table_line});
      if (!requests.empty()) return start_signing(ctx, *sender, std::move(requests));
    }
  }
  if (!st_->verify_mode) {
    log_decision(qid, nullptr);
    return Verdict::accept();
  }
  const bool signed_msg = std::any_of(headers_.begin(), headers_.end(),
                                      [](const mail::HeaderField& h) { return iequals(h.name, kSigName); });
  if (!signed_msg && !st_->always_add_ar && !has_own_auth_results(ctx)) {
    const std::vector<dkim::SignatureResult> no_results;
    log_decision(qid, &no_results);
    const Verdict v = apply(ctx, Situation::no_signature, "no signature");
    return v.is_continue() ? Verdict::accept() : v;  // nothing to add: skip the body
  }
  dkim::VerifyOptions vo;
  vo.max_signatures = st_->max_signatures;
  vo.must_be_signed = &st_->must_be_signed;  // st_ outlives verifier_ (see reset())
  if (st_->trust_signatures_from) {
    const config::Dataset* trusted = &*st_->trust_signatures_from;
    vo.is_trusted = [trusted](std::string_view d) { return trusted->contains(d); };
  }
  if (sender) vo.author_domain = sender->domain;
  vo.allow_rsa_sha1 = st_->allow_sha1;
  vo.min_rsa_bits = st_->min_key_bits;
  const std::uint64_t now = shared_.now();
  vo.now = now > st_->clock_drift ? now - st_->clock_drift : 0;
  vo.key_cache = shared_.key_cache;
  verifier_.emplace(vo);
  verifier_->set_headers(headers_);
  role_ = Role::verify;
  return Verdict::cont();
}

Verdict DkimSession::start_signing(milter::Context& ctx, const Sender& sender, std::vector<SignRequest> requests) {
  const std::uint64_t now = shared_.now();
  for (const SignRequest& r : requests) {
    dkim::SignParams p;
    p.domain = r.domain;
    p.selector = r.key->selector;
    p.key = r.key->key.get();
    p.algorithm = r.key->algorithm;
    p.header_canon = st_->header_canon;
    p.body_canon = st_->body_canon;
    p.signed_headers = st_->sign_headers;
    p.oversign_headers = st_->oversign_headers;
    p.identity = r.identity;
    p.timestamp = now;
    if (st_->signature_ttl > 0) p.expiry = now + st_->signature_ttl;
    auto signer = dkim::Signer::create(std::move(p));
    if (!signer) {
      log::Event(*shared_.logger, log::Level::error, "dkim.sign_error")
          .kv("qid", ctx.queue_id())
          .kv("d", r.domain)
          .kv("reason", signer.error().detail);
      why_.sign_error = signer.error().detail;
      log_decision(ctx.queue_id(), nullptr);
      return apply(ctx, Situation::signature_error, "signing error");
    }
    signers_.push_back(std::move(*signer));
  }
  (void)sender;
  requests_ = std::move(requests);
  role_ = Role::sign;
  return Verdict::cont();
}

Verdict DkimSession::on_body(milter::Context&, std::string_view chunk) {
  if (role_ == Role::sign)
    for (auto& s : signers_) s.feed_body(chunk);
  else if (role_ == Role::verify)
    verifier_->feed_body(chunk);
  return Verdict::cont();
}

Verdict DkimSession::on_eom(milter::Context& ctx) {
  Verdict v = Verdict::cont();
  if (!st_) return v;
  if (role_ == Role::sign)
    v = finish_signing(ctx);
  else if (role_ == Role::verify)
    v = finish_verifying(ctx);
  else if (!remove_own_auth_results(ctx))
    v = apply(ctx, Situation::internal_error, "header change failed");
  reset();
  return v;
}

Verdict DkimSession::finish_signing(milter::Context& ctx) {
  const std::string qid = ctx.queue_id();
  std::vector<std::string> values;
  for (std::size_t i = 0; i < signers_.size(); ++i) {
    auto value = signers_[i].finish(headers_);
    if (!value) {
      log::Event(*shared_.logger, log::Level::error, "dkim.sign_error")
          .kv("qid", qid)
          .kv("d", requests_[i].domain)
          .kv("reason", value.error().detail);
      why_.sign_error = value.error().detail;
      log_decision(qid, nullptr);
      return apply(ctx, Situation::signature_error, "signing error");
    }
    values.push_back(std::move(*value));
  }
  if (!remove_own_auth_results(ctx)) return apply(ctx, Situation::internal_error, "header change failed");
  if (st_->remove_old_signatures) {
    const auto n = std::count_if(headers_.begin(), headers_.end(),
                                 [](const mail::HeaderField& h) { return iequals(h.name, kSigName); });
    for (int i = static_cast<int>(n); i >= 1; --i)
      if (!ctx.delete_header(kSigName, i)) return apply(ctx, Situation::internal_error, "header change failed");
  }
  const std::string lead = ctx.has_leading_space() ? " " : "";
  // Inserted at index 0 in reverse, so the first requested signature ends up on top.
  for (std::size_t i = values.size(); i-- > 0;)
    if (!ctx.insert_header(0, kSigName, lead + to_lf(values[i])))
      return apply(ctx, Situation::internal_error, "header change failed");
  log_decision(qid, nullptr);
  if (st_->log_why)
    for (std::size_t i = 0; i < requests_.size(); ++i)
      log::Event(*shared_.logger, log::Level::info, "dkim.sign")
          .kv("qid", qid)
          .kv("d", requests_[i].domain)
          .kv("s", requests_[i].key->selector)
          .kv("a", dkim::to_string(requests_[i].key->algorithm));
  return Verdict::cont();
}

Verdict DkimSession::finish_verifying(milter::Context& ctx) {
  const std::string qid = ctx.queue_id();
  dns::Resolver& resolver = shared_.resolver_for_test ? *shared_.resolver_for_test : *st_->resolvers->cache;
  auto results = verifier_->finish([&](std::string_view name) { return lookup_key(resolver, name); });
  log_decision(qid, &results);
  if (st_->log_why)
    for (const auto& r : results)
      log::Event(*shared_.logger, log::Level::info, "dkim.verify")
          .kv("qid", qid)
          .kv("d", r.domain)
          .kv("s", r.selector)
          .kv("result", dkim::to_string(r.result))
          .kv("reason", r.reason);
  const auto situation = classify(results);
  if (situation) {
    const Outcome o = outcome_for(st_->actions, *situation);
    if (o.action != config::Action::accept && o.action != config::Action::quarantine)
      return apply(ctx, *situation, "verification");
  }
  if (!remove_own_auth_results(ctx)) return apply(ctx, Situation::internal_error, "header change failed");
  // Every signature ignored by the prescreen: opendkim writes only dkim=none (and only with
  // AlwaysAddARHeader), not the neutral entries.
  if (std::all_of(results.begin(), results.end(),
                  [](const dkim::SignatureResult& r) { return r.result == dkim::VerifyResult::neutral; }))
    results.clear();
  if (!results.empty() || st_->always_add_ar) {
    const std::string lead = ctx.has_leading_space() ? " " : "";
    const std::string value = format_auth_results(authserv_id(ctx), results, !st_->no_header_b);
    if (!ctx.insert_header(0, kArName, lead + value))
      return apply(ctx, Situation::internal_error, "header change failed");
  }
  if (situation) return apply(ctx, *situation, "verification");
  return Verdict::cont();
}

}  // namespace cachet::dkimd

// SPDX-License-Identifier: BSD-2-Clause
//
// common/dkim/verify.cpp: see verify.hpp.
#include "common/dkim/verify.hpp"

#include <algorithm>

#include "common/base/base64.hpp"
#include "common/base/strings.hpp"
#include "common/dkim/key_record.hpp"
#include "common/mail/tag_list.hpp"

namespace cachet::dkim {

struct Verifier::Pending {
  std::size_t header_index = 0;
  bool is_ignored = false;  // not chosen by the prescreen: reported `neutral`
  Result<Signature> sig = fail(Errc::internal, "not parsed");
  HashKey hash_key{};
};

namespace {

constexpr std::string_view kFieldName = "DKIM-Signature";

SignatureResult make(VerifyResult r, std::string reason) {
  SignatureResult out;
  out.result = r;
  out.reason = std::move(reason);
  return out;
}

// Fills the reporting fields of an unparseable signature from whatever tags it has.
void describe_raw(std::string_view value, SignatureResult& out) {
  auto tags = mail::parse_tag_list(value);
  if (!tags) return;
  if (const auto* d = tags->find("d"); d && is_ldh_domain(d->value)) out.domain = d->value;
  if (const auto* s = tags->find("s")) out.selector = s->value;
  if (const auto* a = tags->find("a")) out.algorithm = a->value;
  if (const auto* b = tags->find("b")) out.b_prefix = strip_whitespace(b->value).substr(0, 8);
  out.identity = out.domain.empty() ? "" : "@" + out.domain;
}

struct LoadedKey {
  KeyRecord record;
  std::shared_ptr<const crypto::PublicKey> key;
};

Result<std::shared_ptr<const crypto::PublicKey>> decode_key(const KeyRecord& rec, PublicKeyCache* cache) {
  if (cache != nullptr) return cache->get(rec.key_type, rec.public_key);
  auto key = crypto::PublicKey::from_dkim(rec.key_type, rec.public_key);
  if (!key) return fail(key.error().code, key.error().detail);
  return std::make_shared<const crypto::PublicKey>(std::move(*key));
}

// Key lookup and the s6.1.2 checks. On failure `out` holds the result.
std::optional<LoadedKey> load_key(const Signature& sig, const KeyLookup& lookup, PublicKeyCache* cache,
                                  SignatureResult& out) {
  const std::string name = to_lower(sig.selector + "._domainkey." + sig.domain);
  const KeyAnswer answer = lookup(name);
  if (answer.status == KeyAnswer::Status::temporary) {
    out = make(VerifyResult::temperror, "key query failed");
    return std::nullopt;
  }
  if (answer.status == KeyAnswer::Status::not_found || answer.records.empty()) {
    out = make(VerifyResult::permerror, "no key for signature");
    return std::nullopt;
  }
  std::optional<KeyRecord> chosen;
  std::string last_error;
  std::size_t valid = 0;
  for (const auto& txt : answer.records) {
    auto rec = parse_key_record(txt);
    if (!rec) {
      last_error = rec.error().detail;
      continue;
    }
    ++valid;
    chosen = std::move(*rec);
  }
  if (valid > 1) {
    out = make(VerifyResult::permerror, "several key records");
    return std::nullopt;
  }
  if (!chosen) {
    out = make(VerifyResult::permerror, last_error);
    return std::nullopt;
  }
  const KeyRecord& rec = *chosen;
  auto reject = [&](std::string why) {
    out = make(VerifyResult::permerror, std::move(why));
    return std::nullopt;
  };
  if (rec.is_revoked) return reject("key revoked");
  if (rec.key_type != key_type_of(sig.algorithm)) return reject("key type does not match a=");
  if (!rec.allows_hash(sig.algorithm == Algorithm::rsa_sha1 ? "sha1" : "sha256")) {
    return reject("inappropriate hash algorithm (key h=)");
  }
  if (!rec.allows_email()) return reject("key is not for email (s=)");
  if (rec.is_strict_identity && !sig.identity.empty()) {
    const std::string_view idom = std::string_view(sig.identity).substr(sig.identity.rfind('@') + 1);
    if (!iequals(idom, sig.domain)) return reject("i= is a subdomain but key has t=s");
  }
  auto key = decode_key(rec, cache);
  if (!key) return reject("key syntax error: " + key.error().detail);
  return LoadedKey{rec, std::move(*key)};
}

// The d= of a signature field for the prescreen: "" when the tag list or d= is unusable.
std::string signing_domain(std::string_view value) {
  auto tags = mail::parse_tag_list(value);
  if (!tags) return "";
  const auto* d = tags->find("d");
  return d && is_ldh_domain(d->value) ? to_lower(d->value) : "";
}

// MustBeSigned: true when a listed field is in the message but not in the signature's h=.
bool is_unprotected(const std::vector<mail::HeaderField>& headers, const Signature& sig,
                    const std::vector<std::string>* must_be_signed) {
  if (must_be_signed == nullptr) return false;
  auto named = [](std::string_view n) { return [n](const auto& x) { return iequals(trim(x), n); }; };
  for (const std::string& name : *must_be_signed) {
    const bool present = std::any_of(headers.begin(), headers.end(),
                                     [&](const mail::HeaderField& h) { return iequals(trim(h.name), name); });
    if (present && std::none_of(sig.signed_headers.begin(), sig.signed_headers.end(), named(name))) return true;
  }
  return false;
}

}  // namespace

std::vector<bool> choose_signatures(const std::vector<std::string>& domains, const VerifyOptions& options) {
  std::vector<bool> chosen(domains.size(), false);
  auto trusted = [&](const std::string& d) { return !d.empty() && options.is_trusted && options.is_trusted(d); };
  if (options.max_signatures == 0) {
    for (std::size_t i = 0; i < domains.size(); ++i)
      chosen[i] = trusted(domains[i]) || (!domains[i].empty() && iequals(domains[i], options.author_domain));
    return chosen;
  }
  // Signed arithmetic on purpose: trusted signatures may take the budget below zero.
  long long budget = static_cast<long long>(options.max_signatures);
  for (std::size_t i = 0; i < domains.size(); ++i)
    if (trusted(domains[i])) {
      chosen[i] = true;
      --budget;
    }
  for (std::size_t i = 0; i < domains.size() && budget > 0; ++i)
    if (!chosen[i]) {
      chosen[i] = true;
      --budget;
    }
  return chosen;
}

const char* to_string(VerifyResult r) noexcept {
  switch (r) {
    case VerifyResult::pass: return "pass";
    case VerifyResult::fail: return "fail";
    case VerifyResult::neutral: return "neutral";
    case VerifyResult::policy: return "policy";
    case VerifyResult::permerror: return "permerror";
    case VerifyResult::temperror: return "temperror";
  }
  return "?";
}

Verifier::Verifier(VerifyOptions options) : options_(options) {}
Verifier::~Verifier() = default;
Verifier::Verifier(Verifier&&) noexcept = default;
Verifier& Verifier::operator=(Verifier&&) noexcept = default;

void Verifier::set_headers(std::vector<mail::HeaderField> headers) {
  headers_ = std::move(headers);
  pending_.clear();
  hashers_.clear();
  skipped_ = 0;
  std::vector<std::size_t> fields;
  for (std::size_t i = 0; i < headers_.size(); ++i)
    if (iequals(trim(headers_[i].name), kFieldName)) fields.push_back(i);
  std::vector<bool> chosen;
  if (!options_.is_trusted && options_.max_signatures > 0) {
    // No trust list: the first max_signatures, without reading the others at all.
    chosen.assign(fields.size(), false);
    for (std::size_t k = 0; k < fields.size() && k < options_.max_signatures; ++k) chosen[k] = true;
  } else {
    std::vector<std::string> domains;
    domains.reserve(fields.size());
    for (const std::size_t i : fields) domains.push_back(signing_domain(headers_[i].value));
    chosen = choose_signatures(domains, options_);
  }
  for (std::size_t k = 0; k < fields.size(); ++k) {
    if (!chosen[k]) ++skipped_;
    if (pending_.size() >= kMaxReportedSignatures) {
      if (chosen[k]) ++skipped_;
      continue;
    }
    Pending p;
    p.header_index = fields[k];
    p.is_ignored = !chosen[k];
    if (p.is_ignored) {
      pending_.push_back(std::move(p));
      continue;
    }
    p.sig = parse_signature(headers_[fields[k]].value);
    if (p.sig) {
      const Signature& s = *p.sig;
      p.hash_key = HashKey{s.body_canon, hash_of(s.algorithm), s.body_length.value_or(0), s.body_length.has_value()};
      auto& h = hashers_[p.hash_key];
      if (!h) h = std::make_unique<BodyHasher>(s.body_canon, hash_of(s.algorithm), s.body_length);
    }
    pending_.push_back(std::move(p));
  }
}

void Verifier::feed_body(std::string_view chunk) {
  for (auto& [key, hasher] : hashers_) hasher->feed(chunk);
}

SignatureResult Verifier::evaluate(Pending& p, const KeyLookup& lookup) {
  const std::string& raw_value = headers_[p.header_index].value;
  if (p.is_ignored) {
    SignatureResult out = make(VerifyResult::neutral, "");
    describe_raw(raw_value, out);
    return out;
  }
  if (!p.sig) {
    SignatureResult out = make(VerifyResult::permerror, p.sig.error().detail);
    describe_raw(raw_value, out);
    return out;
  }
  const Signature& sig = *p.sig;
  SignatureResult out;
  auto fill = [&](SignatureResult r) {
    r.domain = sig.domain;
    r.identity = sig.identity.empty() ? "@" + sig.domain : sig.identity;
    r.selector = sig.selector;
    r.algorithm = to_string(sig.algorithm);
    r.b_prefix = sig.b.substr(0, 8);
    r.key_bits = out.key_bits;
    r.is_testing = out.is_testing;
    return r;
  };
  if (sig.expiry && options_.now > *sig.expiry) {
    return fill(make(VerifyResult::permerror, "signature expired"));
  }
  auto loaded = load_key(sig, lookup, options_.key_cache, out);
  if (!loaded) return fill(std::move(out));
  const crypto::PublicKey& key = *loaded->key;
  out.key_bits = key.bits();
  out.is_testing = loaded->record.is_testing;
  if (key.type() == crypto::KeyType::rsa) {
    if (key.bits() < options_.min_rsa_bits) return fill(make(VerifyResult::policy, "key too small"));
    if (key.bits() > kMaxRsaBits) return fill(make(VerifyResult::permerror, "key too large"));
  }
  SignatureResult r = check_crypto(p, key);
  if (is_unprotected(headers_, sig, options_.must_be_signed))
    r = make(VerifyResult::fail, std::string(kUnprotectedReason));
  return fill(std::move(r));
}

// The body hash, header signature and rsa-sha1 policy of a signature whose key is loaded.
SignatureResult Verifier::check_crypto(Pending& p, const crypto::PublicKey& key) {
  const Signature& sig = *p.sig;
  const std::string& raw_value = headers_[p.header_index].value;
  BodyHasher& body = *hashers_.at(p.hash_key);
  if (sig.body_length && body.canonical_length() < *sig.body_length) {
    return make(VerifyResult::fail, "body shorter than l=");
  }
  // The digest of each hasher is computed once in finish(); see there.
  if (base64_decode(sig.bh).value_or("") != body_digests_.at(p.hash_key)) {
    return make(VerifyResult::fail, "body hash mismatch");
  }
  const crypto::HashAlg alg = hash_of(sig.algorithm);
  const std::string input = header_hash_input(headers_, sig.signed_headers, sig.header_canon,
                                              headers_[p.header_index].name, strip_b_value(raw_value));
  const auto b = base64_decode(sig.b);
  if (!b || !key.verify_digest(alg, crypto::digest(alg, input), *b)) {
    return make(VerifyResult::fail, "signature verification failed");
  }
  if (sig.algorithm == Algorithm::rsa_sha1 && !options_.allow_rsa_sha1) {
    return make(VerifyResult::policy, "rsa-sha1 not accepted (RFC 8301)");
  }
  return make(VerifyResult::pass, "");
}

std::vector<SignatureResult> Verifier::finish(const KeyLookup& lookup) {
  body_digests_.clear();
  for (auto& [key, hasher] : hashers_) body_digests_[key] = hasher->finish();
  std::vector<SignatureResult> results;
  results.reserve(pending_.size());
  for (auto& p : pending_) results.push_back(evaluate(p, lookup));
  return results;
}

Result<std::vector<SignatureResult>> verify_message(std::string_view raw, const KeyLookup& lookup,
                                                    const VerifyOptions& options) {
  auto msg = mail::split_message(raw);
  if (!msg) return fail(msg.error().code, msg.error().detail);
  Verifier v(options);
  v.set_headers(std::move(msg->headers));
  v.feed_body(msg->body);
  return v.finish(lookup);
}

}  // namespace cachet::dkim

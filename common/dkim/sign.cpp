// SPDX-License-Identifier: BSD-2-Clause
//
// common/dkim/sign.cpp: see sign.hpp.
#include "common/dkim/sign.hpp"

#include "common/base/base64.hpp"
#include "common/base/strings.hpp"

namespace cachet::dkim {
namespace {

constexpr std::string_view kFieldName = "DKIM-Signature";

bool contains(const std::vector<std::string>& names, std::string_view name) {
  for (const auto& n : names) {
    if (iequals(n, name)) return true;
  }
  return false;
}

Result<std::vector<std::string>> choose_headers(const SignParams& p, const std::vector<mail::HeaderField>& headers) {
  bool has_from = false;
  for (const auto& h : headers) has_from = has_from || iequals(trim(h.name), "from");
  if (!has_from) return fail(Errc::bad_input, "message has no From field");
  if (!p.explicit_headers.empty()) return p.explicit_headers;
  std::vector<std::string> names;
  for (const auto& h : headers) {
    const std::string_view name = trim(h.name);
    if (contains(p.signed_headers, name) && names.size() < kMaxSignedHeaders) names.emplace_back(name);
  }
  if (!contains(names, "from")) names.emplace_back("From");  // s5.4: From MUST be signed
  for (const auto& o : p.oversign_headers) {
    if (names.size() < kMaxSignedHeaders) names.push_back(o);
  }
  return names;
}

}  // namespace

const std::vector<std::string>& default_signed_headers() {
  static const std::vector<std::string> kList = {"From",      "Reply-To",   "Subject",          "Date",
                                                 "To",        "Cc",         "Resent-Date",      "Resent-From",
                                                 "Resent-To", "Resent-Cc",  "In-Reply-To",      "References",
                                                 "List-Id",   "List-Help",  "List-Unsubscribe", "List-Subscribe",
                                                 "List-Post", "List-Owner", "List-Archive"};
  return kList;
}

Signer::Signer(SignParams params)
    : params_(std::move(params)), body_(params_.body_canon, hash_of(params_.algorithm), std::nullopt) {}

Result<Signer> Signer::create(SignParams params) {
  if (params.key == nullptr) return fail(Errc::config, "no signing key");
  // RFC 8301 s3.1: "Signers MUST sign using rsa-sha256" (or ed25519-sha256, RFC 8463).
  if (params.algorithm == Algorithm::rsa_sha1)
    return fail(Errc::config, "rsa-sha1 is not allowed for signing (RFC 8301)");
  if (params.key->type() != key_type_of(params.algorithm)) {
    return fail(Errc::config, std::string("key type does not match algorithm ") + to_string(params.algorithm));
  }
  if (!is_ldh_domain(params.domain)) return fail(Errc::config, "signing domain is not a valid domain name");
  if (params.selector.empty()) return fail(Errc::config, "empty selector");
  if (!params.identity.empty()) {
    const std::size_t at = params.identity.rfind('@');
    const std::string_view idom =
        at == std::string::npos ? std::string_view() : std::string_view(params.identity).substr(at + 1);
    const bool ok = at != std::string::npos && is_same_or_subdomain(idom, params.domain);
    if (!ok) return fail(Errc::config, "identity is not in the signing domain");
  }
  return Signer(std::move(params));
}

void Signer::feed_body(std::string_view chunk) { body_.feed(chunk); }

Result<std::string> Signer::finish(const std::vector<mail::HeaderField>& headers) {
  auto names = choose_headers(params_, headers);
  if (!names) return fail(names.error().code, names.error().detail);
  Signature sig;
  sig.algorithm = params_.algorithm;
  sig.header_canon = params_.header_canon;
  sig.body_canon = params_.body_canon;
  sig.domain = params_.domain;
  sig.selector = params_.selector;
  sig.identity = params_.identity;
  sig.timestamp = params_.timestamp;
  sig.expiry = params_.expiry;
  sig.signed_headers = std::move(*names);
  sig.bh = base64_encode(body_.finish());
  if (params_.include_body_length) sig.body_length = body_.canonical_length();
  const std::size_t b_len = (params_.key->signature_size() + 2) / 3 * 4;
  const std::string unsigned_value = format_signature_unsigned(sig, params_.style, b_len);
  const std::string input =
      header_hash_input(headers, sig.signed_headers, sig.header_canon, kFieldName, " " + unsigned_value);
  const crypto::HashAlg alg = hash_of(sig.algorithm);
  auto raw = params_.key->sign_digest(alg, crypto::digest(alg, input));
  if (!raw) return fail(raw.error().code, raw.error().detail);
  return append_b_value(unsigned_value, base64_encode(*raw));
}

Result<std::string> sign_message(std::string_view raw, const SignParams& params) {
  auto msg = mail::split_message(raw);
  if (!msg) return fail(msg.error().code, msg.error().detail);
  auto signer = Signer::create(params);
  if (!signer) return fail(signer.error().code, signer.error().detail);
  signer->feed_body(msg->body);
  return signer->finish(msg->headers);
}

}  // namespace cachet::dkim

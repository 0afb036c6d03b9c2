// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_dkim_verify.cpp: the DKIM verifier on whole messages (header split,
// signature parsing, prescreen, key lookup, canonicalization, hashing, the signature check)
// against a fixed key table under fuzz.example: ed25519 (s=ed), RSA-1024 (s=rsa), RSA-512
// (s=small), two TXT records (s=two), a broken record (s=bad), a DNS failure (s=tmp);
// every other name has no key. The seeds are messages signed with those keys (their
// private halves are not kept: the seeds are enough). Input: the first byte selects the
// options (max_signatures, MustBeSigned, the body chunk size), the rest is the message.
// Invariants: never crash, hang or throw; no more results than DKIM-Signature fields (and
// kMaxReportedSignatures); feeding the body in chunks gives the same results as whole;
// a pass has a signature that parses, a key of ours and, in strict mode, neither rsa-sha1
// nor a key under 1024 bits; what passes in strict mode also passes in legacy mode
// (rsa-sha1 and 512-bit keys allowed, no MustBeSigned): strictness only takes passes away.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/strings.hpp"
#include "common/dkim/signature.hpp"
#include "common/dkim/verify.hpp"
#include "common/mail/header.hpp"

namespace {

using cachet::dkim::KeyAnswer;
using cachet::dkim::SignatureResult;
using cachet::dkim::VerifyOptions;
using cachet::dkim::VerifyResult;

constexpr std::string_view kEd25519 = "v=DKIM1; k=ed25519; p=NCUvDUEcy1tVVQgwi61zm6PvUXQ+9wUiC5bpJeSzLvc=";
constexpr std::string_view kRsa1024 =
    "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC39grb388U+BJ/DTbWFUCkvSRKgAjegaE/pgeFF3JOtm51esOgWW"
    "a9Bx22E41jNSWZQbJNvDQ1SO5J8ruEStftjlehjrOO6McDbclXmrPvKlgMN0kIF/oMtavCuZsciLbhr/s5EdLk0yjNZXzSLPhFK0xJLU73y"
    "wskhsZ9KzWD/wIDAQAB";
constexpr std::string_view kRsa512 =
    "v=DKIM1; k=rsa; p=MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAL7JNwJ36+5AGXjzmBvn2ULuMFipQDt0UVp7Ul+f3waHzcfVLAmsmVUHhuZf"
    "DuUbicQyiypbn33IXZbyNZjqiYsCAwEAAQ==";

KeyAnswer lookup(std::string_view name) {
  auto found = [](std::vector<std::string> records) { return KeyAnswer{KeyAnswer::Status::found, std::move(records)}; };
  if (name == "ed._domainkey.fuzz.example") return found({std::string(kEd25519)});
  if (name == "rsa._domainkey.fuzz.example") return found({std::string(kRsa1024)});
  if (name == "small._domainkey.fuzz.example") return found({std::string(kRsa512)});
  if (name == "two._domainkey.fuzz.example") return found({std::string(kEd25519), "v=spf1 -all"});
  if (name == "bad._domainkey.fuzz.example") return found({"v=DKIM1; k=rsa; p=AAAA"});
  if (name == "tmp._domainkey.fuzz.example") return KeyAnswer{KeyAnswer::Status::temporary, {}};
  return KeyAnswer{KeyAnswer::Status::not_found, {}};
}

bool same(const std::vector<SignatureResult>& a, const std::vector<SignatureResult>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].result != b[i].result || a[i].reason != b[i].reason || a[i].domain != b[i].domain ||
        a[i].key_bits != b[i].key_bits)
      return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const unsigned bits = data[0];
  const std::string_view raw(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto msg = cachet::mail::split_message(raw);
  if (!msg) return 0;
  std::vector<std::string> signature_fields;
  for (const auto& h : msg->headers)
    if (cachet::iequals(cachet::trim(h.name), "DKIM-Signature")) signature_fields.push_back(h.value);

  static const std::vector<std::string> kMustBeSigned = {"subject", "from"};
  VerifyOptions strict;
  strict.now = 1800000000;
  strict.max_signatures = bits & 3;  // 0: author-domain signatures only
  strict.author_domain = "fuzz.example";
  if (bits & 4) strict.must_be_signed = &kMustBeSigned;
  if (bits & 8) strict.is_trusted = [](std::string_view d) { return cachet::iequals(d, "fuzz.example"); };
  VerifyOptions legacy = strict;
  legacy.allow_rsa_sha1 = true;
  legacy.min_rsa_bits = 512;
  legacy.must_be_signed = nullptr;

  const auto whole = cachet::dkim::verify_message(raw, lookup, strict);
  if (!whole) std::abort();  // split_message succeeded above
  if (whole->size() > signature_fields.size() || whole->size() > cachet::dkim::kMaxReportedSignatures) std::abort();

  // The same message, its body fed in chunks of a size the input chooses.
  cachet::dkim::Verifier chunked(strict);
  chunked.set_headers(msg->headers);
  const std::size_t chunk = 1 + (bits >> 4) * 7;
  for (std::size_t i = 0; i < msg->body.size(); i += chunk) chunked.feed_body(msg->body.substr(i, chunk));
  if (!same(*whole, chunked.finish(lookup))) std::abort();

  const auto lax = cachet::dkim::verify_message(raw, lookup, legacy);
  if (!lax || lax->size() != whole->size()) std::abort();
  for (std::size_t i = 0; i < whole->size(); ++i) {
    const SignatureResult& r = (*whole)[i];
    if (r.result != VerifyResult::pass) continue;
    if ((*lax)[i].result != VerifyResult::pass) std::abort();      // strict passed, legacy did not
    if (!cachet::iequals(r.domain, "fuzz.example")) std::abort();  // no key of ours elsewhere
    if (r.algorithm == "rsa-sha1" || (r.algorithm != "ed25519-sha256" && r.key_bits < 1024)) std::abort();
    // Results are in header order; with at most 32 reported they map to the fields.
    if (!cachet::dkim::parse_signature(signature_fields.at(i))) std::abort();
  }
  return 0;
}

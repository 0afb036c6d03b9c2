// SPDX-License-Identifier: BSD-2-Clause
//
// common/dkim/verify.hpp: pure DKIM verifier (RFC 6376 s6, RFC 8301, RFC 8463).
// Input: header fields, body chunks, a key lookup callback (the DNS layer, or a table in
// tests) and the current time; output: one result per evaluated DKIM-Signature.
// No I/O of its own, no logging, no clock. One Verifier per message and thread.
// Never a pass on error: DNS trouble -> temperror; bad data -> permerror; policy refusals
// (rsa-sha1, RSA keys < 1024 bits, t=y is NOT one of them) -> policy.
// Decisions (documented in the man page of cachet-dkim):
//  * rsa-sha1 (RFC 8301 s3.1: verifiers MUST NOT consider it valid): the signature is
//    checked; if it would pass the result is `policy` ("rsa-sha1 not accepted"), else
//    `fail`. VerifyOptions::allow_rsa_sha1 restores legacy behaviour.
//  * RSA key < min_rsa_bits (default 1024, RFC 8301 s3.2): `policy` "key too small",
//    like opendkim ("signing key too small"); > kMaxRsaBits: permerror.
//  * No key (NXDOMAIN/NODATA): permerror "no key for signature" (s6.1.2; opendkim says
//    fail). SERVFAIL/timeout: temperror.
//  * Several TXT records (s6.1.2 lets the verifier choose): the one that parses as a key
//    record is used; none or more than one valid -> permerror.
//  * l= larger than the canonical body: fail "body shorter than l=".
//  * Which signatures are evaluated is opendkim's "prescreen" (choose_signatures below).
//    An ignored one is not evaluated (no DNS query) and is reported as `neutral` with its
//    tags, as opendkim 2.11 writes it (checked with opendkim -t); skipped() counts them.
//    Results stop at kMaxReportedSignatures fields (a message with thousands of signature
//    fields must not make a huge Authentication-Results; opendkim truncates at 4 KB).
//  * MustBeSigned (VerifyOptions::must_be_signed): a signature whose key was loaded but
//    whose h= omits a listed field present in the message is `fail` "unprotected header
//    field" (libopendkim's DKIM_SIGERROR_MBSFAILED text), whatever its cryptographic result.
//  * `neutral` means "ignored" and nothing else; t= in the future is
//    accepted (clock skew); key record t=y does not change the result (is_testing says it).
// Header values must carry CRLF folding as on the wire (the milter layer converts
// Postfix's LF folding with mail::lf_to_crlf), or simple header canonicalization breaks.
// See also: sign.hpp, key_record.hpp, tests/unit/common/dkim/verify_test.cpp
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "common/dkim/hashing.hpp"
#include "common/dkim/key_cache.hpp"
#include "common/dkim/signature.hpp"
#include "common/mail/header.hpp"

namespace cachet::dkim {

inline constexpr int kMaxRsaBits = 8192;
inline constexpr std::size_t kMaxReportedSignatures = 32;
// The reason of a MustBeSigned failure (libopendkim's text for DKIM_SIGERROR_MBSFAILED).
inline constexpr std::string_view kUnprotectedReason = "unprotected header field";

enum class VerifyResult { pass, fail, neutral, policy, permerror, temperror };
const char* to_string(VerifyResult r) noexcept;

struct KeyAnswer {
  enum class Status { found, not_found, temporary };
  Status status = Status::temporary;
  std::vector<std::string> records;  // TXT rdata, character-strings concatenated
};
// Called with "<selector>._domainkey.<domain>" (d= as written, lower-cased).
using KeyLookup = std::function<KeyAnswer(std::string_view name)>;

struct VerifyOptions {
  std::size_t max_signatures = 10;
  bool allow_rsa_sha1 = false;
  int min_rsa_bits = 1024;
  std::uint64_t now = 0;                // seconds since the epoch, for x= (required)
  PublicKeyCache* key_cache = nullptr;  // optional, shared between threads; not owned
  // MustBeSigned: field names (case-insensitive); null or empty = no requirement. Not owned.
  const std::vector<std::string>* must_be_signed = nullptr;
  // TrustSignaturesFrom: is this d= a trusted signer? Empty = nobody is.
  std::function<bool(std::string_view domain)> is_trusted{};
  // The author (From) domain; consulted only when max_signatures == 0.
  std::string author_domain{};
};

// opendkim's prescreen: which signatures (given their d=, "" when unreadable, in header
// order) are evaluated.
//  * max_signatures > 0: every trusted signature, then untrusted ones from the top down
//    while max_signatures minus the number of trusted ones allows (trusted signatures may
//    exceed the limit; they use up the budget first).
//  * max_signatures == 0: only signatures from the author domain (exact, case-insensitive)
//    or a trusted domain (opendkim's branch for "MaximumSignaturesToVerify 0").
std::vector<bool> choose_signatures(const std::vector<std::string>& domains, const VerifyOptions& options);

struct SignatureResult {
  VerifyResult result = VerifyResult::permerror;
  std::string reason;       // empty for pass
  std::string domain;       // d= (empty when the field could not be parsed)
  std::string identity;     // i=, or "@" + d= when absent
  std::string selector;     // s=
  std::string algorithm;    // a= as written
  std::string b_prefix;     // first 8 characters of b= (header.b, RFC 6008)
  int key_bits = 0;         // 0 when no key was loaded
  bool is_testing = false;  // key record t=y
};

class Verifier {
 public:
  explicit Verifier(VerifyOptions options);
  ~Verifier();
  Verifier(Verifier&&) noexcept;
  Verifier& operator=(Verifier&&) noexcept;
  // All header fields in message order; finds and parses the DKIM-Signature fields.
  void set_headers(std::vector<mail::HeaderField> headers);
  void feed_body(std::string_view chunk);
  // One result per DKIM-Signature field, in header order (ignored ones `neutral`), at most
  // kMaxReportedSignatures.
  std::vector<SignatureResult> finish(const KeyLookup& lookup);
  std::size_t skipped() const noexcept { return skipped_; }

 private:
  struct Pending;
  using HashKey = std::tuple<Canon, crypto::HashAlg, std::uint64_t, bool>;
  SignatureResult evaluate(Pending& p, const KeyLookup& lookup);
  SignatureResult check_crypto(Pending& p, const crypto::PublicKey& key);

  VerifyOptions options_;
  std::vector<mail::HeaderField> headers_;
  std::vector<Pending> pending_;
  std::map<HashKey, std::unique_ptr<BodyHasher>> hashers_;
  std::map<HashKey, std::string> body_digests_;
  std::size_t skipped_ = 0;
};

// Convenience for whole messages; a message that cannot be split gives no results and
// the error.
[[nodiscard]] Result<std::vector<SignatureResult>> verify_message(std::string_view raw, const KeyLookup& lookup,
                                                                  const VerifyOptions& options);

}  // namespace cachet::dkim

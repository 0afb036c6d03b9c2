// SPDX-License-Identifier: BSD-2-Clause
//
// common/dkim/sign.hpp: pure DKIM signer (RFC 6376 s5, RFC 8463). Input: the message's
// header fields, the body in chunks, parameters; output: the DKIM-Signature value to insert
// as "DKIM-Signature: <value>" (one SP after the colon: that is what was signed when
// header canonicalization is simple). No I/O, no clock (t=/x= are parameters), no logging.
// A Signer is one message on one thread; the PrivateKey is shared read-only.
// See also: signature.hpp (format), verify.hpp, tests/unit/common/dkim/sign_test.cpp
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/crypto/crypto.hpp"
#include "common/dkim/hashing.hpp"
#include "common/dkim/signature.hpp"
#include "common/mail/header.hpp"

namespace cachet::dkim {

// RFC 6376 s5.4.1's list, which opendkim signs by default (peers.md s2.1).
const std::vector<std::string>& default_signed_headers();

struct SignParams {
  std::string domain;
  std::string selector;
  const crypto::PrivateKey* key = nullptr;  // not owned; outlives the Signer
  Algorithm algorithm = Algorithm::rsa_sha256;
  Canon header_canon = Canon::relaxed;
  Canon body_canon = Canon::simple;
  // Names signed when present, each instance, in message order, case as in the message.
  std::vector<std::string> signed_headers = default_signed_headers();
  // Each name added once more at the end of h= (a later added field breaks the signature).
  std::vector<std::string> oversign_headers;
  // When non-empty: h= exactly these names (RFC vector reproduction, cachetctl).
  std::vector<std::string> explicit_headers;
  std::string identity;                    // i=, empty = not written (opendkim style)
  std::optional<std::uint64_t> timestamp;  // t=
  std::optional<std::uint64_t> expiry;     // x=
  bool include_body_length = false;        // l= (canonical body length signed)
  SignatureStyle style = SignatureStyle::opendkim;
};

class Signer {
 public:
  // Errors (config): no key, rsa-sha1 (RFC 8301), empty domain/selector, key type does not match the
  // algorithm, domain not LDH, identity not in domain.
  [[nodiscard]] static Result<Signer> create(SignParams params);
  void feed_body(std::string_view chunk);
  // Errors: bad_input (no From field: s5.4 requires it to be signed), internal (crypto).
  [[nodiscard]] Result<std::string> finish(const std::vector<mail::HeaderField>& headers);

 private:
  explicit Signer(SignParams params);
  SignParams params_;
  BodyHasher body_;
};

// Convenience for whole messages (files, cachetctl, tests). Errors: those of
// mail::split_message, Signer::create and Signer::finish.
[[nodiscard]] Result<std::string> sign_message(std::string_view raw, const SignParams& params);

}  // namespace cachet::dkim

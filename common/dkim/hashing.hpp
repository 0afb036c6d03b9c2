// SPDX-License-Identifier: BSD-2-Clause
//
// common/dkim/hashing.hpp: the two DKIM hash inputs shared by signer and verifier:
// the streaming body hash (canonicalization + l= limit) and the header hash input
// (h= selection from the bottom, RFC 6376 s5.4.2, plus the signature field itself).
// One BodyHasher per message and thread. Cannot fail.
// See also: canon.hpp, sign.hpp, verify.hpp
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto/crypto.hpp"
#include "common/dkim/canon.hpp"
#include "common/mail/header.hpp"

namespace cachet::dkim {

class BodyHasher {
 public:
  BodyHasher(Canon canon, crypto::HashAlg alg, std::optional<std::uint64_t> limit);
  void feed(std::string_view chunk);
  // Ends the body; returns the raw digest. Call once.
  std::string finish();
  // Canonical body bytes seen so far (not limited by l=).
  std::uint64_t canonical_length() const noexcept { return total_; }
  Canon canon() const noexcept { return canon_; }
  crypto::HashAlg alg() const noexcept { return hasher_.alg(); }
  std::optional<std::uint64_t> limit() const noexcept { return limit_; }

 private:
  void consume(const std::string& canonical);

  Canon canon_;
  BodyCanonicalizer canonicalizer_;
  crypto::Hasher hasher_;
  std::optional<std::uint64_t> limit_;
  std::uint64_t total_ = 0;
  std::string buf_;
};

// The canonicalized header data that is hashed and signed: the fields named in h= (each
// name takes the last not yet used instance, bottom-up; a name with no instance left adds
// nothing), then the DKIM-Signature field with its b= value empty and no final CRLF.
std::string header_hash_input(const std::vector<mail::HeaderField>& headers,
                              const std::vector<std::string>& signed_names, Canon canon, std::string_view sig_name,
                              std::string_view sig_value_without_b);

}  // namespace cachet::dkim

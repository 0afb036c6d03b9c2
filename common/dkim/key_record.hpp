// SPDX-License-Identifier: BSD-2-Clause
//
// common/dkim/key_record.hpp: DKIM public key records (RFC 6376 s3.6.1, RFC 8463 s4).
// Pure parser over the TXT text (character-strings already concatenated); no crypto: p=
// is base64-decoded here and turned into a key by crypto::PublicKey::from_dkim.
// Any thread. Errors are Errc::permanent (RFC 6376 s6.1.2: a bad key record is PERMFAIL).
// Several TXT records for one selector are the caller's decision (see verify.hpp: RFC 6376
// s6.1.2 lets the verifier choose one; we use the only valid one, else permerror).
// See also: tag_list.hpp, verify.hpp, tests/unit/common/dkim/key_record_test.cpp
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/crypto/crypto.hpp"

namespace cachet::dkim {

struct KeyRecord {
  crypto::KeyType key_type = crypto::KeyType::rsa;  // k=, default rsa
  std::string public_key;                           // decoded p=; empty = revoked
  bool is_revoked = false;
  std::vector<std::string> hash_algs;  // h=, empty = all allowed
  std::vector<std::string> services;   // s=, default {"*"}
  bool is_testing = false;             // t=y
  bool is_strict_identity = false;     // t=s: i= domain must equal d=
  std::string notes;                   // n= (qp-section, not decoded)

  bool allows_hash(std::string_view alg) const;  // "sha1"/"sha256" vs h=
  bool allows_email() const;                     // s= has "*" or "email"
};

// Errors (permanent): tag-list syntax/duplicate; v= present but not first or not
// exactly "DKIM1"; missing p=; p= not base64; unknown k=.
// Unknown tags, unknown h=/s=/t= list entries are ignored (s3.6.1).
[[nodiscard]] Result<KeyRecord> parse_key_record(std::string_view txt);

}  // namespace cachet::dkim

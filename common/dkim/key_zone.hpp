// SPDX-License-Identifier: BSD-2-Clause
//
// common/dkim/key_zone.hpp: the `<selector>.txt` file that opendkim-genkey writes (a BIND
// zone-file stub publishing one DKIM key record) and its reader.
// format_key_zone() reproduces opendkim-genkey 2.11's layout byte for byte:
//   sel._domainkey[.domain.]<TAB>IN<TAB>TXT<TAB>( "v=DKIM1;[ n=\"note\";][ h=algs;] k=rsa; [flags ]"
//   <TAB>  "p=<first 250 base64 chars>"
//   <TAB>  "<next 250>" ... )  ; ----- DKIM key sel for domain
// (flags: t=y; / t=s; / t=y:s; and s=email;, each followed by one space; the comment is
// left out when the domain is empty). A base64 length that is a multiple of 250 ends with
// an empty string "", as opendkim-genkey writes it.
// parse_key_zone() reads such a file back (or any single-record zone stub: owner, optional
// TTL and class, TXT, one or more quoted or bare character-strings, parentheses across
// lines, ';' comments, \" \\ \DDD escapes), or a file holding just the record text
// ("v=DKIM1; k=rsa; p=..."). Pure functions; any thread. Errors: Errc::bad_input.
// See also: key_record.hpp, tools/cachetctl/cmd_keygen.cpp,
// tests/unit/common/dkim/key_zone_test.cpp
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/crypto/crypto.hpp"

namespace cachet::dkim {

inline constexpr std::size_t kMaxKeyZoneBytes = 64 * 1024;
inline constexpr std::size_t kMaxKeyZoneStrings = 64;  // character-strings in one record
inline constexpr std::size_t kKeyZoneChunk = 250;      // base64 characters per string (genkey)

struct KeyZoneParams {
  std::string selector = "default";
  std::string domain = "localhost";  // comment only, unless append_domain
  bool append_domain = false;        // -a: owner "sel._domainkey.domain."
  crypto::KeyType key_type = crypto::KeyType::rsa;
  std::string public_key;                                        // raw p= bytes (DER SPKI or 32 Ed25519 bytes)
  std::optional<std::string> hash_algs = std::string("sha256");  // h= (Debian default)
  std::optional<std::string> note;                               // n=, written as n=\"note\";
  bool is_restricted = false;                                    // -r: s=email
  bool is_testing = false;                                       // -t: t=y
  bool allows_subdomains = true;                                 // false (-S, --nosubdomains): t=s
};

// The whole .txt file, ending with "\n".
std::string format_key_zone(const KeyZoneParams& params);

struct KeyZoneEntry {
  std::string owner;                 // as written ("sel._domainkey" or "sel._domainkey.d.")
  std::vector<std::string> strings;  // the character-strings, unescaped
  std::string record() const;        // the strings concatenated (RFC 6376 s3.6.2.2)
};

// Errors (bad_input): empty text, over kMaxKeyZoneBytes, a NUL byte, no TXT record, an
// unterminated quoted string or parenthesis, a bad escape, a string over 255 octets, more
// than kMaxKeyZoneStrings strings, a second record, a type other than TXT.
[[nodiscard]] Result<KeyZoneEntry> parse_key_zone(std::string_view text);

}  // namespace cachet::dkim

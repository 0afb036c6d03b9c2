// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_dkim_key_zone.cpp: the reader of opendkim-genkey .txt files (cachetctl
// --key-file, testkey) and the key record parser behind it. Property: whatever parses to a
// key record survives the round trip through the writer (format_key_zone, what cachetctl
// keygen writes): parsed again, it gives the same p= bytes, key type, flags (t=y, t=s),
// hash algorithms and service restriction; and the strings a record is split into join back
// to the record.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/dkim/key_record.hpp"
#include "common/dkim/key_zone.hpp"

namespace {

using cachet::dkim::KeyRecord;

// h= as the writer takes it: the algorithms the record allows, ':'-separated.
std::string hash_list(const KeyRecord& r) {
  if (r.hash_algs.empty()) return {};
  std::string out;
  for (const char* alg : {"sha1", "sha256"})
    if (r.allows_hash(alg)) out += (out.empty() ? "" : ":") + std::string(alg);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto entry = cachet::dkim::parse_key_zone(in);
  if (!entry) return 0;
  std::string joined;
  for (const auto& s : entry->strings) joined += s;
  if (joined != entry->record()) std::abort();
  const auto rec = cachet::dkim::parse_key_record(entry->record());
  if (!rec || rec->is_revoked) return 0;

  cachet::dkim::KeyZoneParams p;
  p.selector = "fuzz";
  p.domain = "example.com";
  p.key_type = rec->key_type;
  p.public_key = rec->public_key;
  const std::string hashes = hash_list(*rec);
  if (hashes.empty() && !rec->hash_algs.empty()) return 0;  // h= allows neither: nothing to write
  p.hash_algs = hashes.empty() ? std::nullopt : std::optional<std::string>(hashes);
  p.is_restricted = std::find(rec->services.begin(), rec->services.end(), "*") == rec->services.end();
  p.is_testing = rec->is_testing;
  p.allows_subdomains = !rec->is_strict_identity;
  if (!rec->allows_email()) return 0;  // the writer cannot express a key not for mail

  const std::string zone = cachet::dkim::format_key_zone(p);
  const auto back = cachet::dkim::parse_key_zone(zone);
  if (!back) std::abort();
  const auto again = cachet::dkim::parse_key_record(back->record());
  if (!again || again->public_key != rec->public_key || again->key_type != rec->key_type ||
      again->is_testing != rec->is_testing || again->is_strict_identity != rec->is_strict_identity ||
      again->allows_email() != rec->allows_email() || again->allows_hash("sha1") != rec->allows_hash("sha1") ||
      again->allows_hash("sha256") != rec->allows_hash("sha256"))
    std::abort();
  return 0;
}

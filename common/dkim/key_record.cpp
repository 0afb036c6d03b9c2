// SPDX-License-Identifier: BSD-2-Clause
//
// common/dkim/key_record.cpp: see key_record.hpp.
#include "common/dkim/key_record.hpp"

#include "common/base/base64.hpp"
#include "common/base/strings.hpp"
#include "common/mail/tag_list.hpp"

namespace cachet::dkim {
namespace {

// Colon-separated list with FWS around the items (s3.6.1 key-h-tag etc.).
std::vector<std::string> colon_list(std::string_view v) {
  std::vector<std::string> out;
  for (const auto item : split(v, ':')) out.emplace_back(trim(item));
  return out;
}

}  // namespace

bool KeyRecord::allows_hash(std::string_view alg) const {
  if (hash_algs.empty()) return true;
  for (const auto& h : hash_algs) {
    if (h == alg) return true;
  }
  return false;
}

bool KeyRecord::allows_email() const {
  for (const auto& s : services) {
    if (s == "*" || s == "email") return true;
  }
  return false;
}

Result<KeyRecord> parse_key_record(std::string_view txt) {
  auto tags = mail::parse_tag_list(txt);
  if (!tags) return fail(Errc::permanent, "key record syntax: " + tags.error().detail);
  KeyRecord rec;
  rec.services = {"*"};
  const auto& list = tags->tags;
  if (const auto* v = tags->find("v")) {
    // s3.6.1: v= "MUST be the first tag in the record"; the only value is DKIM1.
    if (&list.front() != v) return fail(Errc::permanent, "key record v= is not the first tag");
    if (v->value != "DKIM1") return fail(Errc::permanent, "key record version is not DKIM1");
  }
  if (const auto* k = tags->find("k")) {
    if (k->value == "rsa") {
      rec.key_type = crypto::KeyType::rsa;
    } else if (k->value == "ed25519") {
      rec.key_type = crypto::KeyType::ed25519;
    } else {
      return fail(Errc::permanent, "unknown key type k=" + k->value);
    }
  }
  if (const auto* h = tags->find("h")) rec.hash_algs = colon_list(h->value);
  if (const auto* s = tags->find("s")) rec.services = colon_list(s->value);
  if (const auto* t = tags->find("t")) {
    for (const auto& flag : colon_list(t->value)) {
      if (flag == "y") rec.is_testing = true;
      if (flag == "s") rec.is_strict_identity = true;
    }
  }
  if (const auto* n = tags->find("n")) rec.notes = n->value;
  const auto* p = tags->find("p");
  if (p == nullptr) return fail(Errc::permanent, "key record has no p=");
  const std::string b64 = strip_whitespace(p->value);
  if (b64.empty()) {
    rec.is_revoked = true;  // s3.6.1: an empty p= means the key has been revoked
    return rec;
  }
  auto der = base64_decode(b64);
  if (!der) return fail(Errc::permanent, "key record p= is not base64");
  rec.public_key = std::move(*der);
  return rec;
}

}  // namespace cachet::dkim

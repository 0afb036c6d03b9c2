// SPDX-License-Identifier: BSD-2-Clause
//
// common/dkim/hashing.cpp: see hashing.hpp.
#include "common/dkim/hashing.hpp"

#include "common/base/strings.hpp"

namespace cachet::dkim {

BodyHasher::BodyHasher(Canon canon, crypto::HashAlg alg, std::optional<std::uint64_t> limit)
    : canon_(canon), canonicalizer_(canon), hasher_(alg), limit_(limit) {}

void BodyHasher::consume(const std::string& canonical) {
  std::uint64_t take = canonical.size();
  if (limit_) {
    const std::uint64_t room = total_ < *limit_ ? *limit_ - total_ : 0;
    if (take > room) take = room;
  }
  if (take > 0) hasher_.update(std::string_view(canonical).substr(0, take));
  total_ += canonical.size();
}

void BodyHasher::feed(std::string_view chunk) {
  buf_.clear();
  canonicalizer_.feed(chunk, buf_);
  consume(buf_);
}

std::string BodyHasher::finish() {
  buf_.clear();
  canonicalizer_.finish(buf_);
  consume(buf_);
  return hasher_.finish();
}

std::string header_hash_input(const std::vector<mail::HeaderField>& headers,
                              const std::vector<std::string>& signed_names, Canon canon, std::string_view sig_name,
                              std::string_view sig_value_without_b) {
  std::string out;
  std::vector<bool> used(headers.size(), false);
  for (const auto& want : signed_names) {
    for (std::size_t i = headers.size(); i-- > 0;) {
      if (used[i] || !iequals(trim(headers[i].name), want)) continue;
      used[i] = true;
      append_canon_header(out, headers[i].name, headers[i].value, canon);
      break;
    }
  }
  append_canon_header(out, sig_name, sig_value_without_b, canon);
  out.resize(out.size() - 2);  // the signature field enters without its CRLF (s3.7)
  return out;
}

}  // namespace cachet::dkim

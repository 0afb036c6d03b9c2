// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_mail_headers.cpp: header section split, unfolding, header and body
// canonicalization (body fed in two chunks split at a data-dependent point).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/dkim/canon.hpp"
#include "common/mail/header.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto msg = cachet::mail::split_message(in);
  if (!msg) return 0;
  for (const auto& h : msg->headers) {
    (void)cachet::mail::unfold(h.value);
    (void)cachet::dkim::canon_header(h.name, h.value, cachet::dkim::Canon::simple);
    (void)cachet::dkim::canon_header(h.name, h.value, cachet::dkim::Canon::relaxed);
  }
  const std::string_view body = msg->body;
  const std::size_t cut = size == 0 ? 0 : data[0] % (body.size() + 1);
  for (const auto c : {cachet::dkim::Canon::simple, cachet::dkim::Canon::relaxed}) {
    cachet::dkim::BodyCanonicalizer whole(c), parts(c);
    std::string a, b;
    whole.feed(body, a);
    whole.finish(a);
    parts.feed(body.substr(0, cut), b);
    parts.feed(body.substr(cut), b);
    parts.finish(b);
    if (a != b) __builtin_trap();  // chunking must not change the canonical body
  }
  return 0;
}

// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_smtp_reply.cpp: the SMTP reply reader (report_smtp.hpp) over hostile
// server output, fed in two pieces split at the first input byte's value. Invariants: never
// crash or throw; every reply has a code 0..999, at least one line, at most kMaxReplyLines
// lines of at most kMaxReplyLineBytes bytes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/dmarc/report_smtp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::size_t cut = in.empty() ? 0 : static_cast<unsigned char>(in[0]) % (in.size() + 1);
  cachet::dmarc::SmtpReplyReader r;
  r.feed(in.substr(0, cut));
  for (int pass = 0; pass < 2; ++pass) {
    while (auto reply = r.next()) {
      if (reply->code < 0 || reply->code > 999 || reply->lines.empty() ||
          reply->lines.size() > cachet::dmarc::kMaxReplyLines)
        std::abort();
      for (const auto& l : reply->lines)
        if (l.size() > cachet::dmarc::kMaxReplyLineBytes) std::abort();
    }
    r.feed(in.substr(cut));
  }
  return 0;
}

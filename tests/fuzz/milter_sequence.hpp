// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/milter_sequence.hpp: the input reader and the callback driver shared by the
// milter-session fuzz targets (fuzz_dkim_session.cpp, fuzz_dmarc_session.cpp). The input
// is a sequence of operations, each an opcode byte and, for the steps that carry text, a
// length byte and that many bytes; the driver plays them against one session through the
// fake context, in whatever order they come, at most 256 of them, then closes it.
// Checks shared by both targets: a reply verdict has a 4xx/5xx code and one line of text;
// the target checks what end of message added (on_eom_changes).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/authres/authres.hpp"
#include "common/milter/session.hpp"
#include "tests/lib/fake_context.hpp"

namespace cachet::testlib {

class FuzzInput {
 public:
  FuzzInput(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool empty() const { return pos_ >= size_; }
  unsigned byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  std::string text() {
    const std::size_t n = std::min<std::size_t>(byte(), size_ - pos_);
    std::string out(reinterpret_cast<const char*>(data_) + pos_, n);
    pos_ += n;
    return out;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

inline void check_verdict(const milter::Verdict& v) {
  if (v.action != milter::Action::reply) return;
  if (v.code.size() != 3 || (v.code[0] != '4' && v.code[0] != '5')) std::abort();
  for (const char c : v.text)
    if (c == '\r' || c == '\n') std::abort();
}

// True when an Authentication-Results value we added reads back, with our strict parser,
// under the authserv-id both targets give the fake MTA (j = mx.example.net).
inline bool reads_back_as_ours(const std::string& ar_value) {
  const auto ar = authres::parse_authentication_results(ar_value);
  return ar && (ar->authserv_id == "mx.example.net" || ar->authserv_id.rfind("mx.example.net/", 0) == 0);
}

// Plays the rest of `in` against `session`; after each end of message calls
// on_eom_changes(ctx, first) with the index of the first change that step made.
template <class OnEomChanges>
void drive_session(milter::Session& session, FakeContext& ctx, const milter::ConnInfo& conn, FuzzInput& in,
                   OnEomChanges on_eom_changes) {
  for (int steps = 0; !in.empty() && steps < 256; ++steps) {
    ctx.at_eom = false;
    milter::Verdict v;
    switch (in.byte() % 10) {
      case 0: v = session.on_connect(ctx, conn); break;
      case 1: v = session.on_helo(ctx, in.text()); break;
      case 2: {
        const std::string from = in.text();
        v = session.on_envfrom(ctx, {from});
        break;
      }
      case 3: {
        const std::string rcpt = in.text();
        v = session.on_envrcpt(ctx, {rcpt});
        break;
      }
      case 4: {
        const std::string name = in.text();
        v = session.on_header(ctx, name, in.text());
        break;
      }
      case 5: v = session.on_eoh(ctx); break;
      case 6: v = session.on_body(ctx, in.text()); break;
      case 7: {
        ctx.at_eom = true;
        const std::size_t before = ctx.changes.size();
        v = session.on_eom(ctx);
        on_eom_changes(ctx, before);
        break;
      }
      case 8: session.on_abort(ctx); break;
      default: ctx.macros[in.byte() & 1 ? "{auth_authen}" : "i"] = in.text(); break;
    }
    check_verdict(v);
  }
  session.on_close(ctx);
}

}  // namespace cachet::testlib

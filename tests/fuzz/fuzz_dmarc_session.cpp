// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_dmarc_session.cpp: cachet-dmarc's milter session glue (DmarcSession) fed
// random callback sequences through the fake context, as a confused or hostile MTA could
// order them: steps repeated, skipped or out of order, aborts anywhere, macros present or
// not. Input: a settings byte, then operations, each an opcode byte and, for the steps
// that carry text, a length byte and that many bytes.
// Invariants: never crash, hang or throw; modifications reach the MTA only at end of
// message (the fake context refuses them elsewhere, and the session must cope); every
// field added is one Authentication-Results that our strict parser reads back with our
// authserv-id; a reply verdict has a 4xx/5xx code matching its kind and one line of text.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/authres/authres.hpp"
#include "common/base/swappable.hpp"
#include "common/dns/zone_resolver.hpp"
#include "common/log/logger.hpp"
#include "milters/dmarc/session.hpp"
#include "tests/lib/fake_context.hpp"

namespace {

using cachet::milter::Action;
using cachet::milter::Verdict;

class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
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

void fill_zone(cachet::dns::ZoneResolver& z) {
  z.add_txt("_dmarc.example.com", {"v=DMARC1; p=reject; rua=mailto:a@example.com"});
  z.add_txt("_dmarc.quar.example", {"v=DMARC1; p=quarantine; adkim=s"});
  z.add_txt("_dmarc.none.example", {"v=DMARC1; p=none"});
  z.set_timeout("_dmarc.slow.example");
}

void check_verdict(const Verdict& v) {
  if (v.action != Action::reply) return;
  if (v.code.size() != 3 || (v.code[0] != '4' && v.code[0] != '5')) std::abort();
  for (const char c : v.text)
    if (c == '\r' || c == '\n') std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static cachet::dns::ZoneResolver zone;  // filled once, read-only afterwards
  static const bool kFilled = (fill_zone(zone), true);
  (void)kFilled;
  Input in(data, size);
  const unsigned bits = in.byte();
  cachet::dmarcd::DmarcSettings s;
  s.reject_failures = bits & 1;
  s.ignore_authenticated = bits & 2;
  s.authserv_id_with_job_id = bits & 4;
  s.hold_quarantined = bits & 8;
  s.required_headers = bits & 16;
  if (bits & 32) s.copy_failures_to = "copy@example.net";
  auto st = std::make_shared<cachet::dmarcd::DmarcState>();
  st->settings = s;
  cachet::Swappable<const cachet::dmarcd::DmarcState> state;
  state.store(st);
  cachet::log::CaptureLogger logger;
  cachet::testlib::FakeContext ctx;
  ctx.macros = {{"i", "QFUZZ"}, {"j", "mx.example.net"}};
  if (bits & 64) ctx.macros["{auth_authen}"] = "alice";
  const cachet::milter::ConnInfo conn{true, "client.example", cachet::milter::ConnInfo::Family::inet, "192.0.2.9", 25};
  auto session =
      std::make_unique<cachet::dmarcd::DmarcSession>(cachet::dmarcd::SessionShared{&state, &logger, &zone}, conn);

  for (int steps = 0; !in.empty() && steps < 256; ++steps) {
    ctx.at_eom = false;
    Verdict v;
    switch (in.byte() % 10) {
      case 0: v = session->on_connect(ctx, conn); break;
      case 1: v = session->on_helo(ctx, in.text()); break;
      case 2: {
        const std::string from = in.text();
        v = session->on_envfrom(ctx, {from});
        break;
      }
      case 3: {
        const std::string rcpt = in.text();
        v = session->on_envrcpt(ctx, {rcpt});
        break;
      }
      case 4: {
        const std::string name = in.text();
        v = session->on_header(ctx, name, in.text());
        break;
      }
      case 5: v = session->on_eoh(ctx); break;
      case 6: v = session->on_body(ctx, in.text()); break;
      case 7: {
        ctx.at_eom = true;
        const std::size_t before = ctx.changes.size();
        v = session->on_eom(ctx);
        for (std::size_t i = before; i < ctx.changes.size(); ++i) {
          const auto& c = ctx.changes[i];
          if (c.command != cachet::milter::wire::kRepInsHeader) continue;
          if (c.name != "Authentication-Results") std::abort();
          const auto ar = cachet::authres::parse_authentication_results(c.value);
          if (!ar || (ar->authserv_id != "mx.example.net" && ar->authserv_id.rfind("mx.example.net/", 0) != 0))
            std::abort();
        }
        break;
      }
      case 8: session->on_abort(ctx); break;
      default: ctx.macros[in.byte() & 1 ? "{auth_authen}" : "i"] = in.text(); break;
    }
    check_verdict(v);
  }
  session->on_close(ctx);
  return 0;
}

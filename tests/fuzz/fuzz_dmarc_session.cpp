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

#include "common/base/swappable.hpp"
#include "common/dns/zone_resolver.hpp"
#include "common/log/logger.hpp"
#include "milters/dmarc/session.hpp"
#include "tests/fuzz/milter_sequence.hpp"
#include "tests/lib/fake_context.hpp"

namespace {

void fill_zone(cachet::dns::ZoneResolver& z) {
  z.add_txt("_dmarc.example.com", {"v=DMARC1; p=reject; rua=mailto:a@example.com"});
  z.add_txt("_dmarc.quar.example", {"v=DMARC1; p=quarantine; adkim=s"});
  z.add_txt("_dmarc.none.example", {"v=DMARC1; p=none"});
  z.set_timeout("_dmarc.slow.example");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static cachet::dns::ZoneResolver zone;  // filled once, read-only afterwards
  static const bool kFilled = (fill_zone(zone), true);
  (void)kFilled;
  cachet::testlib::FuzzInput in(data, size);
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

  cachet::testlib::drive_session(*session, ctx, conn, in, [](const cachet::testlib::FakeContext& c, std::size_t first) {
    for (std::size_t i = first; i < c.changes.size(); ++i) {
      const auto& change = c.changes[i];
      if (change.command != cachet::milter::wire::kRepInsHeader) continue;
      if (change.name != "Authentication-Results") std::abort();
      if (!cachet::testlib::reads_back_as_ours(change.value)) std::abort();
    }
  });
  return 0;
}

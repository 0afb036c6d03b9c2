// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_dkim_session.cpp: cachet-dkim's milter session glue (DkimSession) fed
// random callback sequences through the fake context, as a confused or hostile MTA could
// order them: steps repeated, skipped or out of order, aborts anywhere, macros present or
// not, the client internal (signing) or not (verifying). Keys come from a fixed zone
// (SessionShared::resolver_for_test): our own ed25519 key, a revoked one, a timeout.
// Input: a settings byte, then operations, each an opcode byte and, for the steps that
// carry text, a length byte and that many bytes.
// Invariants: never crash, hang or throw; modifications reach the MTA only at end of
// message (the fake context refuses them elsewhere, and the session must cope); every
// DKIM-Signature inserted parses and names our domain and selector; every
// Authentication-Results inserted is read back by our strict parser with our authserv-id;
// a reply verdict has a 4xx/5xx code matching its kind and one line of text.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "common/base/base64.hpp"
#include "common/base/swappable.hpp"
#include "common/crypto/crypto.hpp"
#include "common/dkim/signature.hpp"
#include "common/dns/zone_resolver.hpp"
#include "common/log/logger.hpp"
#include "milters/dkim/session.hpp"
#include "tests/fuzz/milter_sequence.hpp"
#include "tests/lib/fake_context.hpp"

namespace {

namespace dkim = cachet::dkim;

// Our signing key and the zone that publishes it (made once: key generation is slow).
struct Fixture {
  Fixture() {
    auto k = cachet::crypto::PrivateKey::generate(cachet::crypto::KeyType::ed25519, 0);
    if (!k) std::abort();
    key = std::make_shared<const cachet::crypto::PrivateKey>(std::move(*k));
    const auto pub = key->public_key_for_dns();
    if (!pub) std::abort();
    zone.add_txt("sel._domainkey.example.com", {"v=DKIM1; k=ed25519; p=" + cachet::base64_encode(*pub)});
    zone.add_txt("old._domainkey.example.com", {"v=DKIM1; k=ed25519; p="});
    zone.add_txt("bad._domainkey.example.com", {"v=DKIM1; k=rsa; p=AAAA"});
    zone.set_timeout("slow._domainkey.example.com");
  }
  std::shared_ptr<const cachet::crypto::PrivateKey> key;
  cachet::dns::ZoneResolver zone;
};

std::shared_ptr<cachet::dkimd::DkimState> make_state(const Fixture& f, unsigned bits) {
  auto st = std::make_shared<cachet::dkimd::DkimState>();
  st->sign_mode = !(bits & 1);
  st->verify_mode = !(bits & 2);
  st->always_add_ar = bits & 4;
  st->log_why = bits & 8;
  st->remove_old_signatures = bits & 16;
  st->multiple_signatures = bits & 32;
  if (bits & 64) st->header_canon = st->body_canon = dkim::Canon::relaxed;
  st->single_key = true;
  st->domains = cachet::config::Dataset({{"example.com", "", 0}}, false, "csl");
  st->keys.push_back(dkim::SigningKey{"", "example.com", "sel", f.key, dkim::Algorithm::ed25519_sha256});
  st->sign_headers = {"from", "to", "subject", "date", "message-id"};
  st->sender_headers = {"From"};
  auto internal = cachet::config::parse_host_list({"127.0.0.1"});
  if (!internal) std::abort();
  st->internal_hosts = std::move(*internal);
  return st;
}

void check_changes(const cachet::testlib::FakeContext& ctx, std::size_t from) {
  for (std::size_t i = from; i < ctx.changes.size(); ++i) {
    const auto& c = ctx.changes[i];
    if (c.command != cachet::milter::wire::kRepInsHeader && c.command != cachet::milter::wire::kRepAddHeader) continue;
    if (c.name == "DKIM-Signature") {
      const auto sig = dkim::parse_signature(c.value);
      if (!sig || sig->domain != "example.com" || sig->selector != "sel") std::abort();
    } else if (c.name == "Authentication-Results") {
      if (!cachet::testlib::reads_back_as_ours(c.value)) std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture fixture;  // the zone is only queried afterwards
  cachet::testlib::FuzzInput in(data, size);
  const unsigned bits = in.byte();
  cachet::Swappable<const cachet::dkimd::DkimState> state;
  state.store(make_state(fixture, bits));
  cachet::log::CaptureLogger logger;
  cachet::testlib::FakeContext ctx;
  ctx.macros = {{"i", "QFUZZ"}, {"j", "mx.example.net"}};
  if (bits & 128) ctx.macros["{auth_authen}"] = "alice";
  const bool internal = in.byte() & 1;
  const cachet::milter::ConnInfo conn{true, internal ? "localhost" : "client.example",
                                      cachet::milter::ConnInfo::Family::inet, internal ? "127.0.0.1" : "192.0.2.9", 25};
  cachet::dkimd::SessionShared shared;
  shared.state = &state;
  shared.logger = &logger;
  shared.now = [] { return std::uint64_t{1'700'000'000}; };
  shared.resolver_for_test = &fixture.zone;
  auto session = std::make_unique<cachet::dkimd::DkimSession>(shared, conn);

  cachet::testlib::drive_session(*session, ctx, conn, in, check_changes);
  return 0;
}

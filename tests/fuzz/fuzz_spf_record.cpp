// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_spf_record.cpp: the SPF record validator, the libspf2 normalization, the
// explanation expander, the prefetch's target list, and a full check_host() evaluation
// (libspf2 included) with the input published as the TXT record of a fixed in-memory
// zone, through a cache without and with the prefetch. Must not crash, hang, leak or
// throw; an invalid record must never pass; the prefetch asks at most the term limit's
// names and never changes the verdict or the counts.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/dns/caching_resolver.hpp"
#include "common/dns/resolver.hpp"
#include "common/spf/engine.hpp"
#include "common/spf/macro.hpp"
#include "common/spf/prefetch.hpp"
#include "common/spf/record.hpp"

namespace {

using cachet::dns::Answer;
using cachet::dns::Record;
using cachet::dns::RrType;
using cachet::dns::Status;

// fuzz.example and exp.fuzz.example carry the input; a few fixed names exist for a/mx.
class FixedZone : public cachet::dns::Resolver {
 public:
  explicit FixedZone(std::string_view record) : record_(record) {}
  Answer query(std::string_view name, RrType type) override {
    auto one = [&](std::string value, std::uint16_t pref = 0) {
      Answer a{Status::answer, {}, 0};
      a.records.push_back(Record{type, std::string(name), 300, std::move(value), pref, {}});
      return a;
    };
    if (type == RrType::txt && (name == "fuzz.example" || name == "exp.fuzz.example" || name == "inc.example")) {
      return one(name == "inc.example" ? "v=spf1 a:host.example ~all" : record_);
    }
    if (name == "host.example" && type == RrType::a) return one("192.0.2.1");
    if (name == "host.example" && type == RrType::aaaa) return one("2001:db8::1");
    if (name == "fuzz.example" && type == RrType::mx) return one("host.example", 10);
    if (name == "timeout.example") return Answer{Status::timeout, {}, 0};
    return Answer{Status::nxdomain, {}, 0};
  }

 private:
  std::string record_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto rec = cachet::spf::validate_spf_record(in);
  if (rec) {
    (void)cachet::spf::libspf2_text(*rec, false, ".z.invalid");
    (void)cachet::spf::libspf2_text(*rec, true, ".z.invalid");
    const std::uint8_t addr[16] = {192, 0, 2, 1};
    for (const bool is_v6 : {false, true}) {
      cachet::spf::PrefetchState st;
      const auto targets = cachet::spf::record_targets(*rec, "fuzz.example", {is_v6, addr}, st);
      if (targets.size() > cachet::spf::kMaxDnsMechanisms || st.terms_left < 0) __builtin_trap();
    }
  }
  cachet::spf::MacroContext m;
  m.sender = "l\xff@fuzz.example";
  m.local_part = "l\xff";
  m.domain = "fuzz.example";
  (void)cachet::spf::expand_macros(in, m, true);
  (void)cachet::spf::expand_macros(in, m, false);
  if (size > 4096) return 0;  // the evaluation is the slow part; records are short
  FixedZone zone(in);
  cachet::spf::SpfEngine engine(zone, cachet::spf::Options{});
  cachet::dns::CacheOptions small;
  small.max_entries = cachet::spf::kMinCacheForPrefetch - 1;  // a cache, no prefetch
  for (const char* ip : {"192.0.2.1", "2001:db8::1"}) {
    const auto r = engine.check_mailfrom(ip, "l\xff+x@fuzz.example", "helo.example");
    if (!rec && cachet::spf::is_spf1_record(in) && r.verdict == cachet::spf::Verdict::pass) {
      __builtin_trap();  // an invalid record passed
    }
    cachet::dns::CachingResolver plain(zone, small);
    cachet::dns::CachingResolver prefetching(zone);
    cachet::spf::SpfEngine a(plain, cachet::spf::Options{});
    cachet::spf::SpfEngine b(prefetching, cachet::spf::Options{});
    const auto ra = a.check_mailfrom(ip, "l\xff+x@fuzz.example", "helo.example");
    const auto rb = b.check_mailfrom(ip, "l\xff+x@fuzz.example", "helo.example");
    if (ra.verdict != rb.verdict || ra.dns_terms != rb.dns_terms || ra.void_lookups != rb.void_lookups) {
      __builtin_trap();  // the prefetch changed a result
    }
  }
  return 0;
}

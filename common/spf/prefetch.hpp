// SPDX-License-Identifier: BSD-2-Clause
//
// common/spf/prefetch.hpp: fetching ahead, into the DNS cache, the names an SPF record's
// evaluation will ask, so that independent lookups are in flight together (issue 18).
// libspf2 asks one name at a time, in record order: a cold `v=spf1 a mx include:x -all`
// costs TXT, A, MX, A of the MX host, TXT of x one round trip after another. When the
// DNS layer has a record, prefetch() asks in one batch (Resolver::query_many) every
// name its terms need that does not depend on a macro: a (A, or AAAA for an IPv6 client),
// mx (MX), include: and redirect= (TXT), exists: (A); then, breadth first, from what
// that wave brought: the addresses of the hosts of each MX answer (at most 10 per answer,
// as libspf2 looks at), the targets of each include's or redirect's record. libspf2 then
// finds its answers in the cache, and a cold request costs the round trips of its longest
// dependency chain instead of their sum.
// Bounds (never more names than a full evaluation could ask, RFC 7208 s4.6.4): every
// DNS term seen counts against the evaluation's term limit (ptr and macro terms too,
// though they are not fetched); a record is walked once per evaluation; terms after
// "all" or after an ip4/ip6 mechanism that matches the client are not fetched (the
// record's evaluation ends there), nor a redirect= the record will not follow.
// What gains nothing is not fetched (each costs the CPU of a second cache lookup): a
// record that came from the cache (Answer::is_cached: its targets were fetched with it,
// the DNS layer does not call prefetch()), and a wave of one name other than an MX
// (libspf2 asks it in the same round trip it would take here; an include's record is
// then walked when libspf2 fetches it).
// Results are unchanged by construction: the fetched answers fill the cache and are kept
// for this evaluation (take_prefetched); libspf2 still asks every name itself and the DNS
// layer counts its lookups as before; a timeout or SERVFAIL is neither kept nor cached
// (CacheOptions::temporary_ttl 0), so libspf2's own query asks again and a temporary
// failure can never become a pass.
// Pure decisions (record_targets) plus one driver that talks to the Resolver; no logging;
// not thread-safe (one PrefetchState per evaluation).
// LIMITATION: a record whose evaluation ends early (a match on its first `a`) still waits
// for the waves it started; a target that times out delays the request by the resolver's
// timeout even when the evaluation would not have reached it.
// See also: dns_layer.hpp (which calls it), tests/unit/common/spf/prefetch_test.cpp
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/dns/resolver.hpp"
#include "common/spf/record.hpp"

namespace cachet::spf {

// Prefetch only into a cache this large: one evaluation may fetch ~110 names (10 terms,
// 10 hosts per mx), and concurrent evaluations must not evict each other's answers.
inline constexpr std::size_t kMinCacheForPrefetch = 256;

// At most this many hosts of one MX answer (RFC 7208 s4.6.4; libspf2's max_dns_mx).
inline constexpr std::size_t kMaxMxHosts = 10;

struct PrefetchClient {
  bool is_v6 = false;
  const std::uint8_t* addr = nullptr;  // 4 or 16 bytes
};

struct PrefetchTarget {
  enum class Kind { address, mx, record, exists };
  std::string name;
  dns::RrType type;
  Kind kind;
};

struct PrefetchedAnswer {
  std::string name;  // lower case, no trailing dot
  dns::RrType type;
  dns::Answer answer;
};

// One evaluation's prefetch: what is left of the term budget, which records were walked,
// and the answers fetched, kept for the evaluation's own lookups (take_prefetched).
struct PrefetchState {
  int terms_left = kMaxDnsMechanisms;
  std::vector<std::string> walked;  // lower-case domains whose record's targets were fetched
  std::vector<PrefetchedAnswer> answers;
  int waves = 0;  // batches sent (statistics, tests)
  int names = 0;  // questions in them
};

// The answer the prefetch got for (name, type), taken out of state (each serves one
// lookup; a second one goes to the resolver): libspf2's lookup then costs no second cache
// lookup and no copy. Temporary outcomes (timeout, SERVFAIL) are never kept, so the
// evaluation asks for those itself.
std::optional<dns::Answer> take_prefetched(PrefetchState& state, std::string_view name, dns::RrType type);

// Names here are dotted text, as libspf2 and the record write them (dots separate labels,
// every other octet is itself); the resolver takes presentation form (dns::escape_name()).
// A name from an answer (an MX or PTR target, dns/name.hpp presentation form) becomes
// dotted text in place; false when dotted text cannot hold it (a dot inside a label, or a
// NUL, which libspf2's C strings cannot carry): such a target is ignored.
bool to_dotted_name(std::string& name);

// The one "v=spf1" record among TXT records (RFC 7208 s4.5) and how many there are: the
// record only when *count is 1.
const dns::Record* find_spf1_record(const std::vector<dns::Record>& records, int* count);

// The names the terms of `record` (the record of `domain`) will ask, in record order,
// without macro or ptr terms; each DNS term seen takes one from state.terms_left, and none
// are added once it is 0. Pure (reads the client address only).
std::vector<PrefetchTarget> record_targets(const Record& record, std::string_view domain, const PrefetchClient& client,
                                           PrefetchState& state);

// Walks `record` (of `domain`) and what it leads to, in waves, through r.query_many();
// stops early when is_expired() says the evaluation's time is up. Does nothing for a
// domain already walked in this evaluation. Never throws for DNS trouble (answers that
// are not usable simply end their branch).
void prefetch(dns::Resolver& r, const Record& record, std::string_view domain, const PrefetchClient& client,
              PrefetchState& state, const std::function<bool()>& is_expired);

}  // namespace cachet::spf

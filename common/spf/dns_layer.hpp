// SPDX-License-Identifier: BSD-2-Clause
//
// common/spf/dns_layer.hpp: the libspf2 DNS layer (SPF_dns_server_t) backed by our
// dns::Resolver, plus the per-evaluation state that enforces what libspf2 gets wrong:
// the RFC 7208 s4.6.4 limits (10 DNS terms across includes, 2 void lookups, 10 names per
// PTR answer), the time limit, record selection (TXT only, exactly one "v=spf1"), strict
// record validation (record.hpp) and the explanation-record rules of s6.2.
// Internal to common/spf: only engine.cpp uses it. Not thread-safe: one per SpfEngine.
// A limit hit makes every later lookup answer TRY_AGAIN so libspf2 stops at once; the
// engine then reports permerror (limits) or temperror (time) from the flags below.
// Prefetch (prefetch.hpp): with a caching resolver, each record found has the names its
// terms will ask fetched ahead, together, so libspf2's one-at-a-time lookups hit the
// cache; libspf2 still makes (and the layer still counts) every lookup itself. query()
// serves a lookup from the answers this evaluation's prefetch got before asking the
// resolver (no second cache lookup, no copy: the cache's hit counter does not see these).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/dns/resolver.hpp"
#include "common/spf/prefetch.hpp"

struct SPF_dns_server_struct;

namespace cachet::spf {

// Appended to a/mx targets whose applicable cidr length is /0, which libspf2 refuses to
// compile: the layer strips it, and answers "the client address" when the real name has
// any address record (RFC 7208 s5.3: /0 matches every client of that family).
inline constexpr std::string_view kCidrZeroSuffix = ".cidr0.cachet.invalid";

struct EvalLimits {
  int dns_terms = 10;
  int void_lookups = 2;
  std::chrono::milliseconds time_limit{20000};
};

struct EvalState {
  // inputs for one evaluation
  bool client_is_v6 = false;
  std::uint8_t client_addr[16] = {};  // 4 bytes used for IPv4
  std::chrono::steady_clock::time_point deadline;
  // counters
  int txt_fetches = 0;  // record fetches: the first is check_host's own
  int dns_terms = 0;
  int void_lookups = 0;
  std::vector<std::string> pending_hosts;  // names an mx/ptr answer will look up next
  bool pending_from_ptr = false;           // ... and that answer was a PTR answer
  PrefetchState prefetch;                  // what the prefetch asked (prefetch.hpp)
  // outcome flags
  bool lookup_limit_hit = false;
  bool void_limit_hit = false;
  bool timed_out = false;
  bool temporary_dns_error = false;
  bool record_invalid = false;
  std::string problem;  // why a permerror/temperror was forced, for logs and headers
  // the last explanation record found (RFC 7208 s6.2) and the <domain> it was fetched for
  bool exp_found = false;
  std::string exp_text;
  std::string exp_domain;
};

class DnsLayer {
 public:
  DnsLayer(dns::Resolver& resolver, EvalLimits limits);
  ~DnsLayer();
  DnsLayer(const DnsLayer&) = delete;
  DnsLayer& operator=(const DnsLayer&) = delete;

  // Starts a new evaluation: resets every counter and flag.
  // `request` is the SPF_request_t being evaluated (read for its current domain).
  void begin(bool client_is_v6, const std::uint8_t* addr, const void* request);
  const void* request() const { return request_; }
  EvalState& state() { return state_; }
  SPF_dns_server_struct* c_layer() { return layer_.get(); }

  // Used by the C trampolines.
  dns::Answer query(std::string_view name, dns::RrType type);
  bool expired();
  const EvalLimits& limits() const { return limits_; }
  dns::Resolver& resolver() { return resolver_; }
  // After a record of `domain` was found and validated: fetch ahead into the cache what
  // its evaluation will ask (prefetch.hpp), when the resolver has a cache of at least
  // kMinCacheForPrefetch answers; otherwise nothing. Never changes a result.
  void prefetch(const Record& record, std::string_view domain) noexcept;
  bool is_prefetching() const noexcept { return is_prefetching_; }

 private:
  dns::Resolver& resolver_;
  EvalLimits limits_;
  bool is_prefetching_;
  EvalState state_;
  const void* request_ = nullptr;
  std::unique_ptr<SPF_dns_server_struct> layer_;  // ours: its destroy hook is null
};

}  // namespace cachet::spf

// SPDX-License-Identifier: BSD-2-Clause
//
// common/spf/engine.hpp: SPF check_host() (RFC 7208) for the policy service: libspf2 is the
// evaluator, driven through our DNS layer (dns_layer.hpp), which adds strict record
// validation, the RFC 7208 limits, TXT-only record selection and a time limit.
// Results are the RFC 7208 set; libspf2's "invalid" never escapes (temperror when a DNS
// error was seen, else permerror). A DNS timeout or SERVFAIL never yields pass.
// Thread-safety: an SpfEngine is NOT thread-safe (it owns one SPF_server_t and the
// per-evaluation counters). Create one per worker thread; they may share one Resolver
// (Resolver implementations are thread-safe). Construction is cheap (~1 us, measured in
// engine_test PerRequestCost), so an engine per request is also fine; one check with 4 DNS
// terms on an in-memory zone costs ~40-55 us, mostly malloc and libspf2's snprintf.
// Overrides of libspf2 behaviour are listed in common/spf/README.md.
// See also: record.hpp, tests/unit/common/spf/engine_test.cpp, rfc7208_suite_test.cpp
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "common/base/result.hpp"
#include "common/dns/resolver.hpp"
#include "common/spf/record.hpp"

namespace cachet::spf {

enum class Verdict { none, neutral, pass, fail, softfail, temperror, permerror };

// "none", "neutral", "pass", ... as in RFC 7208 s2.6 and Received-SPF.
const char* to_string(Verdict v) noexcept;

struct Options {
  std::string receiver = "localhost";           // receiving host name (the %{r} macro)
  int lookup_limit = kMaxDnsMechanisms;         // RFC 7208 s4.6.4 DNS terms
  int void_limit = kMaxVoidLookups;             // RFC 7208 s4.6.4 void lookups (policyd-spf Void_Limit)
  std::chrono::milliseconds time_limit{20000};  // whole evaluation (policyd-spf Lookup_Time)
  std::string default_explanation;              // explain-string used when exp= is absent; may be empty
};

struct SpfResult {
  Verdict verdict = Verdict::temperror;
  std::string explanation;     // fail only: exp= text, macro-expanded, or the default
  std::string problem;         // permerror/temperror cause (ours or libspf2's message)
  std::string header_comment;  // libspf2's Received-SPF comment, e.g. "x: domain of ..."
  std::string received_spf;    // libspf2's Received-SPF value (result + comment + keys)
  int dns_terms = 0;           // DNS terms counted during the evaluation
  int void_lookups = 0;
};

class SpfEngine {
 public:
  // Errors: none here; invalid options are clamped (lookup limit >= 1, void limit >= 0,
  // time >= 1 ms).
  SpfEngine(dns::Resolver& resolver, Options options);
  ~SpfEngine();
  SpfEngine(const SpfEngine&) = delete;
  SpfEngine& operator=(const SpfEngine&) = delete;

  // check_host(ip, domain, sender) with the HELO name for the %{h} macro. `domain` must
  // be the domain of `sender` (MAIL FROM identity) or the HELO name (HELO identity).
  // Errors: Errc::bad_input for an unparsable client address or an empty domain;
  // Errc::internal if libspf2 could not allocate.
  [[nodiscard]] Result<SpfResult> check_host(std::string_view ip, std::string_view domain, std::string_view sender,
                                             std::string_view helo);
  // RFC 7208 s2.3: the HELO identity (sender postmaster@helo). Errors become temperror
  // (bad client address: permerror).
  SpfResult check_helo(std::string_view ip, std::string_view helo);
  // RFC 7208 s2.4: the MAIL FROM identity; an empty sender (null reverse-path) checks
  // postmaster@helo. Errors as check_helo.
  SpfResult check_mailfrom(std::string_view ip, std::string_view sender, std::string_view helo);

 private:
  struct Impl;
  struct ClientAddrView {
    bool is_v6;
    const unsigned char* bytes;
  };
  std::string explain(const void* request, const void* response, const ClientAddrView& client);
  std::unique_ptr<Impl> impl_;
};

// Maps a libspf2 SPF_result_t value (0..7) plus whether a DNS error was recorded to the
// RFC 7208 set. Exposed for tests.
Verdict map_libspf2_result(int spf_result, bool dns_error) noexcept;

// RFC 7208 s4.3: false for a domain check_host() must answer "none" for without DNS:
// empty, single label, empty label, label over 63 octets, over 253 octets, a literal.
bool is_checkable_domain(std::string_view domain) noexcept;

}  // namespace cachet::spf

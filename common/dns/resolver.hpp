// SPDX-License-Identifier: BSD-2-Clause
//
// common/dns/resolver.hpp: the one DNS interface every engine resolves through. Backends:
// LdnsResolver (ldns, Nameservers from config or /etc/resolv.conf, timeout, retries, TCP on
// truncation), CachingResolver (thread-safe TTL cache in front of any backend) and
// ZoneResolver (zone data in memory, for unit tests).
// Outcomes are distinct (answer, NXDOMAIN, no data, SERVFAIL, timeout) because the RFCs
// treat them differently (SPF void lookups, DKIM temperror vs permerror).
// Implementations are thread-safe: one resolver serves every milter thread.
// query_many() asks several independent questions at once: LdnsResolver has them all in
// flight together (one round trip for the batch instead of one per question),
// CachingResolver answers its hits and passes only the misses on, in one batch; the base
// class asks them one after another.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cachet::dns {

enum class RrType : std::uint16_t {
  a = 1,
  ns = 2,
  cname = 5,
  soa = 6,
  ptr = 12,
  mx = 15,
  txt = 16,
  aaaa = 28,
  spf = 99,
};

enum class Status {
  answer,    // NOERROR with at least one record of the asked type
  nodata,    // NOERROR, the name exists but has no record of that type
  nxdomain,  // the name does not exist
  servfail,  // SERVFAIL, REFUSED or a malformed reply: try again later
  timeout,   // no reply within the configured time and retries
};

const char* to_string(Status status) noexcept;

// True for the outcomes a caller must treat as temporary (never as "no record").
inline bool is_temporary(Status s) noexcept { return s == Status::servfail || s == Status::timeout; }

// Told about every query a network resolver answered (for metrics): the outcome and the
// time it took, retries included. Must be cheap and must not throw; called on the querying
// thread.
class QueryObserver {
 public:
  virtual ~QueryObserver() = default;
  virtual void on_query(Status status, std::chrono::nanoseconds elapsed) const noexcept = 0;
};

struct Record {
  RrType type;
  std::string owner;  // lower case, no trailing dot, presentation form (name.hpp)
  std::uint32_t ttl = 0;
  // A/AAAA: the printable address; MX/CNAME/PTR/NS: the target name (lower case, no
  // trailing dot); TXT/SPF: the character-strings concatenated (RFC 6376 s3.6.2.2,
  // RFC 7208 s3.3).
  std::string value;
  std::uint16_t preference = 0;          // MX only
  std::vector<std::string> txt_strings;  // TXT/SPF only: each character-string as sent
};

struct Answer {
  Status status = Status::servfail;
  std::vector<Record> records;     // only records of the asked type (CNAMEs followed)
  std::uint32_t negative_ttl = 0;  // from the SOA of a NXDOMAIN/NODATA reply, if any
  // Set (with status nxdomain) when the name asked for is not a valid DNS name (empty
  // label, label > 63 or name > 255 octets on the wire, a raw octet outside 0x21..0x7e or
  // an escape not in the one spelling of common/dns/name.hpp): no query was sent.
  // nxdomain is the safe reading for every engine (RFC 7208 s4.3: SPF "none"; DKIM: no
  // key; DMARC: no record); callers that must tell the cases apart test this flag.
  bool is_invalid_name = false;
  // Set by CachingResolver on an answer from its table (a hit), not from its backend.
  // Results never depend on it; the SPF prefetch skips records found in the cache (their
  // targets were fetched when the record was).
  bool is_cached = false;
};

struct Question {
  std::string_view name;  // must outlive the query_many() call
  RrType type;
};

class Resolver {
 public:
  virtual ~Resolver() = default;
  // name: a domain name with or without the trailing dot, in presentation form (an octet
  // outside 0x21..0x7e, a dot inside a label or a backslash written \DDD:
  // dns::normalize_query_name(), dns::escape_name()). Names in answers (owners, targets)
  // come back in the same form. Never throws for DNS trouble: every failure is a Status.
  virtual Answer query(std::string_view name, RrType type) = 0;
  // The answer to questions[i] in element i, each exactly what query() would have given
  // (statuses, retries, observer calls); a failure of one question never affects another.
  // Default: query() for each in turn.
  virtual std::vector<Answer> query_many(std::span<const Question> questions) {
    std::vector<Answer> out;
    out.reserve(questions.size());
    for (const Question& q : questions) out.push_back(query(q.name, q.type));
    return out;
  }
  // How many answers this resolver keeps for later queries (0: none, every query goes to
  // its source). Callers that fetch ahead (the SPF layer's prefetch) do so only into a
  // cache large enough to hold what they fetch.
  virtual std::size_t cache_capacity() const noexcept { return 0; }
};

}  // namespace cachet::dns

// SPDX-License-Identifier: BSD-2-Clause
//
// common/dns/zone_resolver.hpp: a Resolver over zone data held in memory, for unit tests
// (and the data model of the test DNS server, tests/lib/dns_server.hpp).
// Behaves like a recursive server's answer seen through LdnsResolver: CNAME chains are
// followed (at most kMaxCnameChain hops, then servfail), a name that holds no record but
// has names below it is an empty non-terminal (nodata, RFC 8020), any other absent name
// is nxdomain. Faults can be injected per name, or per name and type: timeout, servfail,
// truncate (truncate only changes what the test DNS server sends over UDP; query() ignores
// it). Thread-safe (one mutex); query_count() counts every query() call, for the SPF
// lookup-limit tests. Setup mistakes (bad name or data) throw std::invalid_argument: this
// is test scaffolding, the exception points at the test's bug.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/result.hpp"
#include "common/dns/resolver.hpp"
#include "common/dns/zone_file.hpp"

namespace cachet::dns {

enum class Fault { timeout, servfail, truncate };

class ZoneResolver final : public Resolver {
 public:
  ZoneResolver() = default;

  // value as in make_record(): "192.0.2.1", "10 mx.example.org", "target.example".
  void add(std::string_view name, RrType type, std::string_view value, std::uint32_t ttl = kDefaultZoneTtl);
  void add_txt(std::string_view name, std::vector<std::string> strings, std::uint32_t ttl = kDefaultZoneTtl);
  void add_mx(std::string_view name, std::uint16_t preference, std::string_view host,
              std::uint32_t ttl = kDefaultZoneTtl);
  void add_record(Record record);
  // Adds every record of zone text (zone_file.hpp syntax); Errc::bad_input naming the line.
  [[nodiscard]] Result<void> load_zone_text(std::string_view text);
  void remove(std::string_view name);  // every record and fault of the name

  // type nullopt: the fault applies to every type asked at that name.
  void set_fault(std::string_view name, Fault fault, std::optional<RrType> type = std::nullopt);
  void set_timeout(std::string_view name, std::optional<RrType> type = std::nullopt) {
    set_fault(name, Fault::timeout, type);
  }
  void set_servfail(std::string_view name, std::optional<RrType> type = std::nullopt) {
    set_fault(name, Fault::servfail, type);
  }
  void set_truncated(std::string_view name, std::optional<RrType> type = std::nullopt) {
    set_fault(name, Fault::truncate, type);
  }
  void clear_faults();
  // negative_ttl of nxdomain/nodata answers (the SOA minimum a server would send).
  void set_negative_ttl(std::uint32_t ttl);

  Answer query(std::string_view name, RrType type) override;
  std::size_t query_count() const noexcept { return queries_.load(); }
  void reset_query_count() noexcept { queries_.store(0); }

  // What a recursive server would send: the CNAME records walked plus the final
  // records (in answer order), the outcome, and the fault set on the name (if any).
  // Does not count as a query.
  struct Lookup {
    Status status = Status::servfail;
    std::vector<Record> answer_section;
    std::uint32_t negative_ttl = 0;
    std::optional<Fault> fault;
  };
  Lookup lookup(std::string_view name, RrType type) const;

 private:
  using FaultKey = std::pair<std::string, int>;  // type -1: every type
  std::optional<Fault> fault_for(const std::string& name, RrType type) const;
  bool name_exists(const std::string& name) const;

  mutable std::mutex mu_;
  std::map<std::string, std::vector<Record>> records_;  // by owner
  std::map<FaultKey, Fault> faults_;
  std::uint32_t negative_ttl_ = kDefaultZoneTtl;
  std::atomic<std::size_t> queries_{0};
};

}  // namespace cachet::dns

// SPDX-License-Identifier: BSD-2-Clause
// common/dns/zone_resolver.cpp: see zone_resolver.hpp.
#include "common/dns/zone_resolver.hpp"

#include <stdexcept>

#include "common/dns/name.hpp"
#include "common/dns/reply.hpp"

namespace cachet::dns {
namespace {

Record must(Result<Record> r) {
  if (!r) throw std::invalid_argument("ZoneResolver: " + r.error().detail);
  return std::move(*r);
}

std::string must_name(std::string_view name) {
  auto n = normalize_query_name(name);
  if (!n) throw std::invalid_argument("ZoneResolver: " + n.error().detail);
  return std::move(*n);
}

}  // namespace

void ZoneResolver::add(std::string_view name, RrType type, std::string_view value, std::uint32_t ttl) {
  add_record(must(make_record(name, type, value, ttl)));
}

void ZoneResolver::add_txt(std::string_view name, std::vector<std::string> strings, std::uint32_t ttl) {
  add_record(must(make_txt_record(name, std::move(strings), ttl)));
}

void ZoneResolver::add_mx(std::string_view name, std::uint16_t preference, std::string_view host, std::uint32_t ttl) {
  add(name, RrType::mx, std::to_string(preference) + " " + std::string(host), ttl);
}

void ZoneResolver::add_record(Record record) {
  record.owner = must_name(record.owner);
  const std::lock_guard lock(mu_);
  records_[record.owner].push_back(std::move(record));
}

Result<void> ZoneResolver::load_zone_text(std::string_view text) {
  auto records = parse_zone_text(text);
  if (!records) return Unexpected<Error>(std::move(records).error());
  for (auto& r : *records) add_record(std::move(r));
  return {};
}

void ZoneResolver::remove(std::string_view name) {
  const std::string n = must_name(name);
  const std::lock_guard lock(mu_);
  records_.erase(n);
  std::erase_if(faults_, [&](const auto& kv) { return kv.first.first == n; });
}

void ZoneResolver::set_fault(std::string_view name, Fault fault, std::optional<RrType> type) {
  const int t = type ? static_cast<int>(*type) : -1;
  const std::string n = must_name(name);
  const std::lock_guard lock(mu_);
  faults_[{n, t}] = fault;
}

void ZoneResolver::clear_faults() {
  const std::lock_guard lock(mu_);
  faults_.clear();
}

void ZoneResolver::set_negative_ttl(std::uint32_t ttl) {
  const std::lock_guard lock(mu_);
  negative_ttl_ = ttl;
}

std::optional<Fault> ZoneResolver::fault_for(const std::string& name, RrType type) const {
  if (auto it = faults_.find({name, static_cast<int>(type)}); it != faults_.end()) return it->second;
  if (auto it = faults_.find({name, -1}); it != faults_.end()) return it->second;
  return std::nullopt;
}

bool ZoneResolver::name_exists(const std::string& name) const {
  if (records_.count(name) != 0) return true;
  const std::string suffix = "." + name;  // an empty non-terminal has names below it
  for (const auto& [owner, list] : records_)
    if (owner.size() > suffix.size() && owner.ends_with(suffix)) return true;
  return false;
}

ZoneResolver::Lookup ZoneResolver::lookup(std::string_view name, RrType type) const {
  Lookup out;
  auto qname = normalize_query_name(name);
  if (!qname) {
    out.status = Status::nxdomain;
    return out;
  }
  const std::lock_guard lock(mu_);
  out.fault = fault_for(*qname, type);
  std::string current = std::move(*qname);
  for (std::size_t hops = 0;; ++hops) {
    const auto it = records_.find(current);
    const Record* cname = nullptr;
    bool found = false;
    if (it != records_.end()) {
      for (const Record& r : it->second) {
        if (r.type == type) {
          out.answer_section.push_back(r);
          found = true;
        } else if (r.type == RrType::cname) {
          cname = &r;
        }
      }
    }
    if (found) {
      out.status = Status::answer;
      return out;
    }
    if (cname == nullptr || type == RrType::cname) break;
    if (hops == kMaxCnameChain) {
      out.status = Status::servfail;
      return out;
    }
    out.answer_section.push_back(*cname);
    current = cname->value;
  }
  out.status = name_exists(current) ? Status::nodata : Status::nxdomain;
  out.negative_ttl = negative_ttl_;
  return out;
}

Answer ZoneResolver::query(std::string_view name, RrType type) {
  queries_.fetch_add(1);
  if (!normalize_query_name(name)) return invalid_name_answer();
  Lookup l = lookup(name, type);
  if (l.fault == Fault::timeout) return Answer{Status::timeout, {}, 0, false};
  if (l.fault == Fault::servfail) return Answer{Status::servfail, {}, 0, false};
  Answer a{l.status, {}, l.negative_ttl, false};
  for (auto& r : l.answer_section)
    if (r.type == type) a.records.push_back(std::move(r));
  return a;
}

}  // namespace cachet::dns

// SPDX-License-Identifier: BSD-2-Clause
//
// tests/unit/common/spf/suite_zone.hpp: a dns::Resolver over one openspf scenario's
// `zonedata`, following pyspf's driver rules (docs: shared/reference/conformance.md s1):
// SPF records copied to TXT unless the name has TXT; bare TIMEOUT = every type without a
// record times out; TYPE: TIMEOUT = that type times out; unknown names are NXDOMAIN except
// "error." names (timeout); a known name without the type is NODATA; one CNAME level is
// followed (chains up to kMaxCnameChain: pyspf-test's cname-chain needs two); a label over 63 octets is a temporary
// error; empty labels are dropped. Owners and targets are kept in presentation form
// (dns::escape_name: a name with spaces holds \032), the form the Resolver interface
// carries. Test-only, header-only. Also counts queries (for tests that assert "no DNS").
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/base/strings.hpp"
#include "common/dns/name.hpp"
#include "common/dns/resolver.hpp"
#include "tests/unit/common/spf/suite_yaml.hpp"

namespace cachet::spf::testing {

class SuiteZone : public dns::Resolver {
 public:
  SuiteZone() = default;
  explicit SuiteZone(const YamlNode* zonedata) {
    if (zonedata == nullptr) return;
    for (const auto& [owner, recs] : zonedata->map) load_owner(dns::escape_name(to_lower(owner)), recs);
  }

  void add(std::string owner, dns::RrType type, std::string value, std::uint16_t pref = 0) {
    dns::Record r{type, owner, 0, value, pref, {}};
    if (type == dns::RrType::txt || type == dns::RrType::spf) r.txt_strings = {value};
    names_[owner].records.push_back(std::move(r));
  }
  void add_timeout(std::string owner, std::optional<dns::RrType> type = std::nullopt) {
    Name& n = names_[owner];
    if (type)
      n.timeout_types.insert(*type);
    else
      n.timeout_all = true;
  }

  dns::Answer query(std::string_view raw, dns::RrType type) override {
    ++queries;
    std::string name = normalize(raw);
    if (name.empty()) return {dns::Status::timeout, {}, 0};
    return lookup(name, type, kMaxCnameChain);
  }

  static constexpr int kMaxCnameChain = 8;

  int queries = 0;

  struct Name {
    std::vector<dns::Record> records;
    bool timeout_all = false;
    std::set<dns::RrType> timeout_types;
  };
  // Every name's data, to serve the same scenario elsewhere (the test DNS server).
  const std::map<std::string, Name>& names() const { return names_; }

 private:
  // Lower case, no trailing dot, empty labels dropped; "" for a label over 63 octets.
  static std::string normalize(std::string_view raw) {
    std::string out;
    for (std::string_view label : split(raw, '.')) {
      if (label.empty()) continue;
      if (label.size() > 63) return {};
      if (!out.empty()) out += '.';
      out += to_lower(label);
    }
    return out;
  }

  static std::optional<dns::RrType> type_of(const std::string& t) {
    static const std::map<std::string, dns::RrType> kTypes = {
        {"A", dns::RrType::a},         {"AAAA", dns::RrType::aaaa}, {"MX", dns::RrType::mx},  {"PTR", dns::RrType::ptr},
        {"CNAME", dns::RrType::cname}, {"TXT", dns::RrType::txt},   {"SPF", dns::RrType::spf}};
    auto it = kTypes.find(t);
    if (it == kTypes.end()) return std::nullopt;
    return it->second;
  }

  void load_owner(const std::string& owner, const YamlNode& recs) {
    Name& n = names_[owner];
    bool has_txt = false;
    std::vector<dns::Record> spf;
    for (const YamlNode& r : recs.seq) {
      if (r.kind == YamlNode::Kind::scalar) {
        if (r.text == "TIMEOUT") n.timeout_all = true;
        continue;
      }
      for (const auto& [tname, value] : r.map) {
        const auto type = type_of(tname);
        if (!type) continue;
        if (*type == dns::RrType::txt) has_txt = true;
        if (value.kind == YamlNode::Kind::scalar && value.text == "TIMEOUT") {
          n.timeout_types.insert(*type);
          continue;
        }
        if (value.kind == YamlNode::Kind::scalar && value.text == "NONE") continue;
        dns::Record rec{*type, owner, 0, {}, 0, {}};
        if (*type == dns::RrType::mx) {
          if (value.seq.size() != 2) continue;
          rec.preference = static_cast<std::uint16_t>(std::stoi(value.seq[0].text));
          rec.value = dns::escape_name(to_lower(value.seq[1].text));
        } else if (*type == dns::RrType::txt || *type == dns::RrType::spf) {
          if (value.kind == YamlNode::Kind::seq) {
            for (const YamlNode& s : value.seq) rec.txt_strings.push_back(s.text);
          } else {
            rec.txt_strings.push_back(value.text);
          }
          for (const std::string& s : rec.txt_strings) rec.value += s;
        } else {
          rec.value = value.text;
          if (*type != dns::RrType::a && *type != dns::RrType::aaaa) {
            rec.value = dns::escape_name(normalize(rec.value));
          }
        }
        if (*type == dns::RrType::spf) spf.push_back(rec);
        n.records.push_back(std::move(rec));
      }
    }
    if (!has_txt) {
      for (dns::Record& r : spf) {
        r.type = dns::RrType::txt;
        n.records.push_back(r);
      }
    }
  }

  dns::Answer lookup(const std::string& name, dns::RrType type, int cname_budget) {
    if (name.rfind("error.", 0) == 0) return {dns::Status::timeout, {}, 0};
    auto it = names_.find(name);
    if (it == names_.end()) return {dns::Status::nxdomain, {}, 0};
    const Name& n = it->second;
    dns::Answer a{dns::Status::answer, {}, 0};
    for (const dns::Record& r : n.records) {
      if (r.type == type) a.records.push_back(r);
    }
    if (!a.records.empty()) return a;
    if (n.timeout_types.count(type) != 0) return {dns::Status::timeout, {}, 0};
    if (cname_budget > 0 && type != dns::RrType::cname) {
      for (const dns::Record& r : n.records) {
        if (r.type == dns::RrType::cname) return lookup(r.value, type, cname_budget - 1);
      }
    }
    if (n.timeout_all) return {dns::Status::timeout, {}, 0};
    return {dns::Status::nodata, {}, 0};
  }

  std::map<std::string, Name> names_;
};

}  // namespace cachet::spf::testing

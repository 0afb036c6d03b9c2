// SPDX-License-Identifier: BSD-2-Clause
//
// tests/unit/common/dmarc/fake_resolver.hpp: an in-memory dns::Resolver for DMARC tests
// (TXT data per name, names that exist without TXT, NXDOMAIN, injected failures), with a
// query log. Not thread-safe; test-only.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/base/strings.hpp"
#include "common/dns/resolver.hpp"

namespace cachet::dmarc::testing {

class FakeResolver : public dns::Resolver {
 public:
  void txt(const std::string& name, const std::string& value) { txt_[to_lower(name)].push_back(value); }
  void exists(const std::string& name) { exists_[to_lower(name)] = true; }
  void nxdomain(const std::string& name) { exists_[to_lower(name)] = false; }
  void fail(const std::string& name, dns::Status s) { fail_[to_lower(name)] = s; }
  const std::vector<std::string>& log() const { return log_; }

  dns::Answer query(std::string_view name_in, dns::RrType type) override {
    std::string name = to_lower(name_in);
    if (!name.empty() && name.back() == '.') name.pop_back();
    log_.push_back(name);
    dns::Answer a;
    if (auto f = fail_.find(name); f != fail_.end()) {
      a.status = f->second;
      return a;
    }
    if (type == dns::RrType::txt) {
      if (auto t = txt_.find(name); t != txt_.end()) {
        for (const auto& v : t->second) {
          if (v.empty()) continue;  // "exists, no TXT"
          a.records.push_back(dns::Record{dns::RrType::txt, name, 300, v, 0, {v}});
        }
        a.status = a.records.empty() ? dns::Status::nodata : dns::Status::answer;
        return a;
      }
    }
    const auto e = exists_.find(name);
    if (e != exists_.end() && e->second) {
      a.status = type == dns::RrType::a ? dns::Status::answer : dns::Status::nodata;
      if (type == dns::RrType::a) a.records.push_back(dns::Record{dns::RrType::a, name, 300, "192.0.2.1", 0, {}});
      return a;
    }
    a.status = (txt_.count(name) != 0) ? dns::Status::nodata : dns::Status::nxdomain;
    return a;
  }

 private:
  std::map<std::string, std::vector<std::string>> txt_;
  std::map<std::string, bool> exists_;
  std::map<std::string, dns::Status> fail_;
  std::vector<std::string> log_;
};

}  // namespace cachet::dmarc::testing

// SPDX-License-Identifier: BSD-2-Clause
//
// tests/unit/common/dkim/test_util.hpp: file reading and fake key tables for the DKIM
// conformance tests (test-only; reads the shared testdata in place).
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "common/base/strings.hpp"
#include "common/dkim/verify.hpp"

namespace cachet::dkim::test {

inline std::string dkim_data(const std::string& rel) { return std::string(CACHET_TESTDATA) + "/dkim/" + rel; }

inline bool exists(const std::string& path) { return std::filesystem::exists(path); }

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  for (auto l : split(text, '\n')) {
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (l.empty() || l.front() == '#') continue;
    out.emplace_back(l);
  }
  return out;
}

// name -> answer; names are lower-cased.
struct FakeDns {
  std::map<std::string, KeyAnswer> answers;
  void add_txt(const std::string& name, const std::string& txt) {
    auto& a = answers[to_lower(name)];
    a.status = KeyAnswer::Status::found;
    a.records.push_back(txt);
  }
  KeyLookup lookup() const {
    return [this](std::string_view name) {
      const auto it = answers.find(std::string(name));
      if (it == answers.end()) return KeyAnswer{KeyAnswer::Status::not_found, {}};
      return it->second;
    };
  }
};

// "name<TAB>txt" lines.
inline FakeDns load_tsv_zone(const std::string& path) {
  FakeDns dns;
  for (const auto& l : lines(read_file(path))) {
    const auto tab = l.find('\t');
    if (tab != std::string::npos) dns.add_txt(l.substr(0, tab), l.substr(tab + 1));
  }
  return dns;
}

}  // namespace cachet::dkim::test

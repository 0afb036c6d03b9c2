// SPDX-License-Identifier: BSD-2-Clause
//
// tests/unit/common/spf/suite_runner.hpp: runs an openspf YAML suite (read in place from
// CACHET_TESTDATA/spf) through an evaluation the caller supplies, and judges each test:
// a result in its expected set, and the expected explanation when one is given. Tests
// listed with a reason in a known-failures TSV (tests/data/spf/) may fail; a listed test
// that passes is reported too, so the list stays honest. Shared by the suite on in-memory
// zones (rfc7208_suite_test.cpp) and the one through the test DNS server
// (tests/integration/spf_suite_dns_test.cpp). Test-only, header-only.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/base/strings.hpp"
#include "common/spf/engine.hpp"
#include "tests/unit/common/spf/suite_yaml.hpp"

namespace cachet::spf::testing {

inline std::string read_suite_file(const std::string& path, bool* ok) {
  std::ifstream in(path, std::ios::binary);
  *ok = static_cast<bool>(in);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct KnownFailure {
  std::string got, want, reason;
};

inline std::map<std::string, KnownFailure> read_known_failures(const std::string& path) {
  bool ok = false;
  const std::string text = read_suite_file(path, &ok);
  std::map<std::string, KnownFailure> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto f = split(line, '\t');
    if (f.size() < 4) continue;
    out[std::string(f[0])] = {std::string(f[1]), std::string(f[2]), std::string(f[3])};
  }
  return out;
}

struct SuiteOutcome {
  int total = 0;
  int passed = 0;
  std::vector<std::string> unexpected;  // failures not listed, and listed tests now passing
  std::vector<std::string> failures;    // every failure, as a ready-to-paste TSV row
};

// One test's result from its YAML node and its scenario's zonedata (may be null).
using SuiteEvaluation = std::function<SpfResult(const YamlNode& test, const YamlNode* zonedata)>;

// The engine options every suite run uses (the suite's expectations assume them).
inline Options suite_options() {
  Options opts;
  opts.default_explanation = "DEFAULT";
  opts.receiver = "receiver.com";
  return opts;
}

// "" when r is what the test expects, else "got<TAB>want".
inline std::string judge(const YamlNode& test, const SpfResult& r) {
  std::vector<std::string> want;
  const YamlNode* res = test.find("result");
  if (res != nullptr && res->kind == YamlNode::Kind::seq) {
    for (const YamlNode& n : res->seq) want.push_back(n.text);
  } else if (res != nullptr) {
    want.push_back(res->text);
  }
  std::string want_text;
  bool match = false;
  for (const std::string& w : want) {
    want_text += (want_text.empty() ? "" : "|") + w;
    if (w == to_string(r.verdict)) match = true;
  }
  const YamlNode* exp = test.find("explanation");
  std::string got_text = to_string(r.verdict);
  if (match && exp != nullptr && r.verdict == Verdict::fail && r.explanation != exp->text) {
    match = false;
    got_text += " exp='" + r.explanation + "'";
    want_text += " exp='" + exp->text + "'";
  }
  return match ? std::string{} : got_text + "\t" + want_text;
}

inline SuiteOutcome run_suite(const std::string& text, const std::string& known_path, const SuiteEvaluation& eval) {
  SuiteOutcome out;
  const auto known = read_known_failures(known_path);
  std::vector<YamlNode> docs = YamlSubsetReader(text).documents();
  for (const YamlNode& doc : docs) {
    const YamlNode* tests = doc.find("tests");
    if (tests == nullptr) continue;
    for (const auto& [id, test] : tests->map) {
      ++out.total;
      const std::string failure = judge(test, eval(test, doc.find("zonedata")));
      const bool listed = known.count(id) != 0;
      if (failure.empty()) {
        ++out.passed;
        if (listed) out.unexpected.push_back(id + ": listed as a known failure but passes");
      } else {
        out.failures.push_back(id + "\t" + failure);
        if (!listed) out.unexpected.push_back(id + ": " + failure);
      }
    }
  }
  return out;
}

// Runs suite `file` against tests/data/spf/`known`; skips (visibly) when the suite is not
// there. Prints "<label> suite: passed/total pass" and every failure.
inline void check_suite(const std::string& label, const char* file, const char* known, int want_total,
                        const SuiteEvaluation& eval) {
  const std::string path = std::string(CACHET_TESTDATA) + "/spf/" + file;
  bool ok = false;
  const std::string text = read_suite_file(path, &ok);
  if (!ok) GTEST_SKIP() << "conformance suite not found at " << path;
  const SuiteOutcome o = run_suite(text, std::string(CACHET_SOURCE_DIR) + "/tests/data/spf/" + known, eval);
  std::cout << label << " suite: " << o.passed << "/" << o.total << " pass\n";
  for (const std::string& f : o.failures) std::cout << "  failing\t" << f << "\n";
  EXPECT_EQ(o.total, want_total) << "the YAML reader lost tests";
  for (const std::string& u : o.unexpected) ADD_FAILURE() << u;
}

}  // namespace cachet::spf::testing

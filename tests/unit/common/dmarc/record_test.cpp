// SPDX-License-Identifier: BSD-2-Clause
//
// tests/unit/common/dmarc/record_test.cpp: DMARC record parser rows, and the replay of
// the two-oracle corpus (dmarc/records/oracle-results.tsv) against our written-down
// decisions (tests/data/dmarc/record-decisions.tsv).
#include "common/dmarc/record.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "common/base/strings.hpp"

namespace cachet::dmarc {
namespace {

// Our outcome in the words of the decisions file.
std::string outcome(std::string_view txt) {
  if (!is_dmarc_record(txt)) return "not-dmarc";
  const auto r = parse_record(txt);
  if (!r) return "invalid";
  if (!r->p) return "no-policy";
  return std::string("valid p=") + to_string(*r->p);
}

struct RecordCase {
  std::string_view name;
  std::string_view input;
  std::string_view want;  // outcome()
};

class ParseRecord : public ::testing::TestWithParam<RecordCase> {};

TEST_P(ParseRecord, GivesTheDecidedOutcome) {
  const RecordCase& c = GetParam();
  EXPECT_EQ(outcome(c.input), c.want) << c.name << " input='" << c.input << "'";
}

const std::string kAtTagLimit = [] {
  std::string s = "v=DMARC1; p=reject";
  for (std::size_t i = 2; i < kMaxRecordTags; ++i) s += "; x" + std::to_string(i) + "=1";
  return s;
}();
const std::string kOverTagLimit = kAtTagLimit + "; y=1";
const std::string kAtByteLimit = "v=DMARC1; p=reject; x=" + std::string(kMaxRecordBytes - 22, 'a');
const std::string kOverByteLimit = kAtByteLimit + "a";
const std::string kNul = std::string("v=DMARC1; p=reject\0; sp=none", 29);

INSTANTIATE_TEST_SUITE_P(
    Rows, ParseRecord,
    ::testing::Values(RecordCase{"empty", "", "not-dmarc"}, RecordCase{"minimal", "v=DMARC1; p=none", "valid p=none"},
                      RecordCase{"rfc7489 example",
                                 "v=DMARC1; p=quarantine; rua=mailto:dmarc-feedback@example.com; "
                                 "ruf=mailto:auth-reports@thirdparty.example.net; pct=25",
                                 "valid p=quarantine"},
                      RecordCase{"version only", "v=DMARC1", "no-policy"},
                      RecordCase{"version not first", "p=reject; v=DMARC1", "not-dmarc"},
                      RecordCase{"version value lower case", "v=dmarc1; p=reject", "not-dmarc"},
                      RecordCase{"version value mixed case", "v=Dmarc1; p=reject", "not-dmarc"},
                      RecordCase{"version tag name upper case", "V=DMARC1; p=reject", "valid p=reject"},
                      RecordCase{"version with spaces", " v = DMARC1 ; p=reject", "valid p=reject"},
                      RecordCase{"version with suffix", "v=DMARC10; p=reject", "not-dmarc"},
                      RecordCase{"spf record", "v=spf1 -all", "not-dmarc"},
                      RecordCase{"implicit p=none via rua", "v=DMARC1; rua=mailto:a@example.com", "valid p=none"},
                      RecordCase{"rua ftp does not imply p", "v=DMARC1; rua=ftp://example.com", "no-policy"},
                      RecordCase{"bad p", "v=DMARC1; p=bogus", "invalid"},
                      RecordCase{"p prefix", "v=DMARC1; p=n", "invalid"},
                      RecordCase{"bad sp", "v=DMARC1; p=none; sp=bob", "invalid"},
                      RecordCase{"bad np", "v=DMARC1; p=none; np=bob", "invalid"},
                      RecordCase{"bad adkim", "v=DMARC1; p=none; adkim=x", "invalid"},
                      RecordCase{"bad aspf", "v=DMARC1; p=none; aspf=x", "invalid"},
                      RecordCase{"duplicate p", "v=DMARC1; p=reject; p=none", "invalid"},
                      RecordCase{"duplicate after junk, differing case", "v=DMARC1; p=none; x; SP=reject;; sp=none",
                                 "invalid"},
                      RecordCase{"v repeated", "v=DMARC1; p=none; v=DMARC1", "invalid"},
                      RecordCase{"trailing semicolons", "v=DMARC1; p=reject;;", "valid p=reject"},
                      RecordCase{"bad pct ignored", "v=DMARC1; p=reject; pct=500", "valid p=reject"},
                      RecordCase{"bad rf ignored", "v=DMARC1; p=reject; rf=bob", "valid p=reject"},
                      RecordCase{"rf swallowed ruf (opendmarc #62)",
                                 "v=DMARC1; p=reject; rf=afrfruf=mailto:a@example.com", "valid p=reject"},
                      RecordCase{"junk pieces", "v=DMARC1;p=none;fo:0;;0;sp-none", "valid p=none"},
                      RecordCase{"8-bit junk", "v=DMARC1; p=reject; rf\xe9rf; pct0", "valid p=reject"},
                      RecordCase{"8-bit p", "v=DMARC1; p=r\xe9ject", "invalid"}, RecordCase{"NUL", kNul, "invalid"},
                      RecordCase{"escaped semicolons", "v=DMARC1\\; p=reject\\;", "not-dmarc"},
                      RecordCase{"at tag limit", kAtTagLimit, "valid p=reject"},
                      RecordCase{"over tag limit", kOverTagLimit, "invalid"},
                      RecordCase{"at byte limit", kAtByteLimit, "valid p=reject"},
                      RecordCase{"over byte limit", kOverByteLimit, "invalid"}));

TEST(ParseRecord, ReadsEveryTag) {
  const auto r = parse_record(
      "v=DMARC1; p=reject; sp=quarantine; np=none; adkim=s; aspf=s; pct=50; t=y; psd=n; "
      "rua=mailto:a@example.com!10m, mailto:b@example.com; ruf=mailto:c@example.com; "
      "fo=1:d; rf=afrf; ri=3600");
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->p, Policy::reject);
  EXPECT_EQ(r->sp, Policy::quarantine);
  EXPECT_EQ(r->np, Policy::none);
  EXPECT_EQ(r->adkim, AlignmentMode::strict);
  EXPECT_EQ(r->aspf, AlignmentMode::strict);
  EXPECT_EQ(r->pct, 50u);
  EXPECT_TRUE(r->testing);
  EXPECT_EQ(r->psd, PsdFlag::no);
  ASSERT_EQ(r->rua.size(), 2u);
  EXPECT_EQ(r->rua[0].uri, "mailto:a@example.com");
  EXPECT_EQ(r->rua[0].max_bytes, 10u << 20);
  EXPECT_EQ(r->ruf.size(), 1u);
  EXPECT_EQ(r->fo, "1:d");
  EXPECT_EQ(r->ri, 3600u);
  EXPECT_TRUE(r->warnings.empty());
}

TEST(ParseRecord, CapsReportUris) {
  std::string rec = "v=DMARC1; p=none; rua=";
  for (std::size_t i = 0; i <= kMaxReportUris; ++i) rec += "mailto:r" + std::to_string(i) + "@example.com,";
  const auto r = parse_record(rec);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rua.size(), kMaxReportUris);
}

// --- the oracle corpus against record-decisions.tsv ---

std::string unescape_tabs(std::string s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == 't') {
      out += '\t';
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

TEST(RecordCorpus, MatchesWrittenDecisions) {
  const std::string path = std::string(CACHET_TESTDATA) + "/dmarc/records/oracle-results.tsv";
  std::ifstream in(path);
  if (!in) GTEST_SKIP() << "conformance suite not found at " << path;
  std::map<std::string, std::vector<std::string>> decisions;  // id -> columns
  {
    std::ifstream d(std::string(CACHET_SOURCE_DIR) + "/tests/data/dmarc/record-decisions.tsv");
    ASSERT_TRUE(d) << "tests/data/dmarc/record-decisions.tsv missing";
    std::string line;
    while (std::getline(d, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::vector<std::string> cols;
      for (auto c : split(line, '\t')) cols.emplace_back(c);
      if (cols.size() >= 5) decisions[cols[0]] = cols;
    }
  }
  const bool dump = std::getenv("CACHET_DUMP_DECISIONS") != nullptr;
  std::map<std::string, int> per_source;
  int rows = 0, agree_both = 0, with_opendmarc = 0, with_maildmarc = 0, decided = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto cols = split(line, '\t');
    ASSERT_GE(cols.size(), 5u) << line;
    const std::string source(cols[0]);
    std::string record = unescape_tabs(std::string(cols[1]));
    // Mail::DMARC's real-world lines carry its storage prefix "domain=<d>;".
    if (record.starts_with("domain=")) record = record.substr(record.find(';') + 1);
    const std::string id =
        source.find('#') != std::string::npos ? source : source + "#" + std::to_string(++per_source[source]);
    const std::string ours = outcome(record);
    const std::string od(cols[3]);
    const std::string md(trim(cols[4]));
    ++rows;
    const bool od_ok = od == "DMARC_PARSE_OKAY";
    const bool md_ok = md.starts_with("valid");
    const bool ours_ok = ours.starts_with("valid");
    agree_both += (ours_ok == od_ok && ours_ok == md_ok);
    with_opendmarc += ours_ok == od_ok;
    with_maildmarc += ours_ok == md_ok;
    if (dump) std::cout << "DECISION\t" << id << "\t" << od << "\t" << md << "\t" << ours << "\n";
    const auto it = decisions.find(id);
    if (it == decisions.end()) {
      ADD_FAILURE() << id << ": no decision written for '" << record << "' (ours: " << ours << ")";
      continue;
    }
    ++decided;
    EXPECT_EQ(ours, it->second[3]) << id << " record '" << record << "' reason: " << it->second[4];
  }
  std::cout << "[ counts ] DMARC record corpus: " << rows << " rows, " << decided
            << " with a written decision; accept/reject agrees with libopendmarc on " << with_opendmarc
            << ", Mail::DMARC on " << with_maildmarc << ", both on " << agree_both << "\n";
  EXPECT_GT(rows, 100);
}

}  // namespace
}  // namespace cachet::dmarc

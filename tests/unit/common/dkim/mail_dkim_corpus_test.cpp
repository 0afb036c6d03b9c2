// SPDX-License-Identifier: BSD-2-Clause
//
// tests/unit/common/dkim/mail_dkim_corpus_test.cpp: Mail::DKIM's t/corpus with its fake DNS
// (shared/testdata/dkim/mail-dkim/). Legacy mode (rsa-sha1 and small keys allowed) is
// compared with expected.tsv; every difference must be listed, with a reason, in
// tests/data/dkim/mail-dkim-differences.tsv. Strict (default, RFC 8301) mode must never
// pass rsa-sha1 or a key under 1024 bits, and every file must be processed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "common/dkim/verify.hpp"
#include "tests/unit/common/dkim/test_util.hpp"

namespace cachet::dkim {
namespace {

constexpr std::uint64_t kNow = 1800000000;
// The corpus's size and the reviewed differences, pinned: a truncated expected.tsv or a
// shortened differences list must fail, not pass with fewer rows.
constexpr int kCorpusFiles = 79;
constexpr int kReviewedDifferences = 41;

std::string dir() { return test::dkim_data("mail-dkim/"); }

test::FakeDns load_fake_dns() {
  test::FakeDns dns;
  for (const auto& l : test::lines(test::read_file(dir() + "FAKE_DNS.dat"))) {
    const auto sp = l.find_first_of(" \t");
    if (sp == std::string::npos) continue;
    const std::string name = to_lower(l.substr(0, sp));
    const std::string value(trim(std::string_view(l).substr(sp)));
    if (value == "NXDOMAIN") {
      dns.answers[name] = KeyAnswer{KeyAnswer::Status::not_found, {}};
    } else if (value == "~~Query timed out~~" || value == "~~SERVFAIL~~") {
      dns.answers[name] = KeyAnswer{KeyAnswer::Status::temporary, {}};
    } else {
      dns.add_txt(name, value == "\"\"" ? "" : value);
    }
  }
  return dns;
}

// Mail::DKIM's message verdict: pass if any signature passes, else fail if any fails,
// else invalid; none without DKIM signatures.
std::string verdict(const std::vector<SignatureResult>& rs) {
  if (rs.empty()) return "none";
  bool any_fail = false;
  for (const auto& r : rs) {
    if (r.result == VerifyResult::pass) return "pass";
    any_fail = any_fail || r.result == VerifyResult::fail;
  }
  return any_fail ? "fail" : "invalid";
}

std::string details(const std::vector<SignatureResult>& rs) {
  std::string out;
  for (const auto& r : rs) {
    out += std::string(to_string(r.result)) + (r.reason.empty() ? "" : "(" + r.reason + ")") + " ";
  }
  return out;
}

std::map<std::string, std::string> load_differences() {
  std::map<std::string, std::string> out;  // file -> our verdict
  const std::string path = std::string(CACHET_SOURCE_DIR) + "/tests/data/dkim/mail-dkim-differences.tsv";
  for (const auto& l : test::lines(test::read_file(path))) {
    const auto f = split(l, '\t');
    if (f.size() >= 3) out[std::string(f[0])] = std::string(f[1]);
  }
  return out;
}

TEST(MailDkimCorpus, MatchesExpectationsExceptReviewedDifferences) {
  if (!test::exists(dir())) GTEST_SKIP() << "conformance suite not found at " << dir();
  const auto dns = load_fake_dns();
  const auto differences = load_differences();
  VerifyOptions legacy{.max_signatures = 10, .allow_rsa_sha1 = true, .min_rsa_bits = 512, .now = kNow};
  VerifyOptions strict{.now = kNow};
  int total = 0, as_expected = 0, reviewed = 0;
  for (const auto& l : test::lines(test::read_file(dir() + "expected.tsv"))) {
    const auto f = split(l, '\t');
    const std::string file(f.at(0));
    const std::string want(f.at(1));
    const std::string text = test::read_file(dir() + "corpus/" + file);
    ASSERT_FALSE(text.empty()) << file;
    auto got = verify_message(text, dns.lookup(), legacy);
    ASSERT_TRUE(got.has_value()) << file << ": " << got.error().detail;
    const std::string ours = verdict(*got);
    ++total;
    if (std::getenv("CACHET_DKIM_CORPUS_VERBOSE"))
      std::printf("%-28s want=%-8s got=%-8s %s\n", file.c_str(), want.c_str(), ours.c_str(), details(*got).c_str());
    const auto diff = differences.find(file);
    if (ours == want) {
      ++as_expected;
      EXPECT_EQ(diff, differences.end()) << file << " is listed as a difference but now matches";
    } else if (diff != differences.end() && diff->second == ours) {
      ++reviewed;
    } else {
      ADD_FAILURE() << file << ": want " << want << ", got " << ours << ": " << details(*got);
    }
    // Strict mode: RFC 8301 forbids rsa-sha1 and keys under 1024 bits.
    auto strict_got = verify_message(text, dns.lookup(), strict);
    ASSERT_TRUE(strict_got.has_value());
    for (const auto& r : *strict_got) {
      if (r.result != VerifyResult::pass) continue;
      EXPECT_NE(r.algorithm, "rsa-sha1") << file;
      if (r.algorithm != "ed25519-sha256") {
        EXPECT_GE(r.key_bits, 1024) << file;
      }
    }
  }
  std::printf("mail-dkim corpus: %d/%d as expected, %d reviewed differences\n", as_expected, total, reviewed);
  EXPECT_EQ(as_expected + reviewed, total);
  EXPECT_EQ(total, kCorpusFiles);
  EXPECT_EQ(reviewed, kReviewedDifferences);
  EXPECT_EQ(differences.size(), static_cast<std::size_t>(kReviewedDifferences));
}

}  // namespace
}  // namespace cachet::dkim

// SPDX-License-Identifier: BSD-2-Clause
//
// tests/unit/common/dmarc/org_domain_test.cpp: PSL parser/matcher against the publicsuffix
// test suites and opendmarc's vectors; punycode; DMARCbis tree walk over a dns::ZoneResolver.
#include "common/dmarc/org_domain.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "common/base/strings.hpp"
#include "common/dmarc/policy.hpp"
#include "common/dns/zone_resolver.hpp"
#include "common/mail/address.hpp"

namespace cachet::dmarc {
namespace {

const std::string kData = CACHET_TESTDATA;

std::optional<PublicSuffixList> load(const std::string& path) {
  if (!std::ifstream(path)) return std::nullopt;
  auto psl = PublicSuffixList::load_file(path);
  EXPECT_TRUE(psl) << psl.error().detail;
  if (!psl) return std::nullopt;
  return std::move(*psl);
}

std::string got_str(const std::optional<std::string>& s) { return s ? *s : "null"; }

TEST(Punycode, KnownLabels) {
  EXPECT_EQ(to_a_label("example").value_or("?"), "example");
  EXPECT_EQ(to_a_label("\xe9\xa3\x9f\xe7\x8b\xae").value_or("?"), "xn--85x722f");  // 食狮
  EXPECT_EQ(to_a_label("\xe5\x85\xac\xe5\x8f\xb8").value_or("?"), "xn--55qx5d");   // 公司
  EXPECT_EQ(to_a_label("b\xc3\xbc"
                       "cher")
                .value_or("?"),
            "xn--bcher-kva");  // bücher
  EXPECT_FALSE(to_a_label("\xff"));
  EXPECT_FALSE(to_a_label("\xc3"));
  EXPECT_EQ(to_a_labels("mail.b\xc3\xbc"
                        "cher.example")
                .value_or("?"),
            "mail.xn--bcher-kva.example");
  EXPECT_FALSE(to_a_labels("a.\xff.example"));
}

// The ASCII fast path (the whole name lower-cased at once) and the label-by-label path
// give the same forms, quirks included: leading empty labels vanish, later ones stay.
TEST(Punycode, AsciiFastPathMatchesLabelPath) {
  EXPECT_EQ(to_a_labels("Mail.Example.COM").value_or("?"), "mail.example.com");
  EXPECT_EQ(to_a_labels("").value_or("?"), "");
  EXPECT_EQ(to_a_labels("...").value_or("?"), "");
  EXPECT_EQ(to_a_labels("..a.B").value_or("?"), "a.b");
  EXPECT_EQ(to_a_labels("a..b.").value_or("?"), "a..b.");
  EXPECT_EQ(to_a_labels("..B\xc3\xbc"
                        "cher..X.")
                .value_or("?"),
            "xn--bcher-kva..x.");
  EXPECT_EQ(to_a_labels("MAIL.B\xc3\x9c"
                        "cher.Example")
                .value_or("?"),
            "mail.xn--bcher-2pa.example");  // only ASCII is case-folded: U+00DC stays
  EXPECT_EQ(dmarc_record_name("Example.COM"), "_dmarc.example.com");
  EXPECT_EQ(dmarc_record_name(".example.com"), "_dmarc.example.com");
  EXPECT_EQ(dmarc_record_name("b\xc3\xbc"
                              "cher.Example"),
            "_dmarc.xn--bcher-kva.example");
  EXPECT_EQ(dmarc_record_name("A.\xff.Example"), "_dmarc.A.\xff.Example");  // unconvertible: as given
}

TEST(PublicSuffixListSuite, TestsTxt) {
  const auto psl = load(kData + "/psl/public_suffix_list.dat");
  if (!psl) GTEST_SKIP() << "conformance suite not found at " << kData << "/psl";
  std::ifstream in(kData + "/psl/tests.txt");
  int rows = 0, ok = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line.starts_with("//")) continue;
    const auto sp = line.find(' ');
    ASSERT_NE(sp, std::string::npos) << line;
    const std::string input = line.substr(0, sp), want = line.substr(sp + 1);
    const auto got = input == "null" ? std::nullopt : psl->registrable_domain(input);
    ++rows;
    ok += got_str(got) == want;
    EXPECT_EQ(got_str(got), want) << "input " << input;
  }
  std::cout << "[ counts ] PSL tests.txt: " << ok << "/" << rows << " (" << psl->rule_count() << " rules)\n";
  EXPECT_EQ(rows, 78);
}

TEST(PublicSuffixListSuite, TestPslTxt) {
  const auto psl = load(kData + "/psl/public_suffix_list.dat");
  if (!psl) GTEST_SKIP() << "conformance suite not found at " << kData << "/psl";
  std::ifstream in(kData + "/psl/test_psl.txt");
  int rows = 0, ok = 0;
  std::string line;
  // checkPublicSuffix('input', 'expected'); or null without quotes.
  auto arg = [](std::string_view s) -> std::optional<std::string> {
    s = trim(s);
    if (s == "null") return std::nullopt;
    if (s.size() >= 2 && s.front() == '\'' && s.back() == '\'') return std::string(s.substr(1, s.size() - 2));
    return std::string(s);
  };
  while (std::getline(in, line)) {
    const auto open = line.find("checkPublicSuffix(");
    if (open == std::string::npos || trim(line).starts_with("//")) continue;
    const auto close = line.rfind(')');
    const std::string args = line.substr(open + 18, close - open - 18);
    const auto comma = args.find(',');
    const auto input = arg(std::string_view(args).substr(0, comma));
    const auto want = arg(std::string_view(args).substr(comma + 1));
    const auto got = input ? psl->registrable_domain(*input) : std::nullopt;
    ++rows;
    ok += got_str(got) == got_str(want);
    EXPECT_EQ(got_str(got), got_str(want)) << "input " << got_str(input);
  }
  std::cout << "[ counts ] PSL test_psl.txt: " << ok << "/" << rows << "\n";
  EXPECT_EQ(rows, 78);
}

TEST(PublicSuffixListSuite, OpendmarcTld) {
  const auto psl = load(kData + "/opendmarc/effective_tld_names.dat");
  if (!psl) GTEST_SKIP() << "conformance suite not found at " << kData << "/opendmarc";
  std::ifstream in(kData + "/opendmarc/tld.tsv");
  int rows = 0, ok = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto cols = split(line, '\t');
    ASSERT_EQ(cols.size(), 3u);
    const auto got = PslOrgDomain(*psl).organizational_domain(cols[1]);
    ++rows;
    ok += got && *got == cols[2];
    EXPECT_EQ(got.value_or("ERR"), cols[2]) << "row " << cols[0];
  }
  std::cout << "[ counts ] opendmarc tld.tsv: " << ok << "/" << rows << "\n";
  EXPECT_EQ(rows, 3);
}

// opendmarc test_alignment.c: domains with leading/trailing/doubled dots (rows 5, 6) are
// not domains for us (normalize_domain rejects them before alignment), so they never
// align; opendmarc strips the dots. Decision column: ours.
TEST(PublicSuffixListSuite, OpendmarcAlignment) {
  const auto psl = load(kData + "/opendmarc/effective_tld_names.dat");
  if (!psl) GTEST_SKIP() << "conformance suite not found at " << kData << "/opendmarc";
  std::ifstream in(kData + "/opendmarc/alignment.tsv");
  const std::set<std::string> differs = {"5", "6"};
  int rows = 0, same = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto cols = split(line, '\t');
    ASSERT_EQ(cols.size(), 5u);
    const auto a = mail::normalize_domain(cols[1]);
    const auto b = mail::normalize_domain(cols[2]);
    bool aligned = false;
    if (a && b) {
      const PslOrgDomain org(*psl);
      const Identifier id{*a, org.organizational_domain(*a).value_or("")};
      const auto mode = cols[3].ends_with("STRICT") ? AlignmentMode::strict : AlignmentMode::relaxed;
      aligned = is_aligned(id, *b, org.organizational_domain(*b).value_or(""), mode);
    }
    const bool want = cols[4] == "0";
    ++rows;
    same += aligned == want;
    if (differs.count(std::string(cols[0]))) {
      EXPECT_FALSE(aligned) << "row " << cols[0] << " (reviewed difference)";
    } else {
      EXPECT_EQ(aligned, want) << "row " << cols[0];
    }
  }
  std::cout << "[ counts ] opendmarc alignment.tsv: " << same << "/" << rows
            << " as opendmarc, 2 reviewed differences (rows 5, 6: dotted non-domains)\n";
}

TEST(PublicSuffixList, ParseRules) {
  const auto psl = PublicSuffixList::parse("// c\ncom\n*.ck\n!www.ck\nco.uk  trailing\nuk\n");
  ASSERT_TRUE(psl);
  EXPECT_EQ(got_str(psl->registrable_domain("a.b.example.com.")), "example.com");
  EXPECT_EQ(got_str(psl->registrable_domain("x.www.ck")), "www.ck");
  EXPECT_EQ(got_str(psl->registrable_domain("a.b.ck")), "a.b.ck");
  EXPECT_EQ(got_str(psl->registrable_domain("a.co.uk")), "a.co.uk");
  EXPECT_EQ(got_str(psl->registrable_domain("co.uk")), "null");
  EXPECT_EQ(got_str(psl->registrable_domain("")), "null");
  EXPECT_EQ(got_str(psl->registrable_domain("a..com")), "null");
  EXPECT_EQ(got_str(psl->registrable_domain("a.\xff.com")), "null");
  EXPECT_FALSE(PublicSuffixList::parse(""));
  EXPECT_FALSE(PublicSuffixList::parse("// only comments\n"));
  EXPECT_FALSE(PublicSuffixList::parse("a..b\n"));
  EXPECT_FALSE(PublicSuffixList::load_file("/nonexistent/psl.dat"));
}

// The ASCII walk looks suffixes up as views of the (lower-cased if needed) input; the
// non-ASCII walk builds A-label suffixes. Both pinned on case, dots and rule kinds.
TEST(PublicSuffixList, AsciiAndIdnWalksAgree) {
  const auto psl = PublicSuffixList::parse(
      "com\n*.ck\n!www.ck\nco.uk\nuk\n\xc3\xa9x.com\n*.b\xc3\xbc"
      "cher.de\n!a.b\xc3\xbc"
      "cher.de\nde\n");
  ASSERT_TRUE(psl);
  EXPECT_EQ(got_str(psl->registrable_domain("A.B.Example.COM")), "example.com");
  EXPECT_EQ(got_str(psl->registrable_domain("A.B.Example.COM.")), "example.com");
  EXPECT_EQ(got_str(psl->registrable_domain("X.WWW.CK")), "www.ck");
  EXPECT_EQ(got_str(psl->registrable_domain("a.b.c.d.e.f.co.uk")), "f.co.uk");  // walk past the answer
  EXPECT_EQ(got_str(psl->registrable_domain("CO.UK")), "null");
  EXPECT_EQ(got_str(psl->registrable_domain("com")), "null");
  EXPECT_EQ(got_str(psl->registrable_domain("unlisted")), "null");
  EXPECT_EQ(got_str(psl->registrable_domain("a.unlisted")), "a.unlisted");  // the implicit "*" rule
  EXPECT_EQ(got_str(psl->registrable_domain(".example.com")), "null");
  EXPECT_EQ(got_str(psl->registrable_domain("example.com..")), "null");
  // U-labels: matched in A-label form, returned as given (lower-cased ASCII).
  EXPECT_EQ(got_str(psl->registrable_domain("Mail.Shop.\xc3\xa9x.COM")), "shop.\xc3\xa9x.com");
  EXPECT_EQ(got_str(psl->registrable_domain("Mail.Shop.xn--x-9fa.com")), "shop.xn--x-9fa.com");
  EXPECT_EQ(got_str(psl->registrable_domain("c.b.X.b\xc3\xbc"
                                            "cher.de")),
            "b.x.b\xc3\xbc"
            "cher.de");
  EXPECT_EQ(got_str(psl->registrable_domain("c.A.b\xc3\xbc"
                                            "cher.de")),
            "a.b\xc3\xbc"
            "cher.de");
  EXPECT_EQ(got_str(psl->registrable_domain("x..\xc3\xa9x.com")), "null");
  EXPECT_EQ(PslOrgDomain(*psl).organizational_domain("Mail.Example.COM").value_or("ERR"), "example.com");
  EXPECT_EQ(PslOrgDomain(*psl).organizational_domain("CO.UK").value_or("ERR"), "co.uk");
}

TEST(TreeWalk, NamesFollowDmarcbis) {
  EXPECT_EQ(tree_walk_names("a.b.example.com"),
            (std::vector<std::string>{"a.b.example.com", "b.example.com", "example.com", "com"}));
  const auto names = tree_walk_names("a.b.c.d.e.f.g.h.i.example");  // 10 labels
  ASSERT_EQ(names.size(), kMaxTreeWalkQueries);
  EXPECT_EQ(names[1], "d.e.f.g.h.i.example");
  EXPECT_EQ(names.back(), "example");
}

TEST(TreeWalk, OrganizationalDomain) {
  dns::ZoneResolver dns;
  dns.add_txt("_dmarc.example.com", {"v=DMARC1; p=reject"});
  dns.add_txt("_dmarc.gov", {"v=DMARC1; p=reject; psd=y"});
  dns.add_txt("_dmarc.x.example.net", {"v=DMARC1; p=none; psd=n"});
  dns.add_txt("_dmarc.example.net", {"v=DMARC1; p=none"});
  dns.set_servfail("_dmarc.com");
  dns.add("_dmarc.org", dns::RrType::a, "192.0.2.1");  // exists, no TXT
  const TreeWalkOrgDomain walk(dns);
  EXPECT_EQ(walk.organizational_domain("a.b.example.gov").value_or("ERR"), "example.gov");
  EXPECT_EQ(walk.organizational_domain("gov").value_or("ERR"), "gov");
  EXPECT_EQ(walk.organizational_domain("a.x.example.net").value_or("ERR"), "x.example.net");
  EXPECT_EQ(walk.organizational_domain("a.example.org").value_or("ERR"), "a.example.org");
  const auto t = walk.organizational_domain("mail.example.com");
  ASSERT_FALSE(t);  // the walk reaches _dmarc.com, which fails
  EXPECT_EQ(t.error().code, Errc::temporary);
}

TEST(LookupDmarc, RfcFiltering) {
  dns::ZoneResolver dns;
  dns.add_txt("_dmarc.two.example", {"v=DMARC1; p=reject"});
  dns.add_txt("_dmarc.two.example", {"v=DMARC1; p=none"});
  dns.add_txt("_dmarc.mixed.example", {"v=spf1 -all"});
  dns.add_txt("_dmarc.mixed.example", {"v=DMARC1; p=quarantine"});
  dns.add_txt("_dmarc.bad.example", {"v=DMARC1; p=bogus"});
  dns.set_timeout("_dmarc.slow.example");
  EXPECT_EQ(lookup_dmarc(dns, "two.example").status, DmarcLookup::Status::no_record);
  EXPECT_EQ(lookup_dmarc(dns, "mixed.example").status, DmarcLookup::Status::record);
  EXPECT_EQ(lookup_dmarc(dns, "bad.example").status, DmarcLookup::Status::invalid);
  EXPECT_EQ(lookup_dmarc(dns, "slow.example").status, DmarcLookup::Status::temperror);
  EXPECT_EQ(lookup_dmarc(dns, "none.example").status, DmarcLookup::Status::no_record);
}

// The name asked: lower-cased ASCII (built on the stack when it fits), A-label form for
// U-labels; the domain reported is the one given.
TEST(LookupDmarc, AsksTheRecordName) {
  dns::ZoneResolver dns;
  dns.add_txt("_dmarc.mixed.example", {"v=DMARC1; p=quarantine"});
  dns.add_txt("_dmarc.xn--bcher-kva.example", {"v=DMARC1; p=reject"});
  std::string longest;  // the longest name with a _dmarc record: 246 + 7 = 253 bytes
  while (longest.size() < mail::kMaxDomainBytes - 7) longest += "a.";
  longest.resize(mail::kMaxDomainBytes - 8);
  longest += "x";
  dns.add_txt("_dmarc." + longest, {"v=DMARC1; p=none"});
  const DmarcLookup mixed = lookup_dmarc(dns, "..Mixed.EXAMPLE");
  EXPECT_EQ(mixed.status, DmarcLookup::Status::record);
  EXPECT_EQ(mixed.domain, "..Mixed.EXAMPLE");
  EXPECT_EQ(lookup_dmarc(dns,
                         "B\xc3\xbc"
                         "cher.Example")
                .status,
            DmarcLookup::Status::record);
  EXPECT_EQ(lookup_dmarc(dns, longest).status, DmarcLookup::Status::record);
  EXPECT_EQ(lookup_dmarc(dns, "." + longest + std::string(10, 'x')).status,  // too long for the stack buffer
            DmarcLookup::Status::no_record);
}

}  // namespace
}  // namespace cachet::dmarc

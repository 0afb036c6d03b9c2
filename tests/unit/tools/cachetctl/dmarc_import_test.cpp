// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/tools/cachetctl/dmarc_import_test.cpp: the importer over every sample of
// ../shared/testdata/dmarc-reports (right counts, or refused with the reason), twice
// (nothing changes), one transaction per report (a database error mid-report stores
// nothing of it), mbox and Maildir inputs, foreign domains.
#include "tools/cachetctl/dmarc_import.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <map>

#include "tests/lib/temp_dir.hpp"

namespace cachet::ctl {
namespace {

namespace fs = std::filesystem;
using dmarc::import::open_report_store;
using dmarc::import::StoreCounts;

const fs::path kSamples = fs::path(CACHET_TESTDATA) / "dmarc-reports";

struct Want {
  std::string kind;    // "imported", "duplicate", "refused"
  std::string detail;  // substring of the outcome's detail
};

// Expected outcome per sample (path below kSamples, attachment suffix included).
const std::map<std::string, std::vector<Want>> kWant = {
    {"aggregate/!example.com!1538204542!1538463818.xml", {{"imported", "records=1 messages=1"}}},
    {"aggregate/!large-example.com!1711897200!1711983600.xml", {{"imported", "records=2286 messages=2286"}}},
    {"aggregate/addisonfoods.com!example.com!1536105600!1536191999.xml", {{"imported", "records=1 messages=1"}}},
    {"aggregate/empty_reason.xml", {{"imported", "records=1 messages=2"}}},
    {"aggregate/estadocuenta1.infonacot.gob.mx!example.com!1536853302!1536939702!2940.xml.zip",
     {{"imported", "org=XYZ Corporation id=2940 domain=example.com records=1 messages=1"}}},
    {"aggregate/example.net!example.com!1529366400!1529452799.xml", {{"imported", "records=1 messages=1"}}},
    {"aggregate/fastmail.com!example.com!1516060800!1516147199!102675056.xml.gz",
     {{"imported", "domain=indemed.com records=1 messages=1"}}},
    {"aggregate/ikea.com!example.de!1538690400!1538776800.xml",
     {{"imported", "records=1 messages=1 shape=rfc7489 repaired="}}},
    {"aggregate/invalid_utf_8.xml", {{"refused", "not proper UTF-8"}}},
    {"aggregate/invalid_xml.xml", {{"refused", "not a DMARC aggregate report"}}},
    {"aggregate/old_draft_from_wiki.xml", {{"imported", "records=1 messages=2"}}},
    {"aggregate/rfc9990-example.net!example.com!1700000000!1700086399.xml",
     {{"imported", "records=2 messages=7 shape=rfc9990"}}},
    {"aggregate/rfc9990-sample.xml", {{"imported", "records=1 messages=123 shape=rfc9990"}}},
    {"aggregate/twilight.eml",
     {{"imported", "org=google.com id=1627703331531660819 domain=twlnet.com records=1 messages=1"}}},
    {"aggregate/usssa.com!example.com!1538784000!1538870399.xml", {{"imported", "records=2 messages=2"}}},
    {"aggregate/veeam.com!example.com!1530133200!1530219600.xml", {{"imported", "records=1 messages=1"}}},
    {"aggregate_invalid/report_with_upper_cased_pass.xml", {{"refused", "'None' is not one of"}}},
    {"empty.xml", {{"refused", "empty input"}}},
    {"extract_report/changed-input.xml",
     {{"imported", "org=fred.com id=11038226378739404135 domain=example.com records=20 messages=3047"}}},
    {"extract_report/nice-input.xml",
     {{"imported", "org=google.com id=11038226378739404135 domain=example.com records=20 messages=3047"}}},
    {"extract_report/nice-input.xml.gz", {{"duplicate", "org=google.com id=11038226378739404135"}}},
    {"extract_report/nice-input.xml.zip", {{"duplicate", "org=google.com id=11038226378739404135"}}},
    {"failure/DMARC Failure Report for domain.de (mail-from=sharepoint@domain.de, ip=10.10.10.10).eml",
     {{"imported", "failure domain=domain.de source_ip=10.10.10.10"}}},
    {"failure/dmarc_ruf_report_linkedin.crlf.eml", {{"imported", "failure domain=example.com source_ip=10.10.10.10"}}},
    // the same report with LF line ends: the same Message-ID
    {"failure/dmarc_ruf_report_linkedin.eml", {{"duplicate", "failure domain=example.com"}}},
    // no message/feedback-report part: the plain-text notice (failure.hpp) is imported
    {"failure/exim_plain_text_only_no_arf_part.eml",
     {{"imported", "failure domain=example.com source_ip=203.0.113.68"}}},
    {"smtp_tls/google.com_smtp_tls_report.eml", {{"refused", "SMTP TLS report"}}},
    {"smtp_tls/mail.ru.json", {{"refused", "SMTP TLS report"}}},
    {"smtp_tls/rfc8460.json", {{"refused", "SMTP TLS report"}}},
    {"smtp_tls/smtp_tls.json", {{"refused", "SMTP TLS report"}}},
};

const char* kind_name(ImportOutcome::Kind k) {
  return k == ImportOutcome::Kind::imported    ? "imported"
         : k == ImportOutcome::Kind::duplicate ? "duplicate"
                                               : "refused";
}

StoreCounts counts_of(const std::string& db) {
  auto store = open_report_store(db);
  EXPECT_TRUE(store.has_value());
  auto c = (*store)->counts();
  EXPECT_TRUE(c.has_value());
  return c.value_or(StoreCounts{});
}

bool operator==(const StoreCounts& a, const StoreCounts& b) {
  return a.reports == b.reports && a.records == b.records && a.messages == b.messages && a.failures == b.failures;
}

TEST(DmarcImport, EverySampleImportsOrIsRefusedWithItsReason) {
  if (!fs::is_directory(kSamples)) GTEST_SKIP() << "no " << kSamples << " (set CACHET_TESTDATA)";
  testlib::TempDir dir("rua-in");
  const std::string db = dir.file("history.sqlite");
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(kSamples))
    if (e.is_regular_file() && e.path().filename() != "SOURCE.md") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::map<std::string, std::vector<ImportOutcome>> got;
  {
    auto store = open_report_store(db);
    ASSERT_TRUE(store.has_value()) << store.error().detail;
    Importer importer(**store, 1700000000);
    for (const fs::path& f : files) {
      const std::size_t before = importer.tally().outcomes.size();
      ASSERT_TRUE(importer.import_path(f).has_value());
      const auto& all = importer.tally().outcomes;
      got[f.lexically_relative(kSamples).string()].assign(all.begin() + static_cast<long>(before), all.end());
    }
  }
  for (const auto& [name, outcomes] : got) {
    const auto want = kWant.find(name);
    if (want == kWant.end()) {
      ADD_FAILURE() << "a sample this test does not know: " << name;
      continue;
    }
    ASSERT_EQ(outcomes.size(), want->second.size()) << name;
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
      EXPECT_EQ(kind_name(outcomes[i].kind), want->second[i].kind) << name << ": " << outcomes[i].detail;
      EXPECT_NE(outcomes[i].detail.find(want->second[i].detail), std::string::npos)
          << name << "\n got: " << outcomes[i].detail << "\nwant: " << want->second[i].detail;
    }
  }
  const StoreCounts first = counts_of(db);
  EXPECT_EQ(first.reports, 16u);
  EXPECT_EQ(first.failures, 3u);
  {  // the whole folder again: nothing changes
    auto store = open_report_store(db);
    ASSERT_TRUE(store.has_value());
    Importer again(**store, 1700000001);
    ASSERT_TRUE(again.import_path(kSamples).has_value());
    EXPECT_EQ(again.tally().imported, 0u);
  }
  EXPECT_TRUE(counts_of(db) == first);
}

std::string report_xml(const std::string& id, const std::vector<std::string>& ips,
                       const std::string& domain = "example.com") {
  std::string records;
  for (const std::string& ip : ips)
    records += "<record><row><source_ip>" + ip +
               "</source_ip><count>2</count><policy_evaluated><disposition>none"
               "</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row><identifiers><header_from>" +
               domain + "</header_from></identifiers><auth_results/></record>";
  return "<feedback><report_metadata><org_name>Org</org_name><email>r@org.example</email><report_id>" + id +
         "</report_id><date_range><begin>1</begin><end>2</end></date_range></"
         "report_metadata><policy_published><domain>" +
         domain + "</domain><p>none</p></policy_published>" + records + "</feedback>";
}

TEST(DmarcImport, ADatabaseErrorMidReportStoresNothingOfIt) {
  testlib::TempDir dir("rua-in");
  const std::string db = dir.file("history.sqlite");
  ASSERT_EQ(counts_of(db).reports, 0u);  // creates the schema
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(raw,
                   "CREATE TRIGGER boom BEFORE INSERT ON dmarc_aggregate_records WHEN NEW.source_ip = '192.0.2.99'"
                   " BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
                   nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(raw);
  auto store = open_report_store(db);
  ASSERT_TRUE(store.has_value());
  Importer importer(**store, 1);
  ASSERT_TRUE(importer.import_bytes(report_xml("ok", {"192.0.2.1"}), "first").has_value());
  auto r = importer.import_bytes(report_xml("bad", {"192.0.2.1", "192.0.2.2", "192.0.2.99"}), "second");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().detail.find("injected failure"), std::string::npos) << r.error().detail;
  const StoreCounts c = counts_of(db);
  EXPECT_EQ(c.reports, 1u);
  EXPECT_EQ(c.records, 1u);
}

TEST(DmarcImport, MboxMaildirAndForeignDomains) {
  testlib::TempDir dir("rua-in");
  const std::string mail1 =
      "From: r@org.example\nMessage-ID: <1@org>\nContent-Type: text/xml\n\n" + report_xml("m1", {"192.0.2.1"});
  const std::string mail2 = "From: r@org.example\nMessage-ID: <2@org>\nContent-Type: text/xml\n\n" +
                            report_xml("m2", {"2001:db8::1"}, "other.example");
  dir.write("box.mbox",
            "From a Mon Jan  1 00:00:00 2024\n" + mail1 + "\n\nFrom b Mon Jan  1 00:00:00 2024\n" + mail2 + "\n");
  fs::create_directories(dir.file("Maildir/cur"));
  fs::create_directories(dir.file("Maildir/new"));
  dir.write("Maildir/new/1.host", mail1);
  dir.write("Maildir/cur/2.host:2,S", mail2);
  auto store = open_report_store(dir.file("h.sqlite"), {"example.com"});
  ASSERT_TRUE(store.has_value());
  Importer importer(**store, 1);
  ASSERT_TRUE(importer.import_path(dir.file("box.mbox")).has_value());
  EXPECT_EQ(importer.tally().imported, 2u);
  ASSERT_TRUE(importer.import_path(dir.file("Maildir")).has_value());
  EXPECT_EQ(importer.tally().duplicates, 2u);
  EXPECT_EQ(importer.tally().refused, 0u);
  auto rows = (*store)->records(0, "");
  ASSERT_TRUE(rows.has_value());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_FALSE((*rows)[0].is_foreign);
  EXPECT_TRUE((*rows)[1].is_foreign);
  EXPECT_EQ((*rows)[1].source_ip, "2001:db8::1");
}

TEST(SplitMbox, SeparatorsAndEscapes) {
  const auto mails = split_mbox("From a\nX: 1\n\n>From inside\nFrom not a separator\n\nFrom b\nY: 2\n");
  ASSERT_EQ(mails.size(), 2u);
  EXPECT_EQ(mails[0], "X: 1\n\nFrom inside\nFrom not a separator\n\n");
  EXPECT_EQ(mails[1], "Y: 2\n");
  EXPECT_TRUE(split_mbox("").empty());
}

}  // namespace
}  // namespace cachet::ctl

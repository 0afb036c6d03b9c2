// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dmarc/history_file_test.cpp: opendmarc's HistoryFile format. The
// expected texts are what Debian's opendmarc 1.4.2 wrote for the same messages and records
// (`opendmarc -t msg` with TestDNSData; job/reporter/ipaddr/received set to match), so
// opendmarc-import reads ours as it reads opendmarc's. Plus the sink (append, flock).
#include "common/dmarc/history_file.hpp"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/lib/temp_dir.hpp"

namespace cachet::dmarc {
namespace {

HistoryRecord base(const char* record) {
  HistoryRecord r;
  r.received = 1795648454;
  r.job_id = "DEBUG-i";
  r.reporter = "DEBUG-j";
  r.source_ip = "127.0.0.1";
  r.header_from = "example.org";
  r.envelope_from = "<a@example.org>";
  r.policy_domain = "example.org";
  if (record != nullptr) {
    auto rec = parse_record(record);
    EXPECT_TRUE(rec) << record;
    if (rec) set_published_policy(r, *rec);
  }
  return r;
}

std::string lines(std::string_view bars) {  // "a|b|" -> "a\nb\n"
  std::string out(bars);
  for (char& c : out) c = c == '|' ? '\n' : c;
  return out;
}

TEST(HistoryFileFormat, ReceivedSpfPassStrictSpf) {
  HistoryRecord r = base("v=DMARC1; p=quarantine; sp=none; fo=1; aspf=s");
  r.result = "pass";
  r.policy = "quarantine";
  r.spf_domain = "example.org";
  r.spf_result = "pass";
  r.spf_aligned = true;
  EXPECT_EQ(format_history_record(r),
            lines("job DEBUG-i|reporter DEBUG-j|received 1795648454|ipaddr 127.0.0.1|from example.org|"
                  "mfrom example.org|spf 0|pdomain example.org|policy 15|rua -|pct 100|adkim 114|aspf 115|"
                  "p 113|sp 110|align_dkim 5|align_spf 4|arc 7|arc_policy 2 json:[]|action 2|"));
}

TEST(HistoryFileFormat, DkimWithoutSelectorSoftfailAndTwoRua) {
  HistoryRecord r = base("v=DMARC1; p=quarantine; rua=mailto:a@x.test,mailto:b@y.test!10m");
  r.result = "pass";
  r.policy = "quarantine";
  r.dkim = format_dkim_entries({{"example.org", "", "pass"}});
  r.dkim_aligned = true;
  r.spf_domain = "example.org";
  r.spf_result = "softfail";
  EXPECT_EQ(format_history_record(r),
            lines("job DEBUG-i|reporter DEBUG-j|received 1795648454|ipaddr 127.0.0.1|from example.org|"
                  "mfrom example.org|dkim example.org - 0|spf 2|pdomain example.org|policy 15|"
                  "rua mailto:a@x.test|rua mailto:b@y.test!10m|pct 100|adkim 114|aspf 114|p 113|sp 0|"
                  "align_dkim 4|align_spf 5|arc 7|arc_policy 2 json:[]|action 2|"));
}

TEST(HistoryFileFormat, RejectedWithoutSpfResult) {
  HistoryRecord r = base("v=DMARC1; p=reject");
  r.result = "fail";
  r.policy = "reject";
  r.disposition = "reject";
  r.dkim = format_dkim_entries({{"example.org", "sel1", "fail"}, {"other.test", "s2", "temperror"}});
  EXPECT_EQ(format_history_record(r),
            lines("job DEBUG-i|reporter DEBUG-j|received 1795648454|ipaddr 127.0.0.1|from example.org|"
                  "mfrom example.org|dkim example.org sel1 7|dkim other.test s2 4|spf -1|pdomain example.org|"
                  "policy 16|rua -|pct 100|adkim 114|aspf 114|p 114|sp 0|align_dkim 5|align_spf 5|arc 7|"
                  "arc_policy 2 json:[]|action 0|"));
}

TEST(HistoryFileFormat, NoRecordWrittenOnlyWithRecordAllMessages) {
  HistoryRecord r = base(nullptr);
  r.header_from = r.policy_domain = "nodmarc.test";
  EXPECT_EQ(format_history_record(r),
            lines("job DEBUG-i|reporter DEBUG-j|received 1795648454|ipaddr 127.0.0.1|from nodmarc.test|"
                  "mfrom example.org|spf -1|pdomain nodmarc.test|policy 14|rua -|pct 0|adkim 0|aspf 0|p 0|"
                  "sp 0|align_dkim 0|align_spf 0|arc 7|arc_policy 2 json:[]|action 2|"));
}

TEST(HistoryFileFormat, FailUnderNoneAndQuarantineHold) {
  HistoryRecord r = base("v=DMARC1; p=none");
  r.result = "fail";
  r.policy = "none";
  EXPECT_NE(format_history_record(r).find("\npolicy 18\n"), std::string::npos);
  r = base("v=DMARC1; p=quarantine; pct=20");
  r.result = "fail";
  r.policy = "quarantine";
  r.disposition = "quarantine";
  const std::string x = format_history_record(r);
  EXPECT_NE(x.find("\npolicy 17\n"), std::string::npos) << x;
  EXPECT_NE(x.find("\npct 20\n"), std::string::npos) << x;
  EXPECT_NE(x.find("\naction 4\n"), std::string::npos) << x;
}

TEST(HistoryFileFormat, ValuesCannotAddLinesOrWords) {
  HistoryRecord r = base("v=DMARC1; p=none");
  r.job_id = "Q1\nreceived 0";
  r.header_from = "a b.example";
  r.envelope_from = "<>";
  const std::string x = format_history_record(r);
  EXPECT_EQ(x.rfind("job Q1_received_0\n", 0), 0u) << x;
  EXPECT_NE(x.find("\nfrom a_b.example\n"), std::string::npos) << x;
  EXPECT_NE(x.find("\nmfrom \n"), std::string::npos) << x;
}

// mfrom is the envelope domain, lower case, with or without angle brackets; only the
// domain's case changes (the other values are written as they are).
TEST(HistoryFileFormat, MailFromDomainLowerCased) {
  HistoryRecord r = base("v=DMARC1; p=none");
  r.header_from = "Example.ORG";
  for (const char* env : {"<A@Mail.Example.ORG>", "A@Mail.Example.ORG", "Mail.Example.ORG"}) {
    r.envelope_from = env;
    const std::string x = format_history_record(r);
    EXPECT_NE(x.find("\nmfrom mail.example.org\n"), std::string::npos) << env << "\n" << x;
    EXPECT_NE(x.find("\nfrom Example.ORG\n"), std::string::npos) << x;
  }
}

TEST(HistoryFileSink, AppendsBatchesNotWorldReadable) {
  testlib::TempDir dir;
  HistoryFileSink sink(dir.file("history"));
  const HistoryRecord r = base("v=DMARC1; p=none");
  ASSERT_TRUE(sink.add(r));
  const std::vector<HistoryRecord> two = {r, r};
  ASSERT_TRUE(sink.add_batch(two));
  std::ifstream in(dir.file("history"));
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), format_history_record(r) + format_history_record(r) + format_history_record(r));
  struct stat st {};
  ASSERT_EQ(::stat(dir.file("history").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0007, 0u) << "history must not be world-readable";
}

TEST(HistoryFileSink, MissingDirectoryIsTemporary) {
  HistoryFileSink sink("/nonexistent-dir/history");
  auto r = sink.add(base(nullptr));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::temporary);
}

}  // namespace
}  // namespace cachet::dmarc

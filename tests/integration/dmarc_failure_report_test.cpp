// SPDX-License-Identifier: BSD-2-Clause
//
// tests/integration/dmarc_failure_report_test.cpp: failure reports (FailureReports) from the
// real cachet-dmarc binary (dmarc_harness.hpp: loopback DNS, milter client). ReportCommand
// names a stand-in sendmail script that keeps each message and its arguments. A failing
// message from a domain whose record has three ruf targets (its own domain, an outside
// domain that publishes the s7.1 `_report._dmarc` record, one that does not) yields one ARF
// message to each of the first two, read by Python's email package as multipart/report with a
// message/feedback-report part; the unauthorized target gets nothing; the per-domain rate
// limit (FailureReportsRateLimit 2) holds over three messages. A bad FailureReportsBcc or a
// ReportCommand that names no program is a configuration error in check mode.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "tests/integration/dmarc_harness.hpp"
#include "tests/lib/run_command.hpp"

namespace {

using cachet::testlib::DmarcHarness;
using cachet::testlib::eventually;
namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t count(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t i = 0; (i = hay.find(needle, i)) != std::string::npos; i += needle.size()) ++n;
  return n;
}

// Reads an ARF message: "<type> <report-type> <parts> <Feedback-Type> <Reported-Domain>
// <Source-IP> <headers part has Subject> <body absent>".
constexpr const char* kArfReader =
    "import email, sys\n"
    "m = email.message_from_bytes(sys.stdin.buffer.read())\n"
    "parts = m.get_payload()\n"
    "fb = parts[1].get_payload()[0]\n"
    "hdrs = parts[2].get_payload()\n"
    "hdrs = hdrs if isinstance(hdrs, str) else hdrs[0].as_string()\n"
    "print(m.get_content_type(), m.get_param('report-type'), ','.join(p.get_content_type() for p in parts),\n"
    "      fb['Feedback-Type'], fb['Reported-Domain'], fb['Source-IP'], 'Subject: test' in hdrs,\n"
    "      'hello' not in m.as_string())\n";

class DmarcFailureReports : public ::testing::Test {
 protected:
  void SetUp() override {
    h.zone.add_txt("_dmarc.ruf.example",
                   {"v=DMARC1; p=reject; fo=1; ruf=mailto:ruf@ruf.example,mailto:ruf@auth.example,"
                    "mailto:ruf@noauth.example"});
    h.zone.add_txt("ruf.example._report._dmarc.auth.example", {"v=DMARC1"});
    fs::create_directory(h.dir.file("mail"));
    sendmail_ = h.dir.write("sendmail", "#!/bin/sh\nn=$(mktemp " + h.dir.file("mail") +
                                            "/m.XXXXXX)\necho \"$@\" > \"$n.args\"\ncat > \"$n.eml\"\n");
    fs::permissions(sendmail_, fs::perms::owner_all);
  }
  std::string config() const {
    return "FailureReports yes\nFailureReportsSentBy DMARC <dmarc-failures@mx.test>\nFailureReportsRateLimit 2\n"
           "ReportCommand " +
           sendmail_ + " -t\nPublicSuffixList " + h.dir.write("psl.dat", "example\n") + "\n";
  }
  std::vector<fs::path> mails(const std::string& ext) const {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(h.dir.file("mail")))
      if (e.path().extension() == ext) out.push_back(e.path());
    return out;
  }

  DmarcHarness h;
  std::string sendmail_;
};

TEST_F(DmarcFailureReports, ArfToAuthorizedRufTargetsOnlyAndRateLimited) {
  h.start(config());
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(h.send(DmarcHarness::message("ceo@ruf.example")).accepted());
  // Two messages reported (2 sent + 1 unauthorized each), the third over the limit.
  ASSERT_TRUE(eventually([&] {
    const std::string log = h.log();
    return count(log, "outcome=sent") == 4 && count(log, "outcome=unauthorized") == 2 &&
           count(log, "outcome=rate_limited") == 1;
  })) << h.log();
  EXPECT_TRUE(h.log_has("to=ruf@noauth.example outcome=unauthorized")) << h.log();
  const auto args = mails(".args");
  ASSERT_EQ(args.size(), 4u);
  std::map<std::string, int> to;
  for (const fs::path& a : args) {
    const std::string line = slurp(a);
    EXPECT_EQ(line.rfind("-i -f dmarc-failures@mx.test -- ", 0), 0u) << line;
    ++to[line.substr(line.rfind(' ') + 1)];
  }
  EXPECT_EQ(to["ruf@ruf.example\n"], 2);
  EXPECT_EQ(to["ruf@auth.example\n"], 2);
  EXPECT_EQ(to.count("ruf@noauth.example\n"), 0u);
  for (const fs::path& eml : mails(".eml")) {
    auto got = cachet::testlib::run_command({"/usr/bin/python3", "-c", kArfReader}, slurp(eml));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->out,
              "multipart/report feedback-report text/plain,message/feedback-report,text/rfc822-headers auth-failure "
              "ruf.example 192.0.2.1 True True\n")
        << got->err << slurp(eml);
  }
}

TEST_F(DmarcFailureReports, BadBccOrMissingSendmailIsAConfigurationError) {
  const std::string conf =
      h.dir.write("bad.conf", h.config(config() + "FailureReportsBcc copy@ok.example, not an address\n"));
  auto got =
      cachet::testlib::run_command({std::string(CACHET_BIN_DIR) + "/cachet-dmarc", "--check-config", "-c", conf});
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->exit_code, 78);
  EXPECT_NE((got->out + got->err).find("FailureReportsBcc"), std::string::npos) << got->out << got->err;
  const std::string missing =
      h.dir.write("missing.conf", h.config(config() + "ReportCommand " + h.dir.file("no-sendmail") + " -t\n"));
  got = cachet::testlib::run_command({std::string(CACHET_BIN_DIR) + "/cachet-dmarc", "--check-config", "-c", missing});
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->exit_code, 78);
  EXPECT_NE((got->out + got->err).find("no-sendmail is not an executable program"), std::string::npos)
      << got->out << got->err;
}

}  // namespace

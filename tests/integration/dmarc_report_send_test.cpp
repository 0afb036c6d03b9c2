// SPDX-License-Identifier: BSD-2-Clause
//
// tests/integration/dmarc_report_send_test.cpp: `cachetctl dmarc-report send`, the real
// binary, over a SQLite history: reports go through a stand-in sendmail (a script that
// keeps each message and its arguments), a rerun sends nothing, an unreachable sendmail
// loses nothing (the next run delivers), --out writes .eml files and records nothing,
// --expire removes old history. Independent oracles: each report (both shapes) is read
// by dmarc-cat and by Mail::DMARC's parser (Debian packages, scripts/packages.d/
// dmarc-reports.txt) and must show the rows and message counts we recorded.
// Mail::DMARC 1.20211209 reads no namespaced XML (its XPath has no namespace), so it is
// asked about the RFC 7489 shape only; dmarc-cat reads both. Skipped when a tool is absent.
// The ARF failure report is read by Python's email package.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "common/base/base64.hpp"
#include "common/base/gzip.hpp"
#include "common/dmarc/history.hpp"
#include "common/dmarc/report_failure.hpp"
#include "tests/lib/dmarc_failure_report.hpp"
#include "tests/lib/dmarc_history_records.hpp"
#include "tests/lib/run_command.hpp"
#include "tests/lib/temp_dir.hpp"

namespace {

using cachet::dmarc::HistoryRecord;
using cachet::testlib::history_record;
namespace fs = std::filesystem;

constexpr std::int64_t kDay = 86400;
const std::string kCtl = std::string(CACHET_BIN_DIR) + "/cachetctl";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The report XML inside a message we built.
std::string report_of(const std::string& eml) {
  const auto start = eml.find("\n\n", eml.find("Content-Disposition: attachment")) + 2;
  const auto end = eml.find("\n--", start);
  const auto gz = cachet::base64_decode(cachet::strip_whitespace(eml.substr(start, end - start)));
  if (!gz) return "";
  return cachet::gunzip(*gz, 1 << 24).value_or("");
}

class ReportSend : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.file("history.sqlite");
    conf_ = dir_.write("dmarc.conf", "HistoryDatabase " + db_ +
                                         "\nReportEmail dmarc-reports@receiver.example\nReportOrg Receiver Org\n"
                                         "ReportContact https://receiver.example/dmarc\n"
                                         "PublicSuffixList " +
                                         dir_.write("psl.dat", "com\nnet\nexample\n") +
                                         "\n"
                                         "Nameservers 127.0.0.1:9\n");
    fs::create_directory(dir_.file("mail"));
    sendmail_ = dir_.write("sendmail", "#!/bin/sh\nn=$(mktemp " + dir_.file("mail") +
                                           "/m.XXXXXX)\necho \"$@\" > \"$n.args\"\ncat > \"$n.eml\"\n");
    fs::permissions(sendmail_, fs::perms::owner_all);
    auto store = cachet::dmarc::open_history_store(db_);
    ASSERT_TRUE(store.has_value());
    // Day 1 (86400..172799): example.com 5 messages in 3 rows, example.org 2 in 1 row;
    // day 0: one example.com message (outside --since).
    std::vector<HistoryRecord> rs;
    for (std::int64_t t : {kDay + 1, kDay + 2, kDay + 3}) rs.push_back(history_record(t, "192.0.2.1", true));
    rs.push_back(history_record(kDay + 4, "192.0.2.9", false));
    rs.push_back(history_record(kDay + 5, "2001:db8::1", true));
    for (HistoryRecord& r : rs) r.rua = "mailto:rua@example.com mailto:x@y.example!0k";
    for (std::int64_t t : {kDay + 6, kDay + 7}) {
      HistoryRecord r = history_record(t, "198.51.100.7", true);
      r.policy_domain = r.header_from = "example.org";
      r.rua = "mailto:dmarc@reports.example.org ftp://nope";
      rs.push_back(r);
    }
    rs.push_back(history_record(10, "192.0.2.1", true));
    for (const HistoryRecord& r : rs) ASSERT_TRUE((*store)->add(r).has_value());
  }

  // cachetctl dmarc-report send -c conf over day 1, then `extra`.
  cachet::testlib::CommandResult send_with(const std::string& conf, const std::vector<std::string>& extra) {
    std::vector<std::string> argv{kCtl,
                                  "dmarc-report",
                                  "send",
                                  "-c",
                                  conf,
                                  "--since",
                                  std::to_string(kDay),
                                  "--now",
                                  std::to_string(2 * kDay + 60)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto r = cachet::testlib::run_command(argv);
    EXPECT_TRUE(r.has_value());
    return r.value_or(cachet::testlib::CommandResult{});
  }
  cachet::testlib::CommandResult send(std::vector<std::string> extra) {
    extra.insert(extra.begin(), {"--sendmail", sendmail_});
    return send_with(conf_, extra);
  }

  std::vector<fs::path> files(const std::string& dir, const std::string& ext) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ext) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
  }

  cachet::testlib::TempDir dir_{"report-send"};
  std::string db_, conf_, sendmail_;
};

TEST_F(ReportSend, SendsOnceThroughSendmailAndRerunSendsNothing) {
  const auto first = send({});
  EXPECT_EQ(first.exit_code, 0) << first.err;
  const auto mails = files(dir_.file("mail"), ".eml");
  ASSERT_EQ(mails.size(), 2u) << first.err;
  std::map<std::string, std::string> by_rcpt;
  for (const auto& m : mails) {
    const std::string args = slurp(fs::path(m).replace_extension(".args"));
    by_rcpt[args.substr(args.rfind(' ') + 1, args.size() - args.rfind(' ') - 2)] = slurp(m);
    EXPECT_EQ(args.rfind("-i -f dmarc-reports@receiver.example -- ", 0), 0u) << args;
  }
  ASSERT_TRUE(by_rcpt.count("rua@example.com"));
  ASSERT_TRUE(by_rcpt.count("dmarc@reports.example.org"));
  EXPECT_NE(by_rcpt["rua@example.com"].find("Subject: Report Domain: example.com Submitter: receiver.example "
                                            "Report-ID: <86400.172799.example.com>"),
            std::string::npos);
  EXPECT_NE(first.err.find("exceeds the limit of 0 bytes"), std::string::npos) << first.err;
  EXPECT_NE(first.err.find("scheme not supported"), std::string::npos) << first.err;

  const auto second = send({});
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(files(dir_.file("mail"), ".eml").size(), 2u) << second.err;
}

TEST_F(ReportSend, UnreachableSendmailLosesNothing) {
  const auto broken = send({"--sendmail", dir_.file("no-such-sendmail")});
  EXPECT_EQ(broken.exit_code, 75) << broken.err;
  EXPECT_NE(broken.err.find("no-such-sendmail"), std::string::npos) << broken.err;
  EXPECT_TRUE(files(dir_.file("mail"), ".eml").empty());
  const auto retry = send({});
  EXPECT_EQ(retry.exit_code, 0) << retry.err;
  EXPECT_EQ(files(dir_.file("mail"), ".eml").size(), 2u);
}

TEST_F(ReportSend, OutDirectoryWritesEmlAndRecordsNothing) {
  fs::create_directory(dir_.file("out"));
  const auto out = send({"--out", dir_.file("out")});
  EXPECT_EQ(out.exit_code, 0) << out.err;
  const auto emls = files(dir_.file("out"), ".eml");
  ASSERT_EQ(emls.size(), 2u);
  EXPECT_EQ(emls[0].filename().string(),
            "receiver.example!example.com!86400!172799!86400.172799.example.com!rua@example.com.eml");
  const auto full = send({"--out", dir_.file("no-such-dir")});
  EXPECT_EQ(full.exit_code, 75) << full.err;
  EXPECT_NE(full.err.find("cannot create"), std::string::npos) << full.err;
  EXPECT_EQ(send({}).exit_code, 0);  // nothing was recorded: the real run still sends
  EXPECT_EQ(files(dir_.file("mail"), ".eml").size(), 2u);
}

// Submission settings from dmarc.conf (ReportSMTP*), the command line over them, the
// password only from a file that others cannot read; ReportCommand names sendmail.
TEST_F(ReportSend, DeliverySettingsComeFromTheConfigFile) {
  const std::string base = slurp(conf_);
  const std::string pw = dir_.write("smtp.pw", "secret\n");
  fs::permissions(pw, fs::perms::owner_read | fs::perms::owner_write);
  auto run = [&](const std::string& extra_conf, const std::vector<std::string>& extra_args) {
    return send_with(dir_.write("smtp.conf", base + extra_conf), extra_args);
  };
  const std::string smtp = "ReportSMTPServer 127.0.0.1:1\nReportSMTPUser reports\nReportSMTPHelo reports.test\n";
  // Nothing listens on port 1: the reports are tried there (and left for the next run).
  const auto refused = run(smtp + "ReportSMTPPasswordFile " + pw + "\n", {});
  EXPECT_EQ(refused.exit_code, 75) << refused.err;
  EXPECT_NE(refused.err.find("127.0.0.1"), std::string::npos) << refused.err;
  EXPECT_EQ(refused.err.find("secret"), std::string::npos) << refused.err;
  EXPECT_TRUE(files(dir_.file("mail"), ".eml").empty());
  const auto no_file = run(smtp, {});
  EXPECT_EQ(no_file.exit_code, 78) << no_file.err;
  EXPECT_NE(no_file.err.find("ReportSMTPPasswordFile"), std::string::npos) << no_file.err;
  fs::permissions(pw, fs::perms::others_read, fs::perm_options::add);
  const auto readable = run(smtp + "ReportSMTPPasswordFile " + pw + "\n", {});
  EXPECT_EQ(readable.exit_code, 78) << readable.err;
  EXPECT_NE(readable.err.find(pw), std::string::npos) << readable.err;
  // --sendmail on the command line wins over the file's server.
  const auto cli =
      run(smtp + "ReportSMTPPasswordFile " + pw + "\n", {"--sendmail", sendmail_, "--domain", "example.com"});
  EXPECT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_EQ(files(dir_.file("mail"), ".eml").size(), 1u);
  // ReportCommand's program is the sendmail of the reports too.
  const auto command = run("ReportCommand " + sendmail_ + " -t\n", {});
  EXPECT_EQ(command.exit_code, 0) << command.err;
  EXPECT_EQ(files(dir_.file("mail"), ".eml").size(), 2u);
}

TEST_F(ReportSend, ExpireRemovesOldHistory) {
  const auto r = send({"--expire", "2"});  // before 2 days + 60 s - 2 days: the day-0 record
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("dmarc-report.expired rows=1"), std::string::npos) << r.err;
}

struct OracleCount {
  int rows = 0, count = 0;
};

OracleCount dmarc_cat(const std::string& xml) {
  // -j 1: dmarc-cat's parallel jobs sometimes pair an IP with another row's count.
  auto r = cachet::testlib::run_command({"/usr/bin/dmarc-cat", "-N", "-j", "1", "-t", "xml", "-"}, xml);
  OracleCount c;
  if (!r || r->exit_code != 0) return {-1, -1};
  std::istringstream in(r->out);
  bool in_table = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("IP ", 0) == 0) {
      in_table = true;
      continue;
    }
    if (!in_table || line.empty()) continue;
    std::istringstream f(line);
    std::string ip;
    int n = 0;
    if (f >> ip >> n) {
      ++c.rows;
      c.count += n;
    }
  }
  return c;
}

OracleCount mail_dmarc(const std::string& xml_path, std::string& domain) {
  auto r = cachet::testlib::run_command(
      {"/usr/bin/perl", std::string(CACHET_SOURCE_DIR) + "/tests/integration/dmarc_report_oracle.pl", xml_path});
  if (!r || r->exit_code != 0) return {-1, -1};
  std::smatch m;
  static const std::regex kLine(R"(domain=(\S+) id=\S+ begin=\d+ end=\d+ rows=(\d+) count=(\d+))");
  if (!std::regex_search(r->out, m, kLine)) return {-1, -1};
  domain = m[1];
  return {std::stoi(m[2]), std::stoi(m[3])};
}

TEST_F(ReportSend, IndependentParsersReadWhatWeRecorded) {
  if (!fs::exists("/usr/bin/dmarc-cat") || !fs::exists("/usr/share/perl5/Mail/DMARC/Report/Receive.pm"))
    GTEST_SKIP() << "dmarc-cat or libmail-dmarc-perl not installed (scripts/packages.d/dmarc-reports.txt)";
  const std::map<std::string, OracleCount> want{{"example.com", {3, 5}}, {"example.org", {1, 2}}};
  for (const std::string format : {"rfc9990", "rfc7489"}) {
    const std::string out = dir_.file("out-" + format);
    fs::create_directory(out);
    ASSERT_EQ(send({"--out", out, "--format", format}).exit_code, 0);
    const auto emls = files(out, ".eml");
    ASSERT_EQ(emls.size(), 2u);
    for (const auto& eml : emls) {
      const std::string xml = report_of(slurp(eml));
      ASSERT_FALSE(xml.empty()) << eml;
      const std::string domain = eml.filename().string().substr(17, 11);  // after "receiver.example!"
      const OracleCount cat = dmarc_cat(xml);
      EXPECT_EQ(cat.rows, want.at(domain).rows) << format << " " << domain << "\n" << xml;
      EXPECT_EQ(cat.count, want.at(domain).count) << format << " " << domain;
      if (format != "rfc7489") continue;
      const std::string path = fs::path(eml).replace_extension(".xml");
      std::ofstream(path) << xml;
      std::string parsed_domain;
      const OracleCount md = mail_dmarc(path, parsed_domain);
      EXPECT_EQ(parsed_domain, domain);
      EXPECT_EQ(md.rows, want.at(domain).rows) << format << " " << domain;
      EXPECT_EQ(md.count, want.at(domain).count) << format << " " << domain;
    }
  }
}

}  // namespace

namespace {

// The ARF failure report (report_failure.hpp) read by Python's email package: a
// multipart/report whose parts are text/plain, message/feedback-report (with its fields)
// and text/rfc822-headers.
TEST(FailureReportOracle, PythonReadsAnArfMessage) {
  const cachet::dmarc::FailureReport r = cachet::testlib::failure_report();
  const std::string script =
      "import email, sys\n"
      "m = email.message_from_bytes(sys.stdin.buffer.read())\n"
      "parts = [p.get_content_type() for p in m.get_payload()]\n"
      "fb = m.get_payload()[1].get_payload()[0]\n"
      "print(m.get_content_type(), m.get_param('report-type'), ','.join(parts), fb['Feedback-Type'], "
      "fb['Auth-Failure'], fb['Reported-Domain'])\n";
  auto got = cachet::testlib::run_command({"/usr/bin/python3", "-c", script}, cachet::dmarc::build_failure_report(r));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->out,
            "multipart/report feedback-report text/plain,message/feedback-report,text/rfc822-headers auth-failure "
            "dmarc example.com\n")
      << got->err;
}

}  // namespace

// SPDX-License-Identifier: BSD-2-Clause
//
// tests/integration/dmarc_history_interop_test.cpp: cachet-dmarc's HistoryFile against
// opendmarc's own. The same message, DMARC record and options go through Debian's
// opendmarc in its test mode (`opendmarc -t`, TestDNSData, OPENDMARC_TEST_* for the
// envelope and client) and through the real cachet-dmarc binary (dmarc_harness.hpp); the
// two history records must be equal except for the lines that name the run (job,
// reporter, received). Skipped when opendmarc is not installed.
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/integration/dmarc_harness.hpp"
#include "tests/lib/run_command.hpp"

namespace {

using cachet::testlib::DmarcHarness;
using cachet::testlib::eventually;

constexpr const char* kOpendmarc = "/usr/sbin/opendmarc";

struct InteropCase {
  std::string name;
  std::string record;                                        // TXT of _dmarc.reject.example
  std::vector<std::pair<std::string, std::string>> headers;  // before From
  std::string options;                                       // extra config lines for both
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The record without the lines that differ by run.
std::string comparable(const std::string& text) {
  std::string out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("job ", 0) != 0 && line.rfind("reporter ", 0) != 0 && line.rfind("received ", 0) != 0)
      out += line + "\n";
  return out;
}

class HistoryInterop : public ::testing::TestWithParam<InteropCase> {};

TEST_P(HistoryInterop, SameRecordAsOpendmarc) {
  if (::access(kOpendmarc, X_OK) != 0) GTEST_SKIP() << "opendmarc not installed at " << kOpendmarc;
  const InteropCase& c = GetParam();
  DmarcHarness h;
  if (!c.record.empty()) h.zone.add_txt("_dmarc.interop.example", {c.record});
  auto m = DmarcHarness::message("a@interop.example", c.headers);
  m.mail = {"<bounce@interop.example>"};
  m.client_addr = "198.51.100.7";

  // opendmarc, test mode.
  std::string msg;
  for (const auto& [name, value] : m.headers) msg += name + ":" + value + "\n";
  msg += "\nhello\n";
  const std::string odm_history = h.dir.file("opendmarc.history");
  const std::string odm_conf =
      h.dir.write("opendmarc.conf",
                  "AuthservID mx.test\nHistoryFile " + odm_history + "\nTestDNSData " +
                      h.dir.write("dns.txt", c.record.empty() ? "" : "_dmarc.interop.example " + c.record + "\n") +
                      "\nBackground false\n" + c.options);
  auto odm = cachet::testlib::run_command({"/usr/bin/env", "OPENDMARC_TEST_ENVFROM=<bounce@interop.example>",
                                           "OPENDMARC_TEST_CLIENTIP=198.51.100.7", kOpendmarc, "-c", odm_conf, "-t",
                                           h.dir.write("msg.eml", msg)});
  ASSERT_TRUE(odm);
  ASSERT_EQ(odm->exit_code, 0) << odm->err;

  // cachet-dmarc, the real binary.
  const std::string ours = h.dir.file("cachet.history");
  h.start("HistoryFile " + ours + "\n" + c.options);
  (void)h.send(m);
  ASSERT_TRUE(eventually([&] { return slurp(ours).find("\naction ") != std::string::npos; })) << h.log();
  EXPECT_EQ(comparable(slurp(ours)), comparable(slurp(odm_history)));
}

const std::vector<std::pair<std::string, std::string>> kNone;

INSTANTIATE_TEST_SUITE_P(
    Opendmarc142, HistoryInterop,
    ::testing::Values(
        InteropCase{
            "dkim_pass_spf_softfail",
            "v=DMARC1; p=reject; rua=mailto:agg@interop.example",
            {{"Authentication-Results",
              " mx.test; dkim=pass header.d=interop.example header.s=sel; spf=softfail smtp.mailfrom=interop.example"}},
            ""},
        InteropCase{"rejected_without_auth", "v=DMARC1; p=reject", kNone, "RejectFailures yes\n"},
        InteropCase{"received_spf_strict_quarantine",
                    "v=DMARC1; p=quarantine; sp=none; fo=1; aspf=s",
                    {{"Received-SPF",
                      " Pass (mailfrom) identity=mailfrom; client-ip=198.51.100.7; helo=x; "
                      "envelope-from=bounce@interop.example; receiver=mx"}},
                    ""},
        InteropCase{
            "two_rua_and_failing_dkim",
            "v=DMARC1; p=none; adkim=s; pct=50; rua=mailto:a@x.test,mailto:b@y.test!10m",
            {{"Authentication-Results",
              " mx.test; dkim=fail header.d=interop.example header.s=s1; dkim=pass header.d=other.test header.s=s2"}},
            ""},
        InteropCase{"no_record_recorded_with_record_all", "", kNone, "RecordAllMessages yes\n"}),
    [](const auto& info) { return info.param.name; });

}  // namespace

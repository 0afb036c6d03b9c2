// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/milters/dkim/from_check_test.cpp: cachet-dkim's glue for the header From
// bound to the login: which header fields it reads (From and Sender in any case, nothing
// else), the dkim.from_login line (only when not owned), and the cross-option check that
// an enforcing policy needs a source for the maps.
#include "milters/dkim/from_check.hpp"

#include <gtest/gtest.h>

#include "common/config/config.hpp"
#include "milters/dkim/options.hpp"
#include "tests/lib/memory_files.hpp"

namespace cachet::dkimd {
namespace {

DkimState guide_state(sender::FromAction on_mismatch) {
  const tables::FileReader reader = testlib::memory_files(
      {{"/m/sendas.pcre", "/^postmaster@example\\.test$/ alice\n/^(.+)@example\\.test$/ ${1}\n"}});
  sender::MapsSettings ms;
  ms.login_maps = "pcre:/m/sendas.pcre";
  ms.system_hostname = "mail.example.test";
  std::vector<std::string> warnings;
  auto maps = sender::SenderMaps::load(ms, reader, warnings);
  EXPECT_TRUE(maps.has_value());
  DkimState st;
  st.login_maps = maps ? *maps : nullptr;
  st.from_policy.login_mismatch = on_mismatch;
  return st;
}

TEST(DkimFromCheck, ReadsFromAndSenderOnlyAndLogsMismatches) {
  const DkimState st = guide_state(sender::FromAction::nosign);
  log::CaptureLogger logger;
  const std::vector<mail::HeaderField> own = {{"FROM", " alice@example.test"},
                                              {"Resent-From", " bob@example.test"},
                                              {"Reply-To", " bob@example.test"},
                                              {"sender", " postmaster@example.test"}};
  EXPECT_EQ(check_header_from(st, own, "alice", "Q1", logger).action, sender::FromAction::sign);
  EXPECT_TRUE(logger.lines().empty());
  const std::vector<mail::HeaderField> bob = {{"From", " alice@example.test"},
                                              {"Sender", " Bob\r\n <bob@example.test>"}};
  const auto d = check_header_from(st, bob, "alice", "Q2", logger);
  EXPECT_EQ(d.action, sender::FromAction::nosign);
  ASSERT_EQ(logger.lines().size(), 1u);
  EXPECT_TRUE(
      logger.contains("dkim.from_login qid=Q2 login=alice field=Sender "
                      "address=bob@example.test verdict=not_owned action=nosign "
                      "rule=/m/sendas.pcre:2 owners=bob why=\"not owned by user alice\""))
      << logger.lines()[0];
}

TEST(DkimFromCheck, EnforcingNeedsASourceForTheMaps) {
  auto problems = [](std::string_view text) {
    const auto out = config::parse_config(text, "dkim.conf", kDkimOptions);
    EXPECT_TRUE(out.ok());
    std::string all;
    for (const auto& p : validate_config(*out.config)) all += p.option + ": " + p.message + "\n";
    return all;
  };
  EXPECT_EQ(problems("FromLoginMismatch reject\n"), "");  // main.cf by default
  EXPECT_NE(problems("FromLoginMismatch reject\nPostfixMainCf none\n").find("SenderLoginMaps"), std::string::npos);
  EXPECT_EQ(problems("PostfixMainCf none\n"), "");  // check off: nothing read
  EXPECT_NE(problems("InternalFromMismatch nosign\nAllowAliasOwners yes\n").find("AliasMaps"), std::string::npos);
  const auto bad = config::parse_config("FromLoginMismatch tempfail\n", "dkim.conf", kDkimOptions);
  EXPECT_FALSE(bad.ok());
}

}  // namespace
}  // namespace cachet::dkimd

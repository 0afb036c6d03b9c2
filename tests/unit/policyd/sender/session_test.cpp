// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/policyd/sender/session_test.cpp: cachet-sender's maps and handler: lookup
// order with main.cf facts, alias owners, bad maps, PCRE2 limits, logging and reload on a
// change on disk (fake clock, real files in a temp dir).
#include "policyd/sender/session.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "tests/lib/memory_files.hpp"
#include "tests/lib/temp_dir.hpp"

namespace cachet::senderd {
namespace {

using namespace std::chrono_literals;

// In-memory files for the pure paths.
tables::FileReader memory(std::map<std::string, std::string> files) { return testlib::memory_files(std::move(files)); }

constexpr std::string_view kMainCf =
    "myhostname = mail.example.test\nmydomain = example.test\nmyorigin = $mydomain\n"
    "mydestination = localhost\nrecipient_delimiter = +\n"
    "smtpd_sender_login_maps = pcre:/m/sendas.pcre, texthash:/m/owners\n";

MapsSettings settings(bool aliases = false) {
  MapsSettings s;
  s.main_cf = "/m/main.cf";
  s.system_hostname = "host.invalid";
  if (aliases) {
    s.alias_files = {"/m/aliases"};
    s.allow_alias_owners = true;
  }
  return s;
}

std::map<std::string, std::string> guide_files() {
  return {{"/m/main.cf", std::string(kMainCf)},
          {"/m/sendas.pcre", "/^postmaster@example\\.test$/ alice\n/^(.+)@example\\.test$/ ${1}\n"},
          {"/m/owners", "bob@other.test bob\nshared carol\n@third.test dave\n"},
          {"/m/aliases", "team: alice, bob@example.test\nroot: carol\n"}};
}

std::shared_ptr<const SenderMaps> load(const MapsSettings& s, std::map<std::string, std::string> files) {
  std::vector<std::string> warnings;
  auto m = SenderMaps::load(s, memory(std::move(files)), warnings);
  EXPECT_TRUE(m.has_value()) << (m ? "" : m.error().detail);
  return m ? *m : nullptr;
}

std::string first_owner(const SenderMaps& m, std::string_view sender) {
  auto got = m.lookup(sender);
  if (!got) return "error: " + got.error().detail;
  return got->empty() ? "(none)" : (*got)[0].owners + " @" + (*got)[0].rule;
}

TEST(SenderMaps, LoginMapsComeFromMainCfInPostfixOrder) {
  const auto m = load(settings(), guide_files());
  ASSERT_TRUE(m);
  EXPECT_EQ(first_owner(*m, "postmaster@example.test"), "alice @/m/sendas.pcre:1");
  EXPECT_EQ(first_owner(*m, "bob@example.test"), "bob @/m/sendas.pcre:2");
  // pcre sees only the full address: the extension is part of ${1}.
  EXPECT_EQ(first_owner(*m, "bob+x@example.test"), "bob+x @/m/sendas.pcre:2");
  EXPECT_EQ(first_owner(*m, "bob@other.test"), "bob @/m/owners:1");
  EXPECT_EQ(first_owner(*m, "x@third.test"), "dave @/m/owners:3");  // @domain key
  EXPECT_EQ(first_owner(*m, "shared@other.test"), "(none)");        // not a local domain
  // Unqualified: @$myorigin appended, as trivial-rewrite does.
  EXPECT_EQ(first_owner(*m, "carol"), "carol @/m/sendas.pcre:2");
}

TEST(SenderMaps, BareUserKeyOnlyForLocalDomains) {
  MapsSettings s = settings();
  s.login_maps = "texthash:/m/owners";
  s.local_domains = {"local.test"};
  const auto m = load(s, guide_files());
  ASSERT_TRUE(m);
  EXPECT_EQ(first_owner(*m, "shared@local.test"), "carol @/m/owners:2");
  EXPECT_EQ(first_owner(*m, "shared+tag@local.test"), "carol @/m/owners:2");
  EXPECT_EQ(first_owner(*m, "shared@remote.test"), "(none)");
}

TEST(SenderMaps, AliasMembersOwnTheAlias) {
  MapsSettings s = settings(true);
  s.login_maps = "texthash:/m/owners";
  const auto m = load(s, guide_files());
  ASSERT_TRUE(m);
  auto got = m->lookup("team@example.test");
  ASSERT_TRUE(got.has_value());
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].rule, "/m/aliases:1");
  EXPECT_TRUE(sender::is_owner((*got)[0].owners, "alice"));
  EXPECT_TRUE(sender::is_owner((*got)[0].owners, "bob"));  // bob@example.test, a local domain
  EXPECT_FALSE(sender::is_owner((*got)[0].owners, "carol"));
  EXPECT_EQ(first_owner(*m, "team@remote.test"), "(none)");
}

struct BadMapCase {
  std::string_view name, file;
  std::string text;
  std::string_view want_in_error;
};
class BadMaps : public ::testing::TestWithParam<BadMapCase> {};

TEST_P(BadMaps, FailToLoadWithFileAndLine) {
  const BadMapCase& c = GetParam();
  auto files = guide_files();
  files[std::string(c.file)] = c.text;
  std::vector<std::string> warnings;
  const auto m = SenderMaps::load(settings(), memory(files), warnings);
  ASSERT_FALSE(m.has_value()) << c.name;
  EXPECT_EQ(m.error().code, Errc::config) << c.name;
  EXPECT_NE(m.error().detail.find(c.want_in_error), std::string::npos) << c.name << ": " << m.error().detail;
}
INSTANTIATE_TEST_SUITE_P(
    Rows, BadMaps,
    ::testing::Values(BadMapCase{"regex does not compile", "/m/sendas.pcre", "/^a/ x\n/(/ y\n", "sendas.pcre:2"},
                      BadMapCase{"unbalanced if", "/m/sendas.pcre", "if /a/\n/b/ c\n", "sendas.pcre:1"},
                      BadMapCase{"unbalanced endif", "/m/sendas.pcre", "/b/ c\nendif\n", "sendas.pcre:2"},
                      BadMapCase{"nul byte", "/m/sendas.pcre", std::string("/a/ b\n/c\0/ d\n", 13), "sendas.pcre:2"},
                      BadMapCase{"huge line", "/m/owners", std::string(70 * 1024, 'k') + " v\n", "owners:1"},
                      BadMapCase{"texthash entry without value", "/m/owners", "a b\nlonely\n", "owners:2"},
                      BadMapCase{"main.cf syntax", "/m/main.cf", "myorigin example.test\n", "main.cf:1"},
                      BadMapCase{"no login maps", "/m/main.cf", "myorigin = x\n", "no sender login maps"}));

TEST(SenderMaps, MissingFileIsAConfigError) {
  auto files = guide_files();
  files.erase("/m/owners");
  std::vector<std::string> warnings;
  const auto m = SenderMaps::load(settings(), memory(files), warnings);
  ASSERT_FALSE(m.has_value());
  EXPECT_NE(m.error().detail.find("/m/owners"), std::string::npos);
}

policy::Request request(std::string_view state, std::string_view sender, std::string_view login) {
  policy::Request r;
  r.add("request", "smtpd_access_policy");
  r.add("protocol_state", state);
  r.add("queue_id", "Q1");
  r.add("sender", sender);
  if (!login.empty()) r.add("sasl_username", login);
  return r;
}

std::shared_ptr<SenderHandler> handler(std::map<std::string, std::string> files, log::Logger& logger,
                                       HandlerSettings hs = {}) {
  hs.maps = settings();
  auto h = SenderHandler::create(hs, memory(std::move(files)), logger);
  EXPECT_TRUE(h.has_value()) << (h ? "" : h.error().detail);
  return h ? *h : nullptr;
}

TEST(SenderHandler, AnswersAndLogsTheRule) {
  log::CaptureLogger logger;
  auto h = handler(guide_files(), logger);
  ASSERT_TRUE(h);
  const policy::ConnectionInfo conn{1, "t"};
  EXPECT_EQ(h->handle(request("RCPT", "postmaster@example.test", "alice"), conn).value(), "DUNNO");
  EXPECT_TRUE(
      logger.contains("sender.decision qid=Q1 sender=postmaster@example.test login=alice "
                      "decision=allowed rule=/m/sendas.pcre:1 owners=alice why=owner"))
      << logger.lines().back();
  EXPECT_EQ(h->handle(request("MAIL", "bob@example.test", "alice"), conn).value(), "553 5.7.1 not owned by user alice");
  EXPECT_EQ(h->handle(request("RCPT", "bob@example.test", ""), conn).value(), "553 5.7.1 not logged in");
}

TEST(SenderHandler, StagesBeforeMailAndMissingAttributesAreSafe) {
  log::CaptureLogger logger;
  auto h = handler(guide_files(), logger);
  ASSERT_TRUE(h);
  const policy::ConnectionInfo conn{1, "t"};
  EXPECT_EQ(h->handle(request("EHLO", "bob@example.test", "alice"), conn).value(), "DUNNO");
  policy::Request no_sender;  // no sender attribute: the null sender, never checked
  no_sender.add("request", "smtpd_access_policy");
  no_sender.add("protocol_state", "RCPT");
  no_sender.add("sasl_username", "alice");
  EXPECT_EQ(h->handle(no_sender, conn).value(), "DUNNO");
  policy::Request no_login;  // no sasl_username: not authenticated
  no_login.add("request", "smtpd_access_policy");
  no_login.add("protocol_state", "RCPT");
  no_login.add("sender", "alice@example.test");
  EXPECT_EQ(h->handle(no_login, conn).value(), "553 5.7.1 not logged in");
}

TEST(SenderHandler, CatastrophicBacktrackingIsATemporaryFailureNeverAPermit) {
  auto files = guide_files();
  files["/m/sendas.pcre"] = "/^(a|aa)+$/ alice\n/^(.+)@example\\.test$/ ${1}\n";
  log::CaptureLogger logger;
  auto h = handler(files, logger);
  ASSERT_TRUE(h);
  const std::string evil = std::string(60, 'a') + "!@example.test";
  const auto got = h->handle(request("RCPT", evil, "alice"), policy::ConnectionInfo{1, "t"});
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, "DEFER_IF_PERMIT 4.3.0 Temporary lookup failure");
  EXPECT_TRUE(logger.contains("decision=lookup_failed"));
}

TEST(SenderHandler, OverlongSenderIsRefusedNotPermitted) {
  log::CaptureLogger logger;
  auto h = handler(guide_files(), logger);
  ASSERT_TRUE(h);
  const std::string huge = std::string(5000, 'a') + "@example.test";
  const auto got = h->handle(request("RCPT", huge, "alice"), policy::ConnectionInfo{1, "t"});
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, "DEFER_IF_PERMIT 4.3.5 Server configuration error");
}

// Reload on change, with real files (stat) and a fake clock.
class SenderReload : public ::testing::Test {
 protected:
  SenderReload() : dir_("cachet-sender-reload") {
    map_ = dir_.write("sendas.pcre", "/^(.+)@example\\.test$/ ${1}\n");
    hs_.maps.login_maps = "pcre:" + map_;
    hs_.maps.system_hostname = "mail.example.test";
    hs_.maps.local_domains = {"example.test"};
    hs_.reload_check_interval = 1s;
    auto h = SenderHandler::create(hs_, tables::read_table_file, logger_, [this] { return now_; });
    EXPECT_TRUE(h.has_value()) << (h ? "" : h.error().detail);
    h_ = *h;
  }
  std::string ask(std::string_view sender) {
    return h_->handle(request("RCPT", sender, "alice"), policy::ConnectionInfo{1, "t"}).value();
  }

  testlib::TempDir dir_;
  std::string map_;
  HandlerSettings hs_;
  log::CaptureLogger logger_;
  SenderHandler::Clock::time_point now_{};
  std::shared_ptr<SenderHandler> h_;
};

TEST_F(SenderReload, ChecksAtMostOncePerIntervalThenReloads) {
  ASSERT_EQ(ask("bob@example.test").substr(0, 3), "553");
  dir_.write("sendas.pcre", "/^bob@example\\.test$/ alice\n");
  now_ += 500ms;
  EXPECT_EQ(ask("bob@example.test").substr(0, 3), "553");  // interval not over: no stat
  now_ += 600ms;
  EXPECT_EQ(ask("bob@example.test"), "DUNNO");
  EXPECT_TRUE(logger_.contains("sender.maps_reloaded"));
}

TEST_F(SenderReload, BrokenEditKeepsLastGoodMapsAndLogsFileLine) {
  dir_.write("sendas.pcre", "/^bob@example\\.test$/ alice\n/(/ x\n");
  now_ += 2s;
  EXPECT_EQ(ask("alice@example.test"), "DUNNO");  // old map still answers
  EXPECT_EQ(ask("bob@example.test").substr(0, 3), "553");
  EXPECT_TRUE(logger_.contains("sender.reload_failed"));
  EXPECT_TRUE(logger_.contains("sendas.pcre:2"));
  // Logged once per distinct failure, not once per check.
  const auto lines = logger_.lines().size();
  now_ += 2s;
  (void)ask("alice@example.test");
  std::size_t failures = 0;
  for (const auto& l : logger_.lines())
    if (l.find("reload_failed") != std::string::npos) ++failures;
  EXPECT_EQ(failures, 1u);
  EXPECT_GT(logger_.lines().size(), lines);
  // Fixed: the next check loads it.
  dir_.write("sendas.pcre", "/^bob@example\\.test$/ alice\n");
  now_ += 2s;
  EXPECT_EQ(ask("bob@example.test"), "DUNNO");
}

TEST_F(SenderReload, DeletedMapKeepsLastGood) {
  ASSERT_EQ(::unlink(map_.c_str()), 0);
  now_ += 2s;
  EXPECT_EQ(ask("alice@example.test"), "DUNNO");
  EXPECT_TRUE(logger_.contains("sender.reload_failed"));
}

}  // namespace
}  // namespace cachet::senderd

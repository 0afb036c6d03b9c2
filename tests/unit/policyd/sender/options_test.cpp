// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/policyd/sender/options_test.cpp: cachet-sender's option table is sound, and
// every option is documented in cachet-sender.8.md with the same default (STYLE.md s8).
#include "policyd/sender/options.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "common/config/config.hpp"
#include "policyd/sender/daemon.hpp"

namespace cachet::senderd {
namespace {

std::string man_page() {
  std::ifstream in(std::string(CACHET_SOURCE_DIR) + "/policyd/sender/cachet-sender.8.md");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(SenderOptions, TableIsSound) { EXPECT_TRUE(config::validate_table(kSenderOptions).empty()); }

TEST(SenderOptions, EveryOptionIsInTheManPageWithItsDefault) {
  const std::string page = man_page();
  ASSERT_FALSE(page.empty());
  for (const auto& o : kSenderOptions) {
    const std::string row = "| " + std::string(o.name) + " | " + std::string(o.default_value) + " | ";
    EXPECT_NE(page.find(row), std::string::npos) << "man page lacks the row '" << row << "'";
  }
  for (const char* section : {"## SYNOPSIS", "## DESCRIPTION", "## CONFIGURATION", "## SECURITY", "## DIAGNOSTICS",
                              "## STANDARDS", "## BUGS"})
    EXPECT_NE(page.find(section), std::string::npos) << section;
}

TEST(SenderOptions, DefaultsParse) {
  const auto outcome = config::parse_config("", "sender.conf", kSenderOptions);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome.config->string("Socket"), "local:/run/cachet-sender/sender.sock");
  EXPECT_EQ(sender::parse_mismatch_policy(outcome.config->string("MismatchPolicy")), sender::MismatchPolicy::all);
  EXPECT_EQ(sender::parse_table_error_action(outcome.config->string("OnTableError")),
            sender::TableErrorAction::defer_if_permit);
}

TEST(SenderOptions, UnknownOptionAndBadChoiceAreErrors) {
  EXPECT_FALSE(config::parse_config("SenderLoginMap pcre:/x\n", "s.conf", kSenderOptions).ok());
  EXPECT_FALSE(config::parse_config("MismatchPolicy permit\n", "s.conf", kSenderOptions).ok());
  EXPECT_FALSE(config::parse_config("OnTableError dunno\n", "s.conf", kSenderOptions).ok());
}

struct QueryArgsCase {
  std::string_view name;
  std::vector<std::string_view> args;
  bool want_query, want_ok;
  std::string_view want_address, want_login;
};

TEST(SenderQueryArgs, ParsesOrDefers) {
  const QueryArgsCase cases[] = {
      {"daemon mode", {"-f", "-c", "x.conf"}, false, false, "", ""},
      {"address and login", {"-q", "a@b", "alice"}, true, true, "a@b", "alice"},
      {"config first", {"-c", "x.conf", "-q", "a@b"}, true, true, "a@b", ""},
      {"long form", {"--query", "a@b", "alice", "--config", "y"}, true, true, "a@b", "alice"},
      {"no address", {"-q"}, true, false, "", ""},
      {"too many", {"-q", "a", "b", "c"}, true, false, "", ""},
      {"unknown flag", {"-q", "-x", "a"}, true, false, "", ""},
      {"-c without file", {"-q", "a", "-c"}, true, false, "", ""},
  };
  for (const auto& c : cases) {
    const auto got = parse_query_args(c.args);
    ASSERT_EQ(got.has_value(), c.want_query) << c.name;
    if (!got) continue;
    ASSERT_EQ(got->has_value(), c.want_ok) << c.name;
    if (!c.want_ok) continue;
    EXPECT_EQ((*got)->address, c.want_address) << c.name;
    EXPECT_EQ((*got)->login, c.want_login) << c.name;
  }
}

}  // namespace
}  // namespace cachet::senderd

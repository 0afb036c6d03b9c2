// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/daemon/cli_test.cpp: the peers' flags, long options, overrides, and
// the pure parts of privileges and pid files.
#include "common/daemon/cli.hpp"

#include <gtest/gtest.h>

#include "common/daemon/privileges.hpp"
#include "common/daemon/process.hpp"
#include "tests/unit/common/config/example_options.hpp"

namespace cachet::daemon {
namespace {

constexpr CliSpec kDkim{"cachet-dkim", 'x', false};
constexpr CliSpec kDmarc{"cachet-dmarc", 'c', false};
constexpr CliSpec kSpf{"cachet-spf", 'x', true};

Result<CommandLine> parse(const CliSpec& spec, std::initializer_list<std::string_view> args) {
  const std::vector<std::string_view> v(args);
  return parse_command_line(spec, v);
}

TEST(Cli, EmptyCommandLine) {
  const auto got = parse(kDkim, {});
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->config_path);
  EXPECT_FALSE(got->foreground);
  EXPECT_FALSE(got->check_only);
}

TEST(Cli, OpendkimFlags) {
  const auto got = parse(
      kDkim, {"-x", "/etc/opendkim.conf", "-f", "-p", "local:/s", "-u", "opendkim:postfix", "-P", "/run/x.pid", "-l"});
  ASSERT_TRUE(got) << got.error().detail;
  EXPECT_EQ(got->config_path, "/etc/opendkim.conf");
  EXPECT_TRUE(got->foreground);
  EXPECT_EQ(got->socket, "local:/s");
  EXPECT_EQ(got->user, "opendkim:postfix");
  EXPECT_EQ(got->pid_file, "/run/x.pid");
  EXPECT_TRUE(got->syslog);
}

TEST(Cli, CombinedAndAttachedShortFlags) {
  const auto got = parse(kDkim, {"-fnx/etc/a.conf"});
  ASSERT_TRUE(got) << got.error().detail;
  EXPECT_TRUE(got->foreground);
  EXPECT_TRUE(got->check_only);
  EXPECT_EQ(got->config_path, "/etc/a.conf");
}

TEST(Cli, OpendmarcUsesC) {
  auto got = parse(kDmarc, {"-c", "/etc/opendmarc.conf", "-n"});
  ASSERT_TRUE(got);
  EXPECT_EQ(got->config_path, "/etc/opendmarc.conf");
  EXPECT_FALSE(parse(kDmarc, {"-x", "/etc/opendkim.conf"}));
}

TEST(Cli, LongOptions) {
  auto got = parse(kDkim, {"--config=/a", "--foreground", "--socket", "inet:1", "--version", "--help", "--print-config",
                           "--pid-file=/p", "--user", "u"});
  ASSERT_TRUE(got) << got.error().detail;
  EXPECT_EQ(got->config_path, "/a");
  EXPECT_EQ(got->socket, "inet:1");
  EXPECT_TRUE(got->version && got->help && got->print_config && got->check_only);
  EXPECT_EQ(got->pid_file, "/p");
  EXPECT_EQ(got->user, "u");
}

TEST(Cli, PositionalConfigForPolicydSpf) {
  auto got = parse(kSpf, {"/etc/postfix-policyd-spf-python/policyd-spf.conf"});
  ASSERT_TRUE(got);
  EXPECT_EQ(got->config_path, "/etc/postfix-policyd-spf-python/policyd-spf.conf");
  got = parse(kSpf, {"--", "-odd-name.conf"});
  ASSERT_TRUE(got);
  EXPECT_EQ(got->config_path, "-odd-name.conf");
  EXPECT_FALSE(parse(kSpf, {"a.conf", "b.conf"}));
  EXPECT_FALSE(parse(kSpf, {"-x", "a.conf", "b.conf"}));
}

struct BadCase {
  std::string_view name;
  std::vector<std::string_view> args;
  std::string_view want_error;
};
class CliErrors : public ::testing::TestWithParam<BadCase> {};
TEST_P(CliErrors, AreReportedInOneLine) {
  const BadCase& c = GetParam();
  const auto got = parse_command_line(kDkim, c.args);
  ASSERT_FALSE(got) << c.name;
  EXPECT_EQ(got.error().code, Errc::config);
  EXPECT_EQ(got.error().detail, c.want_error) << c.name;
}
INSTANTIATE_TEST_SUITE_P(
    Rows, CliErrors,
    ::testing::Values(
        BadCase{"unknown short", {"-A"}, "unknown option '-A'"},
        BadCase{"unknown long", {"--frobnicate"}, "unknown option '--frobnicate'"},
        BadCase{"long typo", {"--check-confg"}, "unknown option '--check-confg'; did you mean --check-config?"},
        BadCase{"long typo, case", {"--Foreground"}, "unknown option '--Foreground'; did you mean --foreground?"},
        BadCase{"missing argument", {"-x"}, "option -x needs an argument"},
        BadCase{"missing long argument", {"--socket"}, "option --socket needs an argument"},
        BadCase{"argument to flag", {"--foreground=yes"}, "option '--foreground' takes no argument"},
        BadCase{"bare argument", {"extra"}, "unexpected argument 'extra'"},
        BadCase{"config twice", {"-x", "a", "--config", "b"}, "configuration file given twice"}));

TEST(Cli, UsageNamesTheConfigFlag) {
  EXPECT_NE(usage(kDmarc).find("-c, --config FILE"), std::string::npos);
  EXPECT_NE(usage(kSpf).find("[config]"), std::string::npos);
}

TEST(Cli, DumpOptionsIsAHiddenLongFlag) {
  const auto got = parse(kDkim, {"--dump-options"});
  ASSERT_TRUE(got);
  EXPECT_TRUE(got->dump_options);
  EXPECT_EQ(usage(kDkim).find("dump-options"), std::string::npos);
}

TEST(Cli, DumpOptionsPrintsOneTabSeparatedLinePerOption) {
  static constexpr config::OptionSpec kSmall[] = {
      {"Socket", config::Kind::socket, "local:/run/x.sock", "where the MTA connects"},
      {"LDAPUseTLS", config::Kind::boolean, "no", "LDAP\tkey\nstore", config::Support::accepted_no_effect},
      {"UserID", config::Kind::string, "", "user"},
  };
  EXPECT_EQ(dump_options(kSmall),
            "Socket\tsocket\tlocal:/run/x.sock\timplemented\twhere the MTA connects\n"
            "LDAPUseTLS\tboolean\tno\taccepted_no_effect\tLDAP key store\n"
            "UserID\tstring\t\timplemented\tuser\n");
}

TEST(Cli, OverridesOnlyForDeclaredRuntimeOptions) {
  static constexpr config::OptionSpec kSmall[] = {
      {"Socket", config::Kind::socket, "", "socket"},
  };
  CommandLine cl;
  cl.socket = "local:/s";
  cl.foreground = true;
  cl.syslog = true;
  auto got = cli_overrides(cl, kSmall);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].name, "Socket");
  got = cli_overrides(cl, config::testing::kExampleOptions);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[1].name, "Syslog");
  EXPECT_EQ(got[2].name, "Background");
  EXPECT_EQ(got[2].value, "no");
}

struct UserCase {
  std::string_view input;
  bool want_ok;
  std::string_view user, group;
};
class UserSpecs : public ::testing::TestWithParam<UserCase> {};
TEST_P(UserSpecs, ParsesUserAndGroup) {
  const UserCase& c = GetParam();
  const auto got = parse_user_spec(c.input);
  ASSERT_EQ(got.has_value(), c.want_ok) << c.input;
  if (got) {
    EXPECT_EQ(got->user, c.user);
    EXPECT_EQ(got->group, c.group);
  }
}
INSTANTIATE_TEST_SUITE_P(Rows, UserSpecs,
                         ::testing::Values(UserCase{"opendkim", true, "opendkim", ""},
                                           UserCase{"opendkim:postfix", true, "opendkim", "postfix"},
                                           UserCase{"", false, "", ""}, UserCase{":postfix", false, "", ""},
                                           UserCase{"opendkim:", false, "", ""}, UserCase{"a:b:c", false, "", ""},
                                           UserCase{std::string_view("a\0b", 3), false, "", ""}));

TEST(Privileges, UnknownUserIsAConfigError) {
  const auto got = resolve_user(UserSpec{"cachet-no-such-user-xyz", ""});
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, Errc::config);
  EXPECT_EQ(got.error().detail.rfind("unknown user 'cachet-no-such-user-xyz'", 0), 0u);
}

TEST(Privileges, RootResolvesAndKnownGroupOverridesPrimary) {
  const auto got = resolve_user(UserSpec{"root", "root"});
  ASSERT_TRUE(got) << got.error().detail;
  EXPECT_EQ(got->uid, 0u);
  EXPECT_EQ(got->gid, 0u);
  EXPECT_FALSE(resolve_user(UserSpec{"root", "cachet-no-such-group-xyz"}));
}

TEST(PidText, ParsesOnlyPositivePids) {
  EXPECT_EQ(parse_pid_text("1234\n"), 1234);
  EXPECT_EQ(parse_pid_text(" 7 "), 7);
  EXPECT_FALSE(parse_pid_text(""));
  EXPECT_FALSE(parse_pid_text("0"));
  EXPECT_FALSE(parse_pid_text("-5"));
  EXPECT_FALSE(parse_pid_text("12ab"));
  EXPECT_FALSE(parse_pid_text("99999999999999999999"));
}

}  // namespace
}  // namespace cachet::daemon

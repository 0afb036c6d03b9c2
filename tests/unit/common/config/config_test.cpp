// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/config/config_test.cpp: the two-dialect parser, Config getters, check
// mode, ConfigHolder.
#include "common/config/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include <unistd.h>

#include "tests/unit/common/config/example_options.hpp"

namespace cachet::config {
namespace {

using testing::kExampleOptions;

ConfigOutcome parse(std::string_view text, const ParseOptions& options = {}) {
  return parse_config(text, "t.conf", kExampleOptions, options);
}

std::vector<std::string> problem_lines(const ConfigOutcome& out) {
  std::vector<std::string> lines;
  for (const Problem& p : out.problems) lines.push_back(p.to_string());
  return lines;
}

TEST(ConfigTable, ExampleTableIsSound) { EXPECT_TRUE(validate_table(kExampleOptions).empty()); }

TEST(ConfigTable, ValidateTableFindsDeveloperMistakes) {
  static constexpr OptionSpec kBad[] = {
      {"Dup", Kind::integer, "x", "bad default"},
      {"dup", Kind::string, "", "duplicate name"},
      {"Has Space", Kind::string, "", "bad name"},
      {"Pick", Kind::choice, "a", "no alternatives"},
  };
  const auto got = validate_table(kBad);
  ASSERT_EQ(got.size(), 5u);  // the choice default fails too
  EXPECT_EQ(got[0], "Dup: default 'x' is not an integer");
  EXPECT_EQ(got[1], "dup: declared twice");
  // A broken table is reported by parse_config as an error, never silently used.
  const auto out = parse_config("", "t.conf", kBad);
  EXPECT_FALSE(out.ok());
}

TEST(ConfigParse, EmptyTextGivesDefaults) {
  const auto out = parse("");
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out.problems.empty());
  const Config& c = *out.config;
  EXPECT_EQ(c.string("Socket"), "local:/run/example.sock");
  EXPECT_TRUE(c.boolean("Background"));
  EXPECT_EQ(c.integer("UMask"), 077);
  EXPECT_EQ(c.seconds("DNSTimeout"), std::chrono::seconds(5));
  EXPECT_EQ(c.action("On-BadSignature"), Action::accept);
  EXPECT_EQ(c.string("HELO_reject"), "Fail");
  EXPECT_TRUE(c.list("TrustedAuthservIDs").empty());
  EXPECT_FALSE(c.is_set("Socket"));
  EXPECT_FALSE(c.origin("Socket").has_value());
  EXPECT_EQ(c.string("PidFile"), "");
}

TEST(ConfigParse, ReadsOpendkimDialect) {
  const auto out = parse(
      "# opendkim style\n"
      "Socket\tinet:8891@127.0.0.1\n"
      "  syslog   yes  \n"
      "UMASK 002\n"
      "DNSTimeout 10\n");
  ASSERT_TRUE(out.ok()) << ::testing::PrintToString(problem_lines(out));
  const Config& c = *out.config;
  EXPECT_EQ(c.string("Socket"), "inet:8891@127.0.0.1");
  EXPECT_TRUE(c.boolean("Syslog"));
  EXPECT_EQ(c.integer("UMask"), 2);
  EXPECT_EQ(c.seconds("DNSTimeout").count(), 10);
  ASSERT_TRUE(c.origin("Syslog").has_value());
  EXPECT_EQ(c.origin("Syslog")->to_string(), "t.conf:3");
}

TEST(ConfigParse, ReadsPolicydSpfDialect) {
  const auto out = parse(
      "HELO_reject = SPF_Not_Pass\n"
      "Reason_Message = Message {rejectdefer} due to: {spf}. Please see {url}\n"
      "DNSTimeout=3\n");
  ASSERT_TRUE(out.ok()) << ::testing::PrintToString(problem_lines(out));
  EXPECT_EQ(out.config->string("HELO_reject"), "SPF_Not_Pass");
  EXPECT_EQ(out.config->string("Reason_Message"), "Message {rejectdefer} due to: {spf}. Please see {url}");
  EXPECT_EQ(out.config->seconds("DNSTimeout").count(), 3);
}

TEST(ConfigParse, HashStartsACommentAnywhere) {
  const auto out = parse("Syslog yes # trailing\n#Syslog no\n   # indented comment\n\n\r\n");
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(out.config->boolean("Syslog"));
  EXPECT_EQ(out.config->string("Syslog"), "yes");
}

TEST(ConfigParse, AcceptsCrlfAndNoFinalNewline) {
  const auto out = parse("Syslog yes\r\nDNSTimeout 7");
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out.config->seconds("DNSTimeout").count(), 7);
}

TEST(ConfigParse, LastRepeatWinsWithAWarning) {
  const auto out = parse("DNSTimeout 5\nDNSTimeout 9\n");
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out.config->seconds("DNSTimeout").count(), 9);
  ASSERT_EQ(out.problems.size(), 1u);
  EXPECT_EQ(out.problems[0].severity, Severity::warning);
  EXPECT_EQ(out.problems[0].to_string(), "t.conf:2: DNSTimeout: overrides the value set at t.conf:1");
}

TEST(ConfigParse, ListLinesAppend) {
  const auto out = parse("TrustedAuthservIDs mx1.example, mx2.example\nTrustedAuthservIDs mx3\n");
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out.config->list("TrustedAuthservIDs"), (std::vector<std::string>{"mx1.example", "mx2.example", "mx3"}));
  EXPECT_TRUE(out.problems.empty());
}

TEST(ConfigParse, UnknownNameIsAnError) {
  const auto out = parse("Sokcet local:/x\n");
  EXPECT_FALSE(out.ok());
  EXPECT_EQ(problem_lines(out),
            std::vector<std::string>{"t.conf:1: Sokcet: unknown option; fix: did you mean Socket?"});
}

TEST(ConfigParse, NoEffectOptionWarnsOnce) {
  const auto out = parse("LDAPUseTLS yes\n");
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(problem_lines(out), std::vector<std::string>{"t.conf:1: LDAPUseTLS: accepted but has no effect"});
  EXPECT_EQ(out.problems[0].severity, Severity::warning);
}

TEST(ConfigParse, ObsoleteNameIsAnErrorWithItsDoc) {
  const auto out = parse("ForensicReports yes\n");
  EXPECT_FALSE(out.ok());
  EXPECT_EQ(problem_lines(out),
            std::vector<std::string>{"t.conf:1: ForensicReports: renamed to FailureReports in 1.3.0"});
}

TEST(ConfigParse, CollectsEveryProblem) {
  const auto out = parse(
      "DNSTimeout 90\n"      // range
      "Syslog maybe\n"       // boolean
      "Bogus 1\n"            // unknown
      "UMask 9\n"            // octal
      "Socket ftp:x\n"       // socket
      "On-BadSignature x\n"  // action
      "HELO_reject Nope\n"   // choice
      "PidFile\n"            // missing value
      "=oops\n"              // malformed
      "InternalHosts ldap://x\n"
      "LDAPUseTLS yes\n");  // warning only
  EXPECT_FALSE(out.ok());
  const std::vector<std::string> want = {
      "t.conf:1: DNSTimeout: 90 exceeds maximum 30",
      "t.conf:2: Syslog: 'maybe' is not a boolean (yes/no, true/false, 1/0)",
      "t.conf:3: Bogus: unknown option",
      "t.conf:4: UMask: '9' is not an octal number",
      "t.conf:5: Socket: 'ftp:x': unknown socket type 'ftp'",
      "t.conf:6: On-BadSignature: 'x' is not an action (accept, discard, quarantine, reject, "
      "tempfail)",
      "t.conf:7: HELO_reject: 'Nope' is not one of Fail,SPF_Not_Pass,Softfail,False",
      "t.conf:8: PidFile: missing value",
      "t.conf:9: malformed line (expected 'Name value' or 'Name = value')",
      "t.conf:10: InternalHosts: data set type 'ldap:' is not supported",
      "t.conf:11: LDAPUseTLS: accepted but has no effect",
  };
  EXPECT_EQ(problem_lines(out), want);
}

struct ValueCase {
  std::string_view name, line;
  bool want_ok;
};
class ConfigValues : public ::testing::TestWithParam<ValueCase> {};

TEST_P(ConfigValues, ChecksKindAndRange) {
  const ValueCase& c = GetParam();
  const auto got = parse(c.line);
  EXPECT_EQ(got.ok(), c.want_ok) << c.name << " line='" << c.line << "' "
                                 << ::testing::PrintToString(problem_lines(got));
}

INSTANTIATE_TEST_SUITE_P(
    Rows, ConfigValues,
    ::testing::Values(
        ValueCase{"range min", "DNSTimeout 1", true}, ValueCase{"range max", "DNSTimeout 30", true},
        ValueCase{"range max+1", "DNSTimeout 31", false}, ValueCase{"range min-1", "DNSTimeout 0", false},
        ValueCase{"seconds suffix", "DNSTimeout 1m", false},  // 60 > 30
        ValueCase{"seconds s suffix", "DNSTimeout 30s", true}, ValueCase{"negative seconds", "DNSTimeout -1", false},
        ValueCase{"integer overflow", "MaximumHeaders 99999999999999999999", false},
        ValueCase{"integer with blank", "MaximumHeaders 1 2", false},
        ValueCase{"integer plus sign", "MaximumHeaders +5", false}, ValueCase{"octal max", "UMask 777", true},
        ValueCase{"octal max+1", "UMask 1000", false}, ValueCase{"bool words", "Syslog TRUE", true},
        ValueCase{"bool letter", "Syslog n", true}, ValueCase{"bool junk", "Syslog yess", false},
        ValueCase{"action letter", "On-BadSignature r", true}, ValueCase{"action case", "On-BadSignature Reject", true},
        ValueCase{"choice case", "HELO_reject softfail", true},
        ValueCase{"socket unix", "Socket unix:/run/x.sock", true},
        ValueCase{"socket bare path", "Socket /run/x.sock", true},
        ValueCase{"socket inet6", "Socket inet6:8891@[::1]", true}, ValueCase{"socket port 0", "Socket inet:0", false},
        ValueCase{"dataset refile", "InternalHosts refile:/etc/x", true},
        ValueCase{"dataset empty file", "InternalHosts file:", false},
        ValueCase{"8-bit value", "Reason_Message Nachricht abgew\xc3\xa4hlt", true},
        ValueCase{"control byte", "Reason_Message a\x01z", false},
        ValueCase{"NUL byte", std::string_view("Reason_Message a\0z", 18), false},
        ValueCase{"8-bit name", "Sys\xc3\xa4log yes", false}, ValueCase{"name only", "Syslog", false},
        ValueCase{"equals only", "Syslog =", false}));

TEST(ConfigParse, LineAtLimitAndOverLimit) {
  std::string at_limit = "Reason_Message ";
  at_limit += std::string(kMaxConfigLineBytes - at_limit.size(), 'x');
  EXPECT_TRUE(parse(at_limit).ok());
  EXPECT_FALSE(parse(at_limit + "x").ok());
}

TEST(ConfigParse, TextOverLimitIsRejected) {
  std::string big(kMaxConfigBytes + 1, '#');
  const auto out = parse(big);
  EXPECT_FALSE(out.ok());
  ASSERT_EQ(out.problems.size(), 1u);
}

TEST(ConfigParse, ProblemListIsBounded) {
  std::string text;
  for (std::size_t i = 0; i <= kMaxProblems; ++i) text += "Bogus 1\n";
  const auto out = parse(text);
  ASSERT_EQ(out.problems.size(), kMaxProblems + 1);
  EXPECT_EQ(out.problems.back().message, "too many problems; the rest are not shown");
}

TEST(ConfigParse, OverridesReplaceFileValues) {
  ParseOptions options;
  options.overrides = {{"socket", "local:/tmp/cli.sock"}, {"TrustedAuthservIDs", "a"}};
  const auto out = parse("Socket local:/tmp/file.sock\nTrustedAuthservIDs x, y\n", options);
  ASSERT_TRUE(out.ok()) << ::testing::PrintToString(problem_lines(out));
  EXPECT_EQ(out.config->string("Socket"), "local:/tmp/cli.sock");
  EXPECT_EQ(out.config->origin("Socket")->to_string(), "command line");
  EXPECT_EQ(out.config->list("TrustedAuthservIDs"), std::vector<std::string>{"a"});
}

TEST(ConfigParse, BadOverrideIsAnError) {
  ParseOptions options;
  options.overrides = {{"Socket", "nonsense"}, {"Nope", "1"}};
  const auto out = parse("", options);
  EXPECT_FALSE(out.ok());
  ASSERT_EQ(out.problems.size(), 2u);
  EXPECT_EQ(out.problems[1].to_string(), "command line: Nope: unknown option");
}

TEST(ConfigParse, IncludeReadsNestedFilesUpToTheLimit) {
  std::map<std::string, std::string> files = {
      {"/a", "Syslog yes\nInclude /b\n"},
      {"/b", "DNSTimeout 9\nBogus\n"},
  };
  ParseOptions options;
  options.read_include = [&](const std::string& path) -> Result<std::string> {
    if (auto it = files.find(path); it != files.end()) return it->second;
    return fail(Errc::config, "cannot read " + path + ": No such file or directory");
  };
  auto out = parse("Include /a\nInclude /missing\n", options);
  EXPECT_EQ(problem_lines(out), (std::vector<std::string>{"/b:2: Bogus: unknown option",
                                                          "t.conf:2: Include: cannot read /missing: No such file or "
                                                          "directory"}));
  files["/b"] = "Include /b\n";  // self-inclusion stops at the depth limit
  out = parse("Include /b\n", options);
  ASSERT_EQ(out.problems.size(), 1u);
  EXPECT_EQ(out.problems[0].to_string(), "/b:1: Include: nested more than 5 levels");
}

TEST(ConfigParse, IncludeWithoutReaderIsAnError) { EXPECT_FALSE(parse("Include /etc/x\n").ok()); }

TEST(ConfigGetters, MisuseByCodeThrows) {
  const auto out = parse("");
  ASSERT_TRUE(out.ok());
  EXPECT_THROW((void)out.config->string("NoSuchOption"), std::logic_error);
  EXPECT_THROW((void)out.config->boolean("DNSTimeout"), std::logic_error);
  EXPECT_THROW((void)out.config->list("Socket"), std::logic_error);
  EXPECT_TRUE(out.config->has_option("socket"));
  EXPECT_FALSE(out.config->has_option("NoSuchOption"));
}

TEST(ConfigEffective, ShowsOriginDefaultsAndHidesSecrets) {
  const auto out = parse("LDAPBindPassword hunter2\nSyslog yes\nLDAPUseTLS yes\n");
  ASSERT_TRUE(out.ok());
  const std::string got = out.config->effective();
  EXPECT_NE(got.find("Syslog yes  # t.conf:2\n"), std::string::npos) << got;
  EXPECT_NE(got.find("DNSTimeout 5  # default\n"), std::string::npos) << got;
  EXPECT_NE(got.find("# PidFile (not set)\n"), std::string::npos) << got;
  EXPECT_NE(got.find("LDAPUseTLS yes  # t.conf:3, no effect\n"), std::string::npos) << got;
  EXPECT_EQ(got.find("hunter2"), std::string::npos) << got;
  EXPECT_EQ(got.find("ForensicReports"), std::string::npos) << got;
}

// Found by fuzz_config: "Reason_Message == x" holds "= x", which printed as
// "Reason_Message = x" read back as "x".
TEST(ConfigEffective, ReadsBackAValueStartingWithEquals) {
  const auto out = parse("Reason_Message == x\n");
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out.config->string("Reason_Message"), "= x");
  const std::string got = out.config->effective();
  EXPECT_NE(got.find("Reason_Message = = x  # t.conf:1\n"), std::string::npos) << got;
  const auto again = parse(got);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.config->string("Reason_Message"), "= x");
}

TEST(ConfigCheck, ExitCodesAndOutput) {
  std::ostringstream out;
  EXPECT_EQ(check_config(parse("Bogus 1\nDNSTimeout 99\n"), out), kExitConfig);
  EXPECT_EQ(out.str(), "t.conf:1: Bogus: unknown option\nt.conf:2: DNSTimeout: 99 exceeds maximum 30\n");
  std::ostringstream ok;
  EXPECT_EQ(check_config(parse("LDAPUseTLS 1\n"), ok, true), 0);
  EXPECT_EQ(ok.str().rfind("t.conf:1: LDAPUseTLS: accepted but has no effect\n", 0), 0u);
  EXPECT_NE(ok.str().find("Socket local:/run/example.sock  # default"), std::string::npos);
}

TEST(ConfigLoad, ReadsFileAndReportsMissingFile) {
  const auto dir = std::filesystem::temp_directory_path() / ("cachet_config_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto main_conf = (dir / "main.conf").string();
  const auto inc_conf = (dir / "inc.conf").string();
  std::ofstream(inc_conf) << "DNSTimeout 4\n";
  std::ofstream(main_conf) << "Syslog yes\nInclude " << inc_conf << "\n";
  auto out = load_config(main_conf, kExampleOptions);
  ASSERT_TRUE(out.ok()) << ::testing::PrintToString(problem_lines(out));
  EXPECT_EQ(out.config->seconds("DNSTimeout").count(), 4);
  EXPECT_EQ(out.config->origin("DNSTimeout")->to_string(), inc_conf + ":1");
  out = load_config((dir / "absent.conf").string(), kExampleOptions);
  EXPECT_FALSE(out.ok());
  ASSERT_EQ(out.problems.size(), 1u);
  EXPECT_NE(out.problems[0].to_string().find("No such file or directory"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(ConfigHolder, LoadedSnapshotSurvivesStore) {
  ConfigHolder holder(parse("DNSTimeout 5\n").config);
  const auto snapshot = holder.load();
  holder.store(parse("DNSTimeout 9\n").config);
  EXPECT_EQ(snapshot->seconds("DNSTimeout").count(), 5);
  EXPECT_EQ(holder.load()->seconds("DNSTimeout").count(), 9);
}

}  // namespace
}  // namespace cachet::config

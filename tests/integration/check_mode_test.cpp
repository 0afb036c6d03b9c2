// SPDX-License-Identifier: BSD-2-Clause
//
// tests/integration/check_mode_test.cpp: `-n` and startup agree. For each row of a table of
// configurations (good ones and broken ones of every kind the check mode knows: missing,
// unsafe and mismatched keys, missing tables, table rows naming unknown keys, a missing
// socket directory, a typo in an option name, a missing PSL, a missing main.cf), the real
// daemon is run twice from build/bin: once with --check-config (its exact output is
// compared) and once for real in the foreground (it must come up, or exit 78, as the check
// said). Each started daemon is stopped by pid.
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/lib/daemon_process.hpp"
#include "tests/lib/run_command.hpp"
#include "tests/lib/temp_dir.hpp"

namespace {

using cachet::testlib::DaemonProcess;
using cachet::testlib::eventually;

const std::string kBin = CACHET_BIN_DIR;

// The user running the test: the key user of a daemon without UserID.
std::string me() {
  const passwd* pw = ::getpwuid(::geteuid());
  return pw != nullptr ? pw->pw_name : std::to_string(::geteuid());
}

struct Row {
  std::string name;
  std::string binary;       // "cachet-dkim"
  std::string config_flag;  // "-x"
  // The config text; {dir} is the test's directory.
  std::string config;
  // Exact stderr of the check, one problem a line ({dir} and {conf} substituted).
  std::string want_check;
  int want_status = 0;  // 0 or 78
};

std::string expand(std::string s, const std::string& dir, const std::string& conf) {
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"{dir}", dir}, {"{conf}", conf}})
    for (std::size_t at; (at = s.find(from)) != std::string::npos;) s.replace(at, from.size(), to);
  return s;
}

class CheckAgreesWithStartup : public ::testing::TestWithParam<Row> {
 protected:
  void SetUp() override {
    // Keys: good (0600, ours), world-readable, and an ed25519 key for the type mismatch.
    ASSERT_EQ(keygen("good", "rsa"), 0);
    ASSERT_EQ(keygen("open", "rsa"), 0);
    ::chmod(dir_.file("open.private").c_str(), 0644);
    dir_.write("KeyTable", "k1 example.com:good:" + dir_.file("good.private") + "\n");
    dir_.write("KeyTable.bad", "k1 example.com:good:" + dir_.file("good.private") +
                                   "\nk2 example.com:gone:" + dir_.file("gone.private") +
                                   "\nk3 example.com:open:" + dir_.file("open.private") + "\n");
    dir_.write("SigningTable", "*@example.com k1\n*@example.org k9\n");
    dir_.write("SigningTable.good", "*@example.com k1\n");
    dir_.write("logins", "a@example.com a\n");
    dir_.write("psl.dat", "com\norg\n");
    dir_.write("bad.pcre", "/^(a@example\\.com/ a\n");
    dir_.write("main-missing-map.cf",
               "myhostname = mx.example.com\nsmtpd_sender_login_maps = texthash:" + dir_.file("nomap") + "\n");
    dir_.write("main-syntax.cf", "myhostname = mx.example.com\nnot a parameter\n");
  }
  int keygen(const std::string& selector, const std::string& type) {
    auto r = cachet::testlib::run_command(
        {kBin + "/cachetctl", "keygen", "-D", dir_.path(), "-s", selector, "-d", "example.com", "-k", type});
    return r ? r->exit_code : -1;
  }
  cachet::testlib::TempDir dir_{"cachet-check"};
};

TEST_P(CheckAgreesWithStartup, SameVerdictExactMessages) {
  const Row& row = GetParam();
  const std::string conf_path = dir_.file("d.conf");
  const std::string text = expand(row.config, dir_.path(), conf_path);
  dir_.write("d.conf", text);
  auto check = cachet::testlib::run_command({kBin + "/" + row.binary, "--check-config", row.config_flag, conf_path});
  ASSERT_TRUE(check);
  EXPECT_EQ(check->exit_code, row.want_status) << check->err;
  EXPECT_EQ(check->err, expand(row.want_check, dir_.path(), conf_path));

  DaemonProcess d({kBin + "/" + row.binary, "-f", row.config_flag, conf_path}, dir_.file("run.log"));
  const std::string socket = dir_.file("d.sock");  // every row's Socket
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(socket) || !d.alive(); })) << d.log();
  // Up (socket there): SIGTERM, which a daemon that got through startup answers with 0 and
  // one that is failing cannot change (signals are blocked until serving).
  if (d.alive()) d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(), row.want_status) << "startup disagrees with the check:\n" << d.log();
}

// bad.pcre's one rule does not compile (SetUp).
const std::string kBadPcre =
    "{dir}/bad.pcre:1: SenderLoginMaps: error in regex at offset 16: missing closing parenthesis; fix: correct line 1 "
    "of {dir}/bad.pcre (StrictMaps no skips such a line with a warning, as Postfix does)\n";

const std::string kDkimBase = "Socket local:{dir}/d.sock\nNameservers 127.0.0.1:1\n";

INSTANTIATE_TEST_SUITE_P(
    Daemons, CheckAgreesWithStartup,
    ::testing::Values(
        Row{"dkim_good", "cachet-dkim", "-x",
            kDkimBase + "KeyTable file:{dir}/KeyTable\nSigningTable refile:{dir}/SigningTable.good\n"
                        "Domain example.com\n",
            "", 0},
        Row{"dkim_missing_keyfile", "cachet-dkim", "-x",
            kDkimBase + "Domain example.com\nSelector s\nKeyFile {dir}/gone.private\n",
            "{conf}:5: KeyFile: cannot open {dir}/gone.private: No such file or directory; fix: "
            "correct the path, or create the key: cachetctl keygen -D {dir} -s SELECTOR -d DOMAIN "
            "--user " +
                me() + "\n",
            78},
        Row{"dkim_world_readable_key", "cachet-dkim", "-x",
            kDkimBase + "Domain example.com\nSelector s\nKeyFile {dir}/open.private\n",
            "{conf}:5: KeyFile: unsafe key file (RequireSafeKeys): {dir}/open.private: readable by "
            "others (mode 0644); fix: chmod 0640 {dir}/open.private\n",
            78},
        Row{"dkim_every_bad_row_at_once", "cachet-dkim", "-x",
            kDkimBase + "KeyTable file:{dir}/KeyTable.bad\nSigningTable refile:{dir}/SigningTable\n",
            "{dir}/KeyTable.bad:2: KeyTable: k2: cannot open {dir}/gone.private: No such file or "
            "directory; fix: correct the path, or create the key: cachetctl keygen -D {dir} -s "
            "SELECTOR -d DOMAIN --user " +
                me() +
                "\n"
                "{dir}/KeyTable.bad:3: KeyTable: k3: unsafe key file (RequireSafeKeys): "
                "{dir}/open.private: readable by others (mode 0644); fix: chmod 0640 {dir}/open.private\n"
                "{dir}/SigningTable:2: SigningTable: *@example.org: key name 'k9' is not in the KeyTable\n",
            78},
        Row{"dkim_missing_keytable", "cachet-dkim", "-x",
            kDkimBase + "KeyTable file:{dir}/NoKeyTable\nSigningTable refile:{dir}/SigningTable\n",
            "{conf}:3: KeyTable: cannot read {dir}/NoKeyTable: No such file or directory\n"
            "{dir}/SigningTable:1: SigningTable: *@example.com: key name 'k1' is not in the KeyTable\n"
            "{dir}/SigningTable:2: SigningTable: *@example.org: key name 'k9' is not in the KeyTable\n",
            78},
        Row{"dkim_typo_and_missing_socket_dir", "cachet-dkim", "-x",
            "Socket local:{dir}/nodir/d.sock\nNameservers 127.0.0.1:1\nKeyTabel file:{dir}/KeyTable\n",
            "{conf}:3: KeyTabel: unknown option; fix: did you mean KeyTable?\n"
            "{conf}:1: Socket: directory {dir}/nodir does not exist; fix: create it (packages: "
            "systemd-tmpfiles --create; by hand: mkdir -p {dir}/nodir), or choose another Socket\n",
            78},
        Row{"dmarc_good", "cachet-dmarc", "-c",
            "Socket local:{dir}/d.sock\nNameservers 127.0.0.1:1\nPublicSuffixList {dir}/psl.dat\n"
            "HistoryDatabase {dir}/h.sqlite\n",
            "", 0},
        Row{"dmarc_missing_psl", "cachet-dmarc", "-c",
            "Socket local:{dir}/d.sock\nNameservers 127.0.0.1:1\nPublicSuffixList {dir}/nopsl.dat\nHistoryDatabase "
            "none\n",
            "{conf}:3: PublicSuffixList: cannot open public suffix list {dir}/nopsl.dat\n", 78},
        // A warning: the daemon starts and serves mail, without history.
        Row{"dmarc_history_directory_missing", "cachet-dmarc", "-c",
            "Socket local:{dir}/d.sock\nNameservers 127.0.0.1:1\nPublicSuffixList {dir}/psl.dat\n"
            "HistoryDatabase {dir}/nodir/h.sqlite\n",
            "{conf}:4: HistoryDatabase: directory {dir}/nodir does not exist: no history is recorded; fix: create "
            "it, writable by UserID, or set HistoryDatabase none\n",
            0},
        Row{"dmarc_every_bad_option_at_once", "cachet-dmarc", "-c",
            "Socket local:{dir}/d.sock\nNameservers 127.0.0.1:1\nPublicSuffixList {dir}/nopsl.dat\n"
            "IgnoreHosts file:{dir}/nohosts\nIgnoreMailFrom file:{dir}/nofrom\nHistoryDatabase none\n",
            "{conf}:4: IgnoreHosts: cannot read {dir}/nohosts: No such file or directory\n"
            "{conf}:5: IgnoreMailFrom: cannot read {dir}/nofrom: No such file or directory\n"
            "{conf}:3: PublicSuffixList: cannot open public suffix list {dir}/nopsl.dat\n",
            78},
        Row{"spf_missing_socket_dir", "cachet-spf", "-c", "Socket = unix:{dir}/nodir/d.sock\n",
            "{conf}:1: Socket: directory {dir}/nodir does not exist; fix: create it (packages: "
            "systemd-tmpfiles --create; by hand: mkdir -p {dir}/nodir), or choose another Socket\n",
            78},
        Row{"sender_good", "cachet-sender", "-c",
            "Socket unix:{dir}/d.sock\nSenderLoginMaps texthash:{dir}/logins\nPostfixMainCf none\n", "", 0},
        Row{"sender_missing_main_cf", "cachet-sender", "-c", "Socket unix:{dir}/d.sock\nPostfixMainCf {dir}/main.cf\n",
            "{conf}:2: PostfixMainCf: {dir}/main.cf: No such file or directory; fix: point "
            "PostfixMainCf at Postfix's main.cf, or set SenderLoginMaps (then main.cf is not read)\n",
            78},
        // Login maps: a problem on a line of a map, main.cf or an aliases file is located
        // there; a whole file's problem where the option naming it is set.
        Row{"sender_every_broken_map_at_once", "cachet-sender", "-c",
            "Socket unix:{dir}/d.sock\nSenderLoginMaps pcre:{dir}/bad.pcre, texthash:{dir}/nomap\n"
            "PostfixMainCf none\nAliasMaps {dir}/noaliases\nAllowAliasOwners yes\n",
            kBadPcre +
                "{conf}:2: SenderLoginMaps: {dir}/nomap: No such file or directory; fix: correct the path in "
                "SenderLoginMaps, or create {dir}/nomap\n"
                "{conf}:4: AliasMaps: {dir}/noaliases: No such file or directory; fix: correct the path in AliasMaps, "
                "or create the file\n",
            78},
        Row{"sender_unknown_table_type", "cachet-sender", "-c",
            "Socket unix:{dir}/d.sock\nSenderLoginMaps foo:{dir}/logins\nPostfixMainCf none\n",
            "{conf}:2: SenderLoginMaps: table \"foo:{dir}/logins\": unsupported table type \"foo\"; fix: correct "
            "SenderLoginMaps (cachet-sender(8) lists the table types)\n",
            78},
        Row{"sender_main_cf_names_missing_map", "cachet-sender", "-c",
            "Socket unix:{dir}/d.sock\nPostfixMainCf {dir}/main-missing-map.cf\n",
            "{dir}/main-missing-map.cf:2: smtpd_sender_login_maps: {dir}/nomap: No such file or directory; fix: "
            "correct the path in smtpd_sender_login_maps, or create {dir}/nomap\n",
            78},
        Row{"sender_main_cf_syntax", "cachet-sender", "-c",
            "Socket unix:{dir}/d.sock\nPostfixMainCf {dir}/main-syntax.cf\n",
            "{dir}/main-syntax.cf:2: PostfixMainCf: expected \"name = value\"; fix: correct line 2 of "
            "{dir}/main-syntax.cf (postconf -n shows how Postfix reads it)\n",
            78},
        Row{"dkim_broken_login_map", "cachet-dkim", "-x",
            kDkimBase + "KeyTable file:{dir}/KeyTable\nSigningTable refile:{dir}/SigningTable.good\n"
                        "SenderLoginMaps pcre:{dir}/bad.pcre\nPostfixMainCf none\n",
            kBadPcre, 78}),
    [](const ::testing::TestParamInfo<Row>& info) { return info.param.name; });

}  // namespace

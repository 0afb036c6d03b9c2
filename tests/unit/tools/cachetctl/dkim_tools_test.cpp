// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/tools/cachetctl/dkim_tools_test.cpp: cachetctl's option reader (Getopt::Long
// bundling conventions) and the DKIM subcommands' argument readers and result line.
#include "tools/cachetctl/dkim_tools.hpp"

#include <gtest/gtest.h>

#include "tools/cachetctl/args.hpp"

namespace cachet::ctl {
namespace {

enum { opt_a, opt_b, opt_s, opt_t };
constexpr OptionDef kDefs[] = {
    {opt_a, 'a', "append", false, true},
    {opt_b, 'b', "bits", true},
    {opt_s, 's', "selector", true},
    {opt_t, 't', "", false},
};

struct ArgsCase {
  const char* name;
  std::vector<std::string> args;
  bool want_ok;
  std::string want;  // "id=value/neg;..." then "|operands"
};

std::string render(const ParsedArgs& p) {
  std::string out;
  for (const ParsedOption& o : p.options) out += std::to_string(o.id) + "=" + o.value + (o.is_negated ? "!" : "") + ";";
  out += "|";
  for (const std::string& s : p.operands) out += s + ",";
  return out;
}

class ParseArgs : public ::testing::TestWithParam<ArgsCase> {};

TEST_P(ParseArgs, ReadsGetoptLongStyle) {
  const ArgsCase& c = GetParam();
  auto got = parse_args(c.args, kDefs);
  ASSERT_EQ(got.has_value(), c.want_ok) << c.name << (got ? "" : ": " + got.error().detail);
  if (got) {
    EXPECT_EQ(render(*got), c.want) << c.name;
  }
}

INSTANTIATE_TEST_SUITE_P(Rows, ParseArgs,
                         ::testing::Values(ArgsCase{"empty", {}, true, "|"}, ArgsCase{"flag", {"-a"}, true, "0=;|"},
                                           ArgsCase{"bundled flags", {"-at"}, true, "0=;3=;|"},
                                           ArgsCase{"value attached", {"-b2048"}, true, "1=2048;|"},
                                           ArgsCase{"value separate", {"-b", "2048"}, true, "1=2048;|"},
                                           ArgsCase{"bundle ending in value", {"-tb", "1024"}, true, "3=;1=1024;|"},
                                           ArgsCase{"long with equals", {"--bits=4096"}, true, "1=4096;|"},
                                           ArgsCase{"long separate", {"--selector", "s1"}, true, "2=s1;|"},
                                           ArgsCase{"negated", {"--noappend"}, true, "0=!;|"},
                                           ArgsCase{"negated dash", {"--no-append"}, true, "0=!;|"},
                                           ArgsCase{"not negatable", {"--nobits"}, false, ""},
                                           ArgsCase{"operands and dash", {"-a", "msg", "-"}, true, "0=;|msg,-,"},
                                           ArgsCase{"double dash", {"--", "-a"}, true, "|-a,"},
                                           ArgsCase{"missing value", {"-b"}, false, ""},
                                           ArgsCase{"missing long value", {"--bits"}, false, ""},
                                           ArgsCase{"flag with value", {"--append=1"}, false, ""},
                                           ArgsCase{"unknown short", {"-z"}, false, ""},
                                           ArgsCase{"unknown long", {"--zzz"}, false, ""}),
                         [](const auto& info) {
                           std::string n = info.param.name;
                           for (char& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });

TEST(ParseKeygenArgs, DefaultsAreDebianGenkeys) {
  auto o = parse_keygen_args({});
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->bits, 2048);
  EXPECT_EQ(o->zone.selector, "default");
  EXPECT_EQ(o->zone.domain, "localhost");
  EXPECT_EQ(o->zone.hash_algs, "sha256");
  EXPECT_TRUE(o->zone.allows_subdomains);
  EXPECT_EQ(o->directory, ".");
}

TEST(ParseKeygenArgs, GenkeyFlags) {
  auto o = parse_keygen_args({"-a", "-b", "1024", "-D", "/tmp", "-d", "ex.org", "-h", "sha1:sha256", "-n", "note",
                              "-rt", "-S", "-s", "s1", "-vv"});
  ASSERT_TRUE(o.has_value()) << o.error().detail;
  EXPECT_TRUE(o->zone.append_domain);
  EXPECT_EQ(o->bits, 1024);
  EXPECT_EQ(o->directory, "/tmp");
  EXPECT_EQ(o->zone.domain, "ex.org");
  EXPECT_EQ(o->zone.hash_algs, "sha1:sha256");
  EXPECT_EQ(o->zone.note, "note");
  EXPECT_TRUE(o->zone.is_restricted);
  EXPECT_TRUE(o->zone.is_testing);
  EXPECT_FALSE(o->zone.allows_subdomains);
  EXPECT_EQ(o->zone.selector, "s1");
  EXPECT_EQ(o->verbose, 2);
  auto sub = parse_keygen_args({"--nosubdomains", "--subdomains", "--type=ed25519"});
  ASSERT_TRUE(sub.has_value());
  EXPECT_TRUE(sub->zone.allows_subdomains);
  EXPECT_EQ(sub->zone.key_type, crypto::KeyType::ed25519);
}

TEST(ParseKeygenArgs, RefusesBadValues) {
  for (const std::vector<std::string>& bad : std::vector<std::vector<std::string>>{{"-b", "1023"},
                                                                                   {"-b", "4097"},
                                                                                   {"-b", "x"},
                                                                                   {"-k", "dsa"},
                                                                                   {"-k", "ed25519", "-b", "2048"},
                                                                                   {"-s", "../x"},
                                                                                   {"-s", ""},
                                                                                   {"-d", "a b"},
                                                                                   {"-n", "say \"hi\""},
                                                                                   {"extra"}}) {
    EXPECT_FALSE(parse_keygen_args(bad).has_value()) << bad[0] << " " << bad.back();
  }
  EXPECT_TRUE(parse_keygen_args({"-b", "4096"}).has_value());
  EXPECT_TRUE(parse_keygen_args({"-d", ""}).has_value()) << "genkey allows an empty domain";
}

TEST(ParseTestkeyArgs, KeySourcesAndConfig) {
  auto o = parse_testkey_args({"-d", "ex.org", "-s", "s1", "-k", "/k", "-n", "127.0.0.1:5353,::1", "--key-file",
                               "S1._domainkey.ex.org.=/f.txt", "-T", "2", "-vx", "/c"});
  ASSERT_TRUE(o.has_value()) << o.error().detail;
  EXPECT_EQ(o->domain, "ex.org");
  EXPECT_EQ(o->key_path, "/k");
  EXPECT_EQ(o->config_path, "/c");
  EXPECT_EQ(o->verbose, 1);
  EXPECT_EQ(o->keys.nameservers, (std::vector<std::string>{"127.0.0.1:5353", "::1"}));
  EXPECT_EQ(o->keys.key_files.at("s1._domainkey.ex.org"), "/f.txt");
  EXPECT_EQ(o->keys.timeout_seconds, 2u);
  EXPECT_FALSE(parse_testkey_args({"--key-file", "ex.org=/f"}).has_value());
  EXPECT_FALSE(parse_testkey_args({"--key-file", "s._domainkey.ex.org="}).has_value());
  EXPECT_FALSE(parse_testkey_args({"-T", "0"}).has_value());
}

TEST(ParseSignArgs, RequiresDomainSelectorKey) {
  EXPECT_FALSE(parse_sign_args({"-d", "ex.org", "-s", "s"}).has_value());
  auto o = parse_sign_args({"-d", "ex.org",
                            "-s", "s",
                            "-k", "/k",
                            "-a", "ed25519-sha256",
                            "-c", "relaxed/relaxed",
                            "-H", "From:To",
                            "-o", "from",
                            "-t", "100",
                            "-x", "60",
                            "-l", "msg"});
  ASSERT_TRUE(o.has_value()) << o.error().detail;
  EXPECT_EQ(o->params.algorithm, dkim::Algorithm::ed25519_sha256);
  EXPECT_TRUE(o->is_algorithm_given);
  EXPECT_EQ(o->params.header_canon, dkim::Canon::relaxed);
  EXPECT_EQ(o->params.body_canon, dkim::Canon::relaxed);
  EXPECT_EQ(o->params.explicit_headers, (std::vector<std::string>{"From", "To"}));
  EXPECT_EQ(o->params.oversign_headers, (std::vector<std::string>{"from"}));
  EXPECT_EQ(o->params.timestamp, 100u);
  EXPECT_EQ(o->ttl, 60u);
  EXPECT_TRUE(o->params.include_body_length);
  EXPECT_EQ(o->message_path, "msg");
  auto simple = parse_sign_args({"-d", "d", "-s", "s", "-k", "k", "-c", "relaxed"});
  ASSERT_TRUE(simple.has_value());
  EXPECT_EQ(simple->params.body_canon, dkim::Canon::simple) << "c=relaxed means relaxed/simple";
  for (const char* bad : {"rsa-sha1", "dsa"})
    EXPECT_FALSE(parse_sign_args({"-d", "d", "-s", "s", "-k", "k", "-a", bad}).has_value()) << bad;
  EXPECT_FALSE(parse_sign_args({"-d", "d", "-s", "s", "-k", "k", "-c", "loose"}).has_value());
  EXPECT_FALSE(parse_sign_args({"-d", "d", "-s", "s", "-k", "k", "a", "b"}).has_value());
}

TEST(ParseVerifyArgs, Options) {
  auto o =
      parse_verify_args({"--authserv-id", "mx", "--allow-sha1", "--min-key-bits", "2048", "-n", "127.0.0.1:53", "m"});
  ASSERT_TRUE(o.has_value()) << o.error().detail;
  EXPECT_EQ(o->authserv_id, "mx");
  EXPECT_TRUE(o->allow_rsa_sha1);
  EXPECT_EQ(o->min_rsa_bits, 2048);
  EXPECT_EQ(o->message_path, "m");
  EXPECT_FALSE(parse_verify_args({"--min-key-bits", "100"}).has_value());
}

TEST(FormatResultLine, OpendkimWording) {
  dkim::SignatureResult r;
  r.result = dkim::VerifyResult::pass;
  r.domain = "example.com";
  r.identity = "@example.com";
  r.selector = "sel1";
  r.algorithm = "rsa-sha256";
  r.b_prefix = "sn8WayZw";
  r.key_bits = 2048;
  EXPECT_EQ(format_result_line(r),
            "dkim=pass (2048-bit key) header.d=example.com header.i=@example.com "
            "header.a=rsa-sha256 header.s=sel1 header.b=sn8WayZw");
  r.result = dkim::VerifyResult::fail;
  r.reason = "signature verification failed";
  EXPECT_EQ(format_result_line(r),
            "dkim=fail reason=\"signature verification failed\" (2048-bit key) "
            "header.d=example.com header.i=@example.com header.a=rsa-sha256 header.s=sel1 "
            "header.b=sn8WayZw");
  dkim::SignatureResult broken;
  broken.reason = "bad \"tag\"";
  EXPECT_EQ(format_result_line(broken), "dkim=permerror reason=\"bad 'tag'\"");
}

}  // namespace
}  // namespace cachet::ctl

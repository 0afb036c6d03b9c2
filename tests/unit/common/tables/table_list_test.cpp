// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/tables/table_list_test.cpp: maps-style ordered search and the
// mail_addr_find() key order used for smtpd_sender_login_maps.
#include "common/tables/table_list.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace cachet::tables {
namespace {

// A reader serving in-memory files, so these tests do no I/O.
FileReader fake_files(std::map<std::string, std::string> files) {
  return [files = std::move(files)](const std::string& path) -> Result<FileContent> {
    const auto it = files.find(path);
    if (it == files.end()) return fail(Errc::config, path + ": No such file or directory");
    return FileContent{it->second, FileStamp{}};
  };
}

AddressQuery query(std::string delimiter = "+") {
  AddressQuery q;
  q.recipient_delimiter = std::move(delimiter);
  q.is_local_domain = [](std::string_view d) { return d == "local.test"; };
  return q;
}

std::string who(const TableList& list, std::string_view address, const AddressQuery& q) {
  const auto got = list.find_address(address, q);
  if (!got) return std::string("error:") + to_string(got.error().code);
  if (!got->has_value()) return "notfound";
  return (*got)->match.value + " via " + (*got)->key;
}

TableList open_list(std::string_view spec, std::map<std::string, std::string> files) {
  auto list = TableList::open(spec, fake_files(std::move(files)));
  EXPECT_TRUE(list.has_value()) << (list ? "" : list.error().detail);
  return list ? std::move(*list) : TableList{};
}

TEST(TableList, FixedKeyOrderFollowsMailAddrFind) {
  const auto list = open_list("texthash:/m", {{"/m",
                                               "user+ext@local.test full\n"
                                               "user@local.test noext\n"
                                               "user+ext local-ext\n"
                                               "user local\n"
                                               "@local.test domain\n"
                                               "other@remote.test o\n"
                                               "@remote.test rdomain\n"
                                               "user rlocal-never\n"}});
  const auto q = query();
  EXPECT_EQ(who(list, "user+ext@local.test", q), "full via user+ext@local.test");
  EXPECT_EQ(who(list, "user+zzz@local.test", q), "noext via user@local.test");
  EXPECT_EQ(who(list, "other@remote.test", q), "o via other@remote.test");
  EXPECT_EQ(who(list, "user@remote.test", q), "rdomain via @remote.test");
  EXPECT_EQ(who(list, "nobody@nowhere.test", q), "notfound");
}

TEST(TableList, LocalpartOnlyForLocalDomains) {
  const auto list = open_list("inline:{ user+ext=le, user=l, @local.test=d }", {});
  const auto q = query();
  EXPECT_EQ(who(list, "user+ext@local.test", q), "le via user+ext");
  EXPECT_EQ(who(list, "user+zzz@local.test", q), "l via user");
  EXPECT_EQ(who(list, "bob@local.test", q), "d via @local.test");
  EXPECT_EQ(who(list, "user@remote.test", q), "notfound");
  AddressQuery no_local = query();
  no_local.is_local_domain = nullptr;
  EXPECT_EQ(who(list, "user@local.test", no_local), "d via @local.test");
}

TEST(TableList, NoDelimiterMeansNoExtensionStripping) {
  const auto list = open_list("inline:{ user@x.test=u }", {});
  EXPECT_EQ(who(list, "user+ext@x.test", query("")), "notfound");
  EXPECT_EQ(who(list, "user+ext@x.test", query("+")), "u via user@x.test");
  EXPECT_EQ(who(list, "user-ext@x.test", query("+-")), "u via user@x.test");
}

TEST(TableList, PatternTablesSeeOnlyTheFullAddress) {
  const auto list = open_list("pcre:/p", {{"/p", "/^user@x\\.test$/ pcre-bare\n/^@/ pcre-at\n"}});
  EXPECT_EQ(who(list, "user+ext@x.test", query()), "notfound");
  EXPECT_EQ(who(list, "user@x.test", query()), "pcre-bare via user@x.test");
}

TEST(TableList, KeyMajorOrderAcrossTables) {
  // The full key is tried in every table before the @domain key in the first one.
  const auto list =
      open_list("texthash:/a, pcre:/b", {{"/a", "@x.test domain-in-a\n"}, {"/b", "/^u@x\\.test$/ full-in-b\n"}});
  EXPECT_EQ(who(list, "u@x.test", query()), "full-in-b via u@x.test");
  EXPECT_EQ(who(list, "v@x.test", query()), "domain-in-a via @x.test");
}

TEST(TableList, FirstTableWins) {
  const auto list = open_list("inline:{a@x=1} inline:{a@x=2}", {});
  EXPECT_EQ(who(list, "a@x", query()), "1 via a@x");
}

TEST(TableList, EmptyResultIsAConfigError) {
  const auto list = open_list("pcre:/p", {{"/p", "/^e@x$/\n"}});
  EXPECT_EQ(who(list, "e@x", query()), "error:config");
}

TEST(TableList, ErrorsStopTheSearch) {
  const auto list = open_list("pcre:/p inline:{ @x=fallback }", {{"/p", "/^(a+)+$/ x\n"}});
  EXPECT_EQ(who(list, std::string(40, 'a') + "b@x", query()), "error:temporary");
}

TEST(TableList, AddressWithoutDomain) {
  const auto list = open_list("inline:{ user=u }", {});
  EXPECT_EQ(who(list, "user", query()), "u via user");
  EXPECT_EQ(who(list, "user+e", query()), "u via user");
  EXPECT_EQ(who(list, "other", query()), "notfound");
}

TEST(TableList, OpenNamesTheFailingTable) {
  const auto got = TableList::open("texthash:/ok, pcre:/missing", fake_files({{"/ok", "a b"}}));
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code, Errc::config);
  EXPECT_NE(got.error().detail.find("pcre:/missing: /missing: No such file"), std::string::npos) << got.error().detail;
}

struct SplitCase {
  std::string_view name, localpart, delimiter, want;
};
class StripExtension : public ::testing::TestWithParam<SplitCase> {};

TEST_P(StripExtension, FollowsSplitAddr) {
  const SplitCase& c = GetParam();
  AddressQuery q;
  q.recipient_delimiter = std::string(c.delimiter);
  const auto got = strip_extension(c.localpart, q);
  EXPECT_EQ(got.value_or("(none)"), c.want) << c.name;
}

INSTANTIATE_TEST_SUITE_P(SplitAddr, StripExtension,
                         ::testing::Values(SplitCase{"plus", "user+ext", "+", "user"},
                                           SplitCase{"first delimiter", "a+b+c", "+", "a"},
                                           SplitCase{"delimiter set", "a-b+c", "+-", "a"},
                                           SplitCase{"none", "user", "+", "(none)"},
                                           SplitCase{"leading delimiter", "+ext", "+", "(none)"},
                                           SplitCase{"no delimiter configured", "user+ext", "", "(none)"},
                                           SplitCase{"postmaster", "postmaster", "+", "(none)"},
                                           SplitCase{"mailer-daemon", "MAILER-DAEMON", "-", "(none)"},
                                           SplitCase{"double-bounce", "double-bounce", "-", "(none)"},
                                           SplitCase{"owner-", "owner-list", "-", "(none)"},
                                           SplitCase{"-request", "list-request", "-", "(none)"},
                                           SplitCase{"owner- with plus", "owner-list+x", "+", "owner-list"}));

}  // namespace
}  // namespace cachet::tables

// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dns/primed_resolver_test.cpp: primed answers are given once, for their
// question only (case and trailing dot aside), alone or inside a batch; the rest goes
// to the resolver behind, batched.
#include "common/dns/primed_resolver.hpp"

#include <gtest/gtest.h>

#include "common/dns/zone_resolver.hpp"

namespace {

using namespace cachet::dns;

class Behind final : public Resolver {
 public:
  Answer query(std::string_view name, RrType type) override {
    asked.emplace_back(name);
    return zone.query(name, type);
  }
  std::vector<Answer> query_many(std::span<const Question> questions) override {
    ++batches;
    return Resolver::query_many(questions);
  }
  std::size_t cache_capacity() const noexcept override { return 512; }
  ZoneResolver zone;
  std::vector<std::string> asked;
  int batches = 0;
};

Answer primed_txt(const std::string& text) {
  Answer a;
  a.status = Status::answer;
  a.records.push_back({RrType::txt, "x.example", 60, text, 0, {text}});
  return a;
}

TEST(PrimedResolver, GivesAPrimedAnswerOnceThenAsksBehind) {
  Behind behind;
  behind.zone.add_txt("x.example", {"from the zone"});
  PrimedResolver r(behind, {{"x.example", RrType::txt, primed_txt("primed")}});
  EXPECT_EQ(r.cache_capacity(), 512u);
  EXPECT_EQ(r.query("X.Example.", RrType::txt).records.at(0).value, "primed");
  EXPECT_TRUE(behind.asked.empty());
  EXPECT_EQ(r.query("x.example", RrType::txt).records.at(0).value, "from the zone");
  EXPECT_EQ(behind.asked, std::vector<std::string>{"x.example"});
}

// A kept instance re-aimed: the new resolver and answers only; the old unasked ones gone.
TEST(PrimedResolver, ResetAimsAtTheNextResolverAndDropsUnaskedAnswers) {
  Behind first, second;
  first.zone.add_txt("x.example", {"first zone"});
  second.zone.add_txt("x.example", {"second zone"});
  PrimedResolver r(first, {{"x.example", RrType::txt, primed_txt("primed")}});
  r.reset(second, {});
  EXPECT_EQ(r.query("x.example", RrType::txt).records.at(0).value, "second zone");
  r.reset(first, {{"x.example", RrType::txt, primed_txt("primed again")}});
  EXPECT_EQ(r.query("x.example", RrType::txt).records.at(0).value, "primed again");
  EXPECT_TRUE(first.asked.empty());
  EXPECT_EQ(second.asked, std::vector<std::string>{"x.example"});
}

TEST(PrimedResolver, OtherTypesAndNamesGoBehind) {
  Behind behind;
  behind.zone.add("x.example", RrType::a, "192.0.2.1");
  PrimedResolver r(behind, {{"x.example", RrType::txt, primed_txt("primed")}});
  EXPECT_EQ(r.query("x.example", RrType::a).records.at(0).value, "192.0.2.1");
  EXPECT_EQ(r.query("y.example", RrType::txt).status, Status::nxdomain);
  EXPECT_EQ(behind.asked.size(), 2u);
}

TEST(PrimedResolver, BatchTakesPrimedAnswersAndSendsTheRestTogether) {
  Behind behind;
  behind.zone.add("a.example", RrType::a, "192.0.2.1");
  behind.zone.add("b.example", RrType::a, "192.0.2.2");
  PrimedResolver r(behind, {{"x.example", RrType::txt, primed_txt("primed")}});
  const std::vector<Question> q = {{"a.example", RrType::a}, {"x.example", RrType::txt}, {"b.example", RrType::a}};
  const auto out = r.query_many(q);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].records.at(0).value, "192.0.2.1");
  EXPECT_EQ(out[1].records.at(0).value, "primed");
  EXPECT_EQ(out[2].records.at(0).value, "192.0.2.2");
  EXPECT_EQ(behind.batches, 1);
  EXPECT_EQ(behind.asked, (std::vector<std::string>{"a.example", "b.example"}));
  const std::vector<Question> only = {{"x.example", RrType::txt}};
  EXPECT_EQ(r.query_many(only).at(0).status, Status::nxdomain);  // given once: now from behind
}

}  // namespace

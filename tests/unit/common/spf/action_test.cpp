// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/spf/action_test.cpp: cachet-spf's pure decision on its own: each
// result under each reject policy (policyd-spf's _get_resultcodes), the error switches,
// and the final action text. The wording against policyd-spf's captured answers is
// checked end to end in tests/unit/policyd/spf/session_test.cpp.
#include "common/spf/action.hpp"

#include <gtest/gtest.h>

namespace cachet::spf {
namespace {

struct DispositionCase {
  const char* name;
  Verdict verdict;
  RejectPolicy policy;
  bool temperror_defer, permerror_reject;
  Disposition want;
};

class DispositionRows : public ::testing::TestWithParam<DispositionCase> {};

TEST_P(DispositionRows, FollowPolicydSpf) {
  const DispositionCase& c = GetParam();
  ActionSettings s;
  s.temperror_defer = c.temperror_defer;
  s.permerror_reject = c.permerror_reject;
  EXPECT_EQ(disposition(c.verdict, c.policy, s), c.want) << c.name;
}

using P = RejectPolicy;
using V = Verdict;
using D = Disposition;
INSTANTIATE_TEST_SUITE_P(
    Rows, DispositionRows,
    ::testing::Values(
        DispositionCase{"pass never rejects", V::pass, P::spf_not_pass, true, true, D::prepend},
        DispositionCase{"none never rejects", V::none, P::spf_not_pass, true, true, D::prepend},
        DispositionCase{"fail under Fail", V::fail, P::fail, false, false, D::reject},
        DispositionCase{"softfail under Fail", V::softfail, P::fail, false, false, D::prepend},
        DispositionCase{"softfail under Softfail", V::softfail, P::softfail, false, false, D::reject},
        DispositionCase{"neutral under Softfail", V::neutral, P::softfail, false, false, D::prepend},
        DispositionCase{"neutral under SPF_Not_Pass", V::neutral, P::spf_not_pass, false, false, D::reject},
        DispositionCase{"fail under Null", V::fail, P::null, false, false, D::reject},
        DispositionCase{"fail under False: header only", V::fail, P::no_header_only, false, false, D::prepend},
        DispositionCase{"temperror under False stays a header", V::temperror, P::no_header_only, true, true,
                        D::prepend},
        DispositionCase{"fail under No_Check", V::fail, P::no_check, false, false, D::prepend},
        DispositionCase{"fail under an unknown word", V::fail, P::other, false, false, D::prepend},
        DispositionCase{"temperror defers when asked", V::temperror, P::fail, true, false, D::defer},
        DispositionCase{"temperror a header by default", V::temperror, P::fail, false, false, D::prepend},
        DispositionCase{"permerror rejects when asked", V::permerror, P::fail, false, true, D::reject},
        DispositionCase{"permerror a header by default", V::permerror, P::fail, false, false, D::prepend}));

TEST(ActionText, EnhancedCodesTestModeAndProspective) {
  using K = Outcome::Kind;
  ActionSettings s;
  EXPECT_EQ(action_text({K::reject, "no", false}, s), "550 5.7.23 no");
  EXPECT_EQ(action_text({K::reject, "no", true}, s), "550 5.7.24 no");
  EXPECT_EQ(action_text({K::defer, "later", true}, s), "defer_if_permit 4.7.24 later");
  EXPECT_EQ(action_text({K::prepend, "Received-SPF: Pass", false}, s), "prepend Received-SPF: Pass");
  EXPECT_EQ(action_text({K::restriction, "spf_pass_class", false}, s), "spf_pass_class");
  s.enhanced_codes = false;
  EXPECT_EQ(action_text({K::reject, "no", true}, s), "550 no");
  EXPECT_EQ(action_text({K::defer, "later", true}, s), "defer_if_permit later");
  s.test_mode = true;  // TestOnly = 0: only headers go out
  EXPECT_EQ(action_text({K::reject, "no", false}, s), "dunno");
  EXPECT_EQ(action_text({K::prepend, "X: y", false}, s), "prepend X: y");
  s.test_mode = false;
  s.prospective = "192.0.2.1";  // a prospective check prepends nothing
  EXPECT_EQ(action_text({K::prepend, "X: y", false}, s), "dunno");
  s.prospective.clear();
  s.header_type = HeaderType::none;
  EXPECT_EQ(action_text({K::prepend, "X: y", false}, s), "dunno");
}

}  // namespace
}  // namespace cachet::spf

// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/config/option_values_test.cpp: the build_state helpers: data set,
// keys and host list of an option, and errors that name the option.
#include "common/config/option_values.hpp"

#include <gtest/gtest.h>

#include "tests/lib/temp_dir.hpp"
#include "tests/unit/common/config/example_options.hpp"

namespace cachet::config {
namespace {

std::shared_ptr<const Config> parse(const std::string& text) {
  auto out = parse_config(text, "test.conf", testing::kExampleOptions);
  EXPECT_TRUE(out.ok());
  return out.config;
}

TEST(OptionValues, InlineListAndDefault) {
  const auto cfg = parse("TrustedAuthservIDs a.example\n");
  auto hosts = option_host_list(*cfg, "InternalHosts");  // default csl:127.0.0.1,::1
  ASSERT_TRUE(hosts.has_value()) << hosts.error().detail;
  EXPECT_TRUE(hosts->matches("127.0.0.1", ""));
  EXPECT_FALSE(hosts->matches("192.0.2.1", ""));
  auto keys = option_keys(*cfg, "InternalHosts");
  ASSERT_TRUE(keys.has_value());
  EXPECT_EQ(*keys, (std::vector<std::string>{"127.0.0.1", "::1"}));
}

TEST(OptionValues, EmptyValueIsAnEmptyDataset) {
  const auto cfg = parse("InternalHosts csl:x\n");
  auto ds = option_dataset(*cfg, "PidFile");  // unset string option
  ASSERT_TRUE(ds.has_value());
  EXPECT_TRUE(ds->empty());
}

TEST(OptionValues, ErrorsNameTheOption) {
  testlib::TempDir tmp("optvals");
  const auto cfg = parse("InternalHosts file:" + tmp.file("missing") + "\n");
  auto ds = option_dataset(*cfg, "InternalHosts");
  ASSERT_FALSE(ds.has_value());
  EXPECT_EQ(ds.error().code, Errc::config);
  EXPECT_EQ(ds.error().detail.rfind("InternalHosts: ", 0), 0u) << ds.error().detail;
  EXPECT_FALSE(option_host_list(*cfg, "InternalHosts").has_value());
  const auto bad = parse("InternalHosts 192.0.2.1/99\n");
  auto hl = option_host_list(*bad, "InternalHosts");
  ASSERT_FALSE(hl.has_value());
  EXPECT_EQ(hl.error().detail.rfind("InternalHosts: ", 0), 0u) << hl.error().detail;
  EXPECT_EQ(option_error("X", Error{Errc::bad_input, "d"}).error().detail, "X: d");
}

}  // namespace
}  // namespace cachet::config

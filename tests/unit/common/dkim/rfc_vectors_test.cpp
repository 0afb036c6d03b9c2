// SPDX-License-Identifier: BSD-2-Clause
//
// tests/unit/common/dkim/rfc_vectors_test.cpp: RFC 6376 App. A and RFC 8463 App. A:
// the published signatures verify, and the signer reproduces RFC 8463's b= byte for byte
// (shared/testdata/dkim/rfc/, signing-params.tsv).
#include <gtest/gtest.h>

#include "common/dkim/sign.hpp"
#include "common/dkim/verify.hpp"
#include "tests/unit/common/dkim/test_util.hpp"

namespace cachet::dkim {
namespace {

constexpr std::uint64_t kNow = 1800000000;

TEST(RfcVectors, PublishedSignaturesVerify) {
  const std::string dir = test::dkim_data("rfc/");
  if (!test::exists(dir)) GTEST_SKIP() << "conformance suite not found at " << dir;
  const auto dns = test::load_tsv_zone(dir + "dns-txt.tsv");
  for (const char* file : {"rfc6376-A2-signed.eml", "rfc8463-A3-signed.eml"}) {
    const auto got = verify_message(test::read_file(dir + file), dns.lookup(), {.now = kNow});
    ASSERT_TRUE(got.has_value()) << file;
    ASSERT_FALSE(got->empty()) << file;
    for (const auto& r : *got) {
      EXPECT_EQ(to_string(r.result), std::string("pass")) << file << " s=" << r.selector << " " << r.reason;
    }
  }
}

struct ParamRow {
  std::string input, key_file, a, c, d, i, q, s, t, h, order, bh, b;
};

TEST(RfcVectors, SignerReproducesRfc8463ByteForByte) {
  const std::string dir = test::dkim_data("rfc/");
  if (!test::exists(dir)) GTEST_SKIP() << "conformance suite not found at " << dir;
  int rows = 0;
  for (const auto& line : test::lines(test::read_file(dir + "signing-params.tsv"))) {
    const auto f = split(line, '\t');
    ASSERT_EQ(f.size(), 13u) << line;
    const std::string key_text = test::read_file(dir + std::string(f[1]));
    auto key = crypto::PrivateKey::load(crypto::SecretBytes(key_text));
    ASSERT_TRUE(key.has_value()) << f[1] << ": " << key.error().detail;
    SignParams p;
    p.domain = std::string(f[4]);
    p.selector = std::string(f[7]);
    p.key = &*key;
    p.algorithm = *parse_algorithm(f[2]);
    p.header_canon = Canon::relaxed;
    p.body_canon = Canon::relaxed;
    p.identity = std::string(f[5]);
    p.timestamp = *parse_uint(f[8]);
    p.style = SignatureStyle::dkimpy;
    for (const auto n : split(f[9], ':')) p.explicit_headers.emplace_back(trim(n));
    auto value = sign_message(test::read_file(dir + std::string(f[0])), p);
    ASSERT_TRUE(value.has_value()) << value.error().detail;
    const auto sig = parse_signature(*value);
    ASSERT_TRUE(sig.has_value()) << sig.error().detail << "\n" << *value;
    EXPECT_EQ(sig->bh, f[11]);
    EXPECT_EQ(sig->b, f[12]) << *value;
    ++rows;
  }
  EXPECT_EQ(rows, 2);
}

}  // namespace
}  // namespace cachet::dkim

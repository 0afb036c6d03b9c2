// SPDX-License-Identifier: BSD-2-Clause
//
// tests/unit/common/dkim/canon_test.cpp: header/body canonicalization against the dkimpy
// oracle vectors (shared/testdata/dkim/canonicalization/vectors.json) and the streaming
// edge cases (CRLF split across chunks, held-back empty lines, l=).
#include "common/dkim/canon.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/base/base64.hpp"
#include "common/dkim/hashing.hpp"
#include "tests/unit/common/dkim/test_util.hpp"

namespace cachet::dkim {
namespace {

std::string canon_body(std::string_view body, Canon c, std::size_t chunk) {
  BodyCanonicalizer bc(c);
  std::string out;
  for (std::size_t i = 0; i < body.size(); i += chunk) bc.feed(body.substr(i, chunk), out);
  bc.finish(out);
  return out;
}

// The number of oracle cases, pinned: a truncated vectors.json must fail, not pass.
constexpr int kCanonCases = 8;

TEST(CanonVectors, MatchDkimpyOracle) {
  const std::string path = test::dkim_data("canonicalization/vectors.json");
  if (!test::exists(path)) GTEST_SKIP() << "conformance suite not found at " << path;
  const auto doc = nlohmann::json::parse(test::read_file(path));
  int checked = 0;
  for (const auto& c : doc.at("cases")) {
    const std::string id = c.at("id");
    std::string simple, relaxed;
    for (const auto& h : c.at("headers_in")) {
      // headers_in values end with the field's own CRLF; HeaderField values do not.
      std::string value = h[1].get<std::string>();
      value.resize(value.size() - 2);
      append_canon_header(simple, h[0].get<std::string>(), value, Canon::simple);
      append_canon_header(relaxed, h[0].get<std::string>(), value, Canon::relaxed);
    }
    EXPECT_EQ(simple, c.at("headers_simple").get<std::string>()) << id;
    EXPECT_EQ(relaxed, c.at("headers_relaxed").get<std::string>()) << id;
    const std::string body = *base64_decode(c.at("body_in_b64").get<std::string>());
    for (const std::size_t chunk : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{4096}}) {
      EXPECT_EQ(base64_encode(canon_body(body, Canon::simple, chunk)), c.at("body_simple_b64"))
          << id << " chunk=" << chunk;
      EXPECT_EQ(base64_encode(canon_body(body, Canon::relaxed, chunk)), c.at("body_relaxed_b64"))
          << id << " chunk=" << chunk;
    }
    for (const auto& [canon, cname] : {std::pair{Canon::simple, "simple"}, std::pair{Canon::relaxed, "relaxed"}}) {
      for (const auto& [alg, aname] :
           {std::pair{crypto::HashAlg::sha1, "sha1"}, std::pair{crypto::HashAlg::sha256, "sha256"}}) {
        BodyHasher bh(canon, alg, std::nullopt);
        bh.feed(body);
        EXPECT_EQ(base64_encode(bh.finish()), c.at(std::string("bh_") + aname + "_" + cname)) << id;
      }
    }
    ++checked;
  }
  std::printf("canonicalization vectors: %d/%zu cases checked\n", checked, doc.at("cases").size());
  EXPECT_EQ(checked, kCanonCases);
}

}  // namespace
}  // namespace cachet::dkim

namespace cachet::dkim {
namespace {

struct BodyCase {
  const char* name;
  std::string_view in;
  std::string_view simple;
  std::string_view relaxed;
};

TEST(BodyCanonicalizer, EdgeCasesAtEveryChunkSize) {
  const BodyCase cases[] = {
      {"empty", "", "\r\n", ""},
      {"only CRLFs", "\r\n\r\n\r\n", "\r\n", ""},
      {"no final CRLF", "abc", "abc\r\n", "abc\r\n"},
      {"inner empty lines kept", "a\r\n\r\nb\r\n\r\n", "a\r\n\r\nb\r\n", "a\r\n\r\nb\r\n"},
      {"lone CR is text", "a\rb\r", "a\rb\r\r\n", "a\rb\r\r\n"},
      {"bare LF is a line end", "a\nb\n\n", "a\r\nb\r\n", "a\r\nb\r\n"},
      {"whitespace-only lines at end", "a\r\n \t\r\n  \r\n", "a\r\n \t\r\n  \r\n", "a\r\n"},
      {"WSP runs", " a \t b \r\n", " a \t b \r\n", " a b\r\n"},
      {"8-bit and NUL", std::string_view("\xff\x00x\r\n", 5), std::string_view("\xff\x00x\r\n", 5),
       std::string_view("\xff\x00x\r\n", 5)},
  };
  for (const auto& c : cases) {
    for (std::size_t chunk = 1; chunk <= 5; ++chunk) {
      EXPECT_EQ(canon_body(c.in, Canon::simple, chunk), c.simple) << c.name << " chunk=" << chunk;
      EXPECT_EQ(canon_body(c.in, Canon::relaxed, chunk), c.relaxed) << c.name << " chunk=" << chunk;
    }
  }
}

TEST(BodyHasher, LimitsToBodyLengthAndCountsAll) {
  BodyHasher limited(Canon::simple, crypto::HashAlg::sha256, 3);
  limited.feed("abcdef\r\n");
  const std::string got = limited.finish();
  EXPECT_EQ(got, crypto::digest(crypto::HashAlg::sha256, "abc"));
  EXPECT_EQ(limited.canonical_length(), 8u);
  BodyHasher zero(Canon::relaxed, crypto::HashAlg::sha256, 0);
  zero.feed("abc\r\n");
  EXPECT_EQ(base64_encode(zero.finish()), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
}

TEST(HeaderCanon, RelaxedUnfoldsAndLowercases) {
  EXPECT_EQ(canon_header("SUBJECT ", " a\r\n\t b  ", Canon::relaxed), "subject:a b\r\n");
  EXPECT_EQ(canon_header("X", "", Canon::relaxed), "x:\r\n");
  EXPECT_EQ(canon_header("X", "", Canon::simple), "X:\r\n");
  const std::string folded = "a" + std::string(100000, ' ') + "\r\n " + "b";
  EXPECT_EQ(canon_header("X", folded, Canon::relaxed), "x:a b\r\n");
}

}  // namespace
}  // namespace cachet::dkim

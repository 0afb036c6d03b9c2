// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/policy/parser_test.cpp: RequestParser framing, limits and errors.
#include "common/policy/parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cachet::policy {
namespace {

constexpr std::string_view kHead = "request=smtpd_access_policy\n";

// Feeds `input` in one piece and drains; returns the requests and the final error kind.
struct Drained {
  std::vector<Request> requests;
  RequestError error = RequestError::none;
};

Drained drain(RequestParser& p) {
  Drained d;
  for (;;) {
    auto got = p.next();
    if (!got) {
      d.error = p.last_error();
      if (p.failed() || d.error != RequestError::not_access_policy) return d;
      continue;  // not sticky: keep parsing
    }
    if (!got->has_value()) return d;
    d.requests.push_back(std::move(**got));
  }
}

Drained parse_all(std::string_view input) {
  RequestParser p;
  p.feed(input);
  return drain(p);
}

// A request of exactly `total` bytes: the head, filler attributes with lines of at most
// kMaxLineBytes, and the blank line.
std::string request_of_size(std::size_t total) {
  std::string out(kHead);
  std::size_t left = total - kHead.size() - 1;
  while (left > 0) {
    const std::size_t line = std::min(left, kMaxLineBytes + 1);  // with its LF
    out += "x=" + std::string(line - 3, 'a') + "\n";
    left -= line;
  }
  return out + "\n";
}

struct FramingCase {
  std::string_view name;
  std::string input;
  std::size_t want_requests;
  RequestError want_error;
};

class ParseRequest : public ::testing::TestWithParam<FramingCase> {};

TEST_P(ParseRequest, FramesRequestsAndRejectsMalformedLines) {
  const FramingCase& c = GetParam();
  const Drained got = parse_all(c.input);
  EXPECT_EQ(got.requests.size(), c.want_requests) << c.name;
  EXPECT_EQ(got.error, c.want_error) << c.name << ": got " << to_string(got.error);
}

using std::string_literals::operator""s;

INSTANTIATE_TEST_SUITE_P(
    Framing, ParseRequest,
    ::testing::Values(
        FramingCase{"empty input", "", 0, RequestError::none},
        FramingCase{"minimal", std::string(kHead) + "\n", 1, RequestError::none},
        FramingCase{"incomplete (no blank line)", std::string(kHead), 0, RequestError::none},
        FramingCase{"readme example",
                    std::string(kHead) + "protocol_state=RCPT\nprotocol_name=SMTP\nhelo_name=some.domain.tld\n"
                                         "queue_id=8045F2AB23\nsender=foo@bar.tld\nrecipient=bar@foo.tld\n"
                                         "recipient_count=0\nclient_address=1.2.3.4\nclient_name=another.tld\n"
                                         "reverse_client_name=another.tld\ninstance=123.456.7\n\n",
                    1, RequestError::none},
        FramingCase{"two requests", std::string(kHead) + "\n" + std::string(kHead) + "\n", 2, RequestError::none},
        FramingCase{"crlf", "request=smtpd_access_policy\r\nsender=a@b\r\n\r\n", 1, RequestError::none},
        FramingCase{"8-bit value", std::string(kHead) + "sender=j\xc3\xb6rg@ex.de\n\n", 1, RequestError::none},
        FramingCase{"value with '='", std::string(kHead) + "policy_context=a=b\n\n", 1, RequestError::none},
        FramingCase{"missing equals", std::string(kHead) + "sender\n\n", 0, RequestError::missing_equals},
        FramingCase{"empty name", std::string(kHead) + "=x\n\n", 0, RequestError::bad_name},
        FramingCase{"cr in name", std::string(kHead) + "xa\r=\r\n\n", 0, RequestError::bad_name},
        FramingCase{"space in name", std::string(kHead) + "x a=1\n\n", 0, RequestError::bad_name},
        FramingCase{"8-bit name", std::string(kHead) + "x\xc3\xa4=1\n\n", 0, RequestError::bad_name},
        FramingCase{"nul in value", std::string(kHead) + "sender=a\0b\n\n"s, 0, RequestError::nul_byte},
        FramingCase{"nul in partial line", std::string(kHead) + "sen\0"s, 0, RequestError::nul_byte},
        FramingCase{"lone blank line", "\n", 0, RequestError::not_access_policy},
        FramingCase{"wrong request type", "request=other\n\n", 0, RequestError::not_access_policy},
        FramingCase{"no request attribute", "sender=a@b\n\n", 0, RequestError::not_access_policy},
        FramingCase{"binary garbage", "\x01\x02\xff\xfe\n\n", 0, RequestError::missing_equals},
        FramingCase{"request before garbage", std::string(kHead) + "\nGET / HTTP/1.0\n", 1,
                    RequestError::missing_equals}));

TEST(RequestParser, LineAtLimitIsAcceptedAndOneMoreRejected) {
  const std::string value(kMaxLineBytes - 2, 'v');  // "x=" + value is kMaxLineBytes
  EXPECT_EQ(parse_all(std::string(kHead) + "x=" + value + "\n\n").requests.size(), 1u);
  EXPECT_EQ(parse_all(std::string(kHead) + "x=" + value + "\r\n\n").requests.size(), 1u)
      << "a stripped CR does not count";
  EXPECT_EQ(parse_all(std::string(kHead) + "x=" + value + "v\n\n").error, RequestError::line_too_long);
}

TEST(RequestParser, OverlongPartialLineIsRejectedWithoutWaitingForLf) {
  RequestParser p;
  p.feed(kHead);
  p.feed("x=" + std::string(kMaxLineBytes - 2, 'v'));
  auto got = p.next();
  ASSERT_TRUE(got.has_value()) << "a line of exactly the limit may still end";
  p.feed("\r");
  got = p.next();
  ASSERT_TRUE(got.has_value()) << "the CR of a CRLF may follow";
  p.feed("w");
  got = p.next();
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(p.last_error(), RequestError::line_too_long);
}

TEST(RequestParser, AttributeCountAtLimitIsAcceptedAndOneMoreRejected) {
  std::string at_limit(kHead);
  for (std::size_t i = 1; i < kMaxAttributes; ++i) at_limit += "a" + std::to_string(i) + "=\n";
  const Drained ok = parse_all(at_limit + "\n");
  ASSERT_EQ(ok.requests.size(), 1u);
  EXPECT_EQ(ok.requests[0].size(), kMaxAttributes);
  EXPECT_EQ(parse_all(at_limit + "extra=\n\n").error, RequestError::too_many_attributes);
}

TEST(RequestParser, RequestSizeAtLimitIsAcceptedAndOneMoreRejected) {
  const std::string at_limit = request_of_size(kMaxRequestBytes);
  ASSERT_EQ(at_limit.size(), kMaxRequestBytes);
  EXPECT_EQ(parse_all(at_limit).requests.size(), 1u);
  const std::string over = request_of_size(kMaxRequestBytes + 1);
  ASSERT_EQ(over.size(), kMaxRequestBytes + 1);
  EXPECT_EQ(parse_all(over).error, RequestError::request_too_large);
}

TEST(RequestParser, OversizedRequestIsRejectedBeforeItsEnd) {
  RequestParser p;
  std::string big = request_of_size(kMaxRequestBytes + 1);
  big.resize(big.size() - 1);  // without the blank line: cannot fit any more
  p.feed(big);
  const Drained d = drain(p);
  EXPECT_EQ(d.error, RequestError::request_too_large);
}

TEST(RequestParser, ByteByByteFeedingGivesTheSameRequests) {
  const std::string input =
      std::string(kHead) + "sender=a@b\r\nrecipient=c@d\n\n" + std::string(kHead) + "instance=1\n\n";
  RequestParser p;
  std::vector<Request> got;
  for (const char c : input) {
    p.feed(std::string_view(&c, 1));
    const Drained d = drain(p);
    ASSERT_EQ(d.error, RequestError::none);
    for (const auto& r : d.requests) got.push_back(r);
  }
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].sender(), "a@b");
  EXPECT_EQ(got[0].recipient(), "c@d");
  EXPECT_EQ(got[1].instance(), "1");
  EXPECT_TRUE(p.at_request_boundary());
}

TEST(RequestParser, FramingErrorsAreSticky) {
  RequestParser p;
  p.feed("no-equals\n");
  ASSERT_FALSE(p.next().has_value());
  p.feed(std::string(kHead) + "\n");
  const auto again = p.next();
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, Errc::bad_input);
  EXPECT_EQ(again.error().detail, "line without '='");
  EXPECT_TRUE(p.failed());
}

TEST(RequestParser, WrongRequestTypeIsNotStickyAndReportedDistinctly) {
  RequestParser p;
  p.feed("request=junk\n\n" + std::string(kHead) + "sender=x@y\n\n");
  const auto first = p.next();
  ASSERT_FALSE(first.has_value());
  EXPECT_EQ(p.last_error(), RequestError::not_access_policy);
  EXPECT_FALSE(p.failed());
  const auto second = p.next();
  ASSERT_TRUE(second.has_value());
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ((*second)->sender(), "x@y");
  EXPECT_EQ(p.last_error(), RequestError::none);
}

TEST(RequestParser, BoundaryTracksPartialRequests) {
  RequestParser p;
  EXPECT_TRUE(p.at_request_boundary());
  p.feed(kHead);
  (void)p.next();
  EXPECT_FALSE(p.at_request_boundary());
  p.feed("\n");
  ASSERT_TRUE(p.next().has_value());
  EXPECT_TRUE(p.at_request_boundary());
  p.feed("sen");
  (void)p.next();
  EXPECT_FALSE(p.at_request_boundary());
}

TEST(RequestParser, RepeatedNameKeepsBothAndLastWins) {
  const Drained d = parse_all(std::string(kHead) + "sender=first@x\nsender=last@x\n\n");
  ASSERT_EQ(d.requests.size(), 1u);
  EXPECT_EQ(d.requests[0].sender(), "last@x");
  EXPECT_EQ(d.requests[0].size(), 3u);
  EXPECT_EQ(d.requests[0].at(1).value, "first@x");
}

TEST(RequestParser, OnlyOneTrailingCrIsStripped) {
  const Drained d = parse_all(std::string(kHead) + "x=a\r\r\ny=\rb\n\n");
  ASSERT_EQ(d.requests.size(), 1u);
  EXPECT_EQ(d.requests[0].get("x"), "a\r");
  EXPECT_EQ(d.requests[0].get("y"), "\rb");
}

}  // namespace
}  // namespace cachet::policy

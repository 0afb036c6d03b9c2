// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/policy/request_test.cpp: Request accessors and the wire writer.
#include "common/policy/request.hpp"

#include <gtest/gtest.h>

#include "common/policy/parser.hpp"

namespace cachet::policy {
namespace {

Request readme_request() {
  return Request{{"request", "smtpd_access_policy"},
                 {"protocol_state", "RCPT"},
                 {"protocol_name", "ESMTP"},
                 {"helo_name", "mx.example.org"},
                 {"queue_id", "8045F2AB23"},
                 {"sender", "foo@example.org"},
                 {"recipient", "bar@example.net"},
                 {"recipient_count", "0"},
                 {"client_address", "192.0.2.1"},
                 {"client_name", "mx.example.org"},
                 {"reverse_client_name", "mx.example.org"},
                 {"instance", "123.456.7"},
                 {"sasl_method", "plain"},
                 {"sasl_username", "foo"},
                 {"sasl_sender", ""},
                 {"size", "12345"},
                 {"client_port", "40000"},
                 {"stress", ""},
                 {"future_attribute", "ignored"}};
}

TEST(Request, TypedAccessorsReadTheAttributes) {
  const Request r = readme_request();
  EXPECT_TRUE(r.is_access_policy());
  EXPECT_EQ(r.request_type(), "smtpd_access_policy");
  EXPECT_EQ(r.protocol_state(), "RCPT");
  EXPECT_EQ(r.state(), ProtocolState::rcpt);
  EXPECT_EQ(r.protocol_name(), "ESMTP");
  EXPECT_EQ(r.helo_name(), "mx.example.org");
  EXPECT_EQ(r.queue_id(), "8045F2AB23");
  EXPECT_EQ(r.sender(), "foo@example.org");
  EXPECT_EQ(r.recipient(), "bar@example.net");
  EXPECT_EQ(r.client_address(), "192.0.2.1");
  EXPECT_EQ(r.client_name(), "mx.example.org");
  EXPECT_EQ(r.reverse_client_name(), "mx.example.org");
  EXPECT_EQ(r.instance(), "123.456.7");
  EXPECT_EQ(r.sasl_method(), "plain");
  EXPECT_EQ(r.sasl_username(), "foo");
  EXPECT_EQ(r.recipient_count(), 0u);
  EXPECT_EQ(r.message_size(), 12345u);
  EXPECT_EQ(r.client_port(), 40000u);
  EXPECT_FALSE(r.is_stressed());
  EXPECT_EQ(r.get("future_attribute"), "ignored");
}

TEST(Request, AbsentAndEmptyValuesAreDistinguishable) {
  const Request r = readme_request();
  EXPECT_TRUE(r.has("sasl_sender"));
  EXPECT_EQ(r.sasl_sender(), "");
  EXPECT_FALSE(r.has("tls_sni"));
  EXPECT_EQ(r.tls_sni(), "");
  EXPECT_EQ(r.find("tls_sni"), std::nullopt);
  EXPECT_EQ(r.server_port(), std::nullopt);
  EXPECT_EQ((Request{{"size", "12x"}}.message_size()), std::nullopt);
  EXPECT_EQ((Request{{"size", ""}}.message_size()), std::nullopt);
}

TEST(Request, NamesAreCaseSensitive) {
  const Request r{{"Sender", "x@y"}};
  EXPECT_EQ(r.sender(), "");
}

TEST(Request, CopiesOwnTheirBytes) {
  Request copy;
  {
    const Request original = readme_request();
    copy = original;
  }
  EXPECT_EQ(copy.sender(), "foo@example.org");
  const Request moved = std::move(copy);
  EXPECT_EQ(moved.instance(), "123.456.7");
}

struct StateCase {
  std::string_view word;
  ProtocolState want;
};

TEST(Request, ProtocolStatesParseCaseInsensitively) {
  const StateCase cases[] = {{"CONNECT", ProtocolState::connect},
                             {"EHLO", ProtocolState::ehlo},
                             {"HELO", ProtocolState::helo},
                             {"MAIL", ProtocolState::mail},
                             {"rcpt", ProtocolState::rcpt},
                             {"DATA", ProtocolState::data},
                             {"END-OF-MESSAGE", ProtocolState::end_of_message},
                             {"VRFY", ProtocolState::vrfy},
                             {"ETRN", ProtocolState::etrn},
                             {"", ProtocolState::unknown},
                             {"BDAT", ProtocolState::unknown}};
  for (const auto& c : cases) {
    EXPECT_EQ(parse_protocol_state(c.word), c.want) << c.word;
    if (c.want != ProtocolState::unknown && c.word != "rcpt") {
      EXPECT_EQ(to_string(c.want), c.word);
    }
  }
}

TEST(AppendRequest, WritesTheWireFormAndRoundTrips) {
  const Request r = readme_request();
  std::string wire;
  ASSERT_TRUE(append_request(wire, r).has_value());
  EXPECT_EQ(wire.size(), r.wire_size() + 1);
  EXPECT_EQ(wire.substr(0, 48), "request=smtpd_access_policy\nprotocol_state=RCPT\n");
  EXPECT_EQ(wire.substr(wire.size() - 2), "\n\n");
  RequestParser p;
  p.feed(wire);
  auto got = p.next();
  ASSERT_TRUE(got.has_value());
  ASSERT_TRUE(got->has_value());
  ASSERT_EQ((*got)->size(), r.size());
  for (std::size_t i = 0; i < r.size(); ++i) {
    EXPECT_EQ((*got)->at(i).name, r.at(i).name);
    EXPECT_EQ((*got)->at(i).value, r.at(i).value);
  }
}

TEST(AppendRequest, RefusesAttributesThatBreakTheFraming) {
  using namespace std::literals;
  const Attribute bad[][1] = {{{"", "v"}},    {{"a=b", "v"}}, {{"a\nb", "v"}},
                              {{"a", "v\n"}}, {{"a", "v\r"}}, {{"a", "v\0"sv}}};
  for (const auto& attrs : bad) {
    std::string out = "keep";
    EXPECT_FALSE(append_request(out, attrs).has_value()) << attrs[0].name << attrs[0].value;
    EXPECT_EQ(out, "keep");
  }
}

}  // namespace
}  // namespace cachet::policy

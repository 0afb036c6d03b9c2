// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dns/reply_test.cpp: decode_reply() for each outcome class, reply
// validation (ID, QR, question), CNAME chains at and over the limit, malformed wire format
// (compression pointers, labels, RDATA bounds), and build_query() against ldns's encoder.
#include "common/dns/reply.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/dns/ldns_types.hpp"
#include "common/dns/name.hpp"

namespace cachet::dns {
namespace {

constexpr std::uint16_t kId = 0x1234;

struct Spec {
  std::string question = "example.org. IN A";
  ldns_pkt_rcode rcode = LDNS_RCODE_NOERROR;
  std::vector<std::string> answer = {};
  std::vector<std::string> authority = {};
  bool tc = false;
  bool qr = true;
  std::uint16_t id = kId;
};

std::vector<std::uint8_t> wire(const Spec& s) {
  const LdnsPkt pkt(ldns_pkt_new());
  ldns_pkt_set_id(pkt.get(), s.id);
  ldns_pkt_set_qr(pkt.get(), s.qr);
  ldns_pkt_set_tc(pkt.get(), s.tc);
  ldns_pkt_set_rcode(pkt.get(), s.rcode);
  auto push = [&](ldns_pkt_section section, const std::string& text, bool question) {
    ldns_rr* rr = nullptr;
    const auto st = question ? ldns_rr_new_question_frm_str(&rr, text.c_str(), nullptr, nullptr)
                             : ldns_rr_new_frm_str(&rr, text.c_str(), 0, nullptr, nullptr);
    EXPECT_EQ(st, LDNS_STATUS_OK) << text;
    ldns_pkt_push_rr(pkt.get(), section, rr);  // the packet takes the rr
  };
  if (!s.question.empty()) push(LDNS_SECTION_QUESTION, s.question, true);
  for (const auto& a : s.answer) push(LDNS_SECTION_ANSWER, a, false);
  for (const auto& a : s.authority) push(LDNS_SECTION_AUTHORITY, a, false);
  std::uint8_t* raw = nullptr;
  std::size_t size = 0;
  EXPECT_EQ(ldns_pkt2wire(&raw, pkt.get(), &size), LDNS_STATUS_OK);
  const LdnsBytes bytes(raw);
  return {bytes.get(), bytes.get() + size};
}

DecodedReply decode(const Spec& s, std::string_view qname = "example.org", RrType type = RrType::a) {
  return decode_reply(wire(s), kId, qname, type);
}

const std::string kSoa = "example.org. 600 IN SOA ns.example.org. h.example.org. 1 2 3 4 120";

TEST(DecodeReply, Answer) {
  const auto got = decode({.answer = {"Example.ORG. 300 IN A 192.0.2.1"}});
  ASSERT_EQ(got.kind, ReplyKind::usable);
  ASSERT_EQ(got.answer.status, Status::answer);
  ASSERT_EQ(got.answer.records.size(), 1u);
  EXPECT_EQ(got.answer.records[0].owner, "example.org");
  EXPECT_EQ(got.answer.records[0].value, "192.0.2.1");
  EXPECT_EQ(got.answer.records[0].ttl, 300u);
}

TEST(DecodeReply, NxdomainTakesNegativeTtlFromSoa) {
  const auto got = decode({.rcode = LDNS_RCODE_NXDOMAIN, .authority = {kSoa}});
  EXPECT_EQ(got.answer.status, Status::nxdomain);
  EXPECT_EQ(got.answer.negative_ttl, 120u);  // min(SOA TTL 600, MINIMUM 120)
}

TEST(DecodeReply, NodataWithoutSoa) {
  const auto got = decode({.answer = {"other.example.org. 300 IN A 192.0.2.1"}});
  EXPECT_EQ(got.answer.status, Status::nodata);
  EXPECT_EQ(got.answer.negative_ttl, 0u);
}

TEST(DecodeReply, ErrorRcodesAreServfail) {
  for (auto rcode :
       {LDNS_RCODE_SERVFAIL, LDNS_RCODE_REFUSED, LDNS_RCODE_FORMERR, LDNS_RCODE_NOTIMPL, LDNS_RCODE_YXDOMAIN}) {
    const auto got = decode({.rcode = rcode});
    EXPECT_EQ(got.kind, ReplyKind::usable);
    EXPECT_EQ(got.answer.status, Status::servfail) << rcode;
  }
}

TEST(DecodeReply, FormerrWithoutQuestionIsServfail) {
  const auto got = decode({.question = "", .rcode = LDNS_RCODE_FORMERR});
  EXPECT_EQ(got.kind, ReplyKind::usable);
  EXPECT_EQ(got.answer.status, Status::servfail);
}

TEST(DecodeReply, NoerrorWithoutQuestionIsServfail) {
  EXPECT_EQ(decode({.question = ""}).answer.status, Status::servfail);
}

TEST(DecodeReply, IgnoresRepliesToOtherQueries) {
  EXPECT_EQ(decode({.id = kId + 1}).kind, ReplyKind::mismatch);
  EXPECT_EQ(decode({.qr = false}).kind, ReplyKind::mismatch);
  EXPECT_EQ(decode({.question = "example.com. IN A"}).kind, ReplyKind::mismatch);
  EXPECT_EQ(decode({.question = "example.org. IN TXT"}).kind, ReplyKind::mismatch);
  EXPECT_EQ(decode({.question = "example.org. CH A"}).kind, ReplyKind::mismatch);
}

TEST(DecodeReply, QuestionMatchIsCaseInsensitive) {
  EXPECT_EQ(decode({.question = "EXAMPLE.org. IN A"}).kind, ReplyKind::usable);
}

// The question is compared in wire form (no text built): the same answers as comparing
// wire_name_to_text() with the normalized name asked.
TEST(DecodeReply, QuestionMustBeTheWholeNameAsked) {
  EXPECT_EQ(decode({.question = "example.org.example. IN A"}).kind, ReplyKind::mismatch);  // a label more
  EXPECT_EQ(decode({.question = "org. IN A"}).kind, ReplyKind::mismatch);                  // a label less
  EXPECT_EQ(decode({.question = "example.or. IN A"}).kind, ReplyKind::mismatch);           // a prefix
  EXPECT_EQ(decode({.question = "example.orgx. IN A"}).kind, ReplyKind::mismatch);         // longer label
  EXPECT_EQ(decode({.question = ". IN A"}).kind, ReplyKind::mismatch);                     // the root
  // "example\.org" is one label holding a dot: its text form escapes it (\046)
  EXPECT_EQ(decode({.question = "example\\.org. IN A"}).kind, ReplyKind::mismatch);
  EXPECT_EQ(decode({.question = "a.b.example. IN A"}, "a.b.example").kind, ReplyKind::usable);
}

TEST(DecodeReply, Truncated) { EXPECT_EQ(decode({.tc = true}).kind, ReplyKind::truncated); }

TEST(DecodeReply, ShortOrForeignBytesAreMismatch) {
  EXPECT_EQ(decode_reply({}, kId, "example.org", RrType::a).kind, ReplyKind::mismatch);
  const std::vector<std::uint8_t> eleven(11, 0);
  EXPECT_EQ(decode_reply(eleven, 0, "example.org", RrType::a).kind, ReplyKind::mismatch);
}

TEST(DecodeReply, GarbageWithOurIdIsServfail) {
  auto bytes = wire({.answer = {"example.org. 300 IN A 192.0.2.1"}});
  bytes.resize(bytes.size() - 3);  // cut inside the A record
  const auto got = decode_reply(bytes, kId, "example.org", RrType::a);
  EXPECT_EQ(got.kind, ReplyKind::usable);
  EXPECT_EQ(got.answer.status, Status::servfail);
}

TEST(DecodeReply, TxtStringsConcatenatedAndKept) {
  const auto got =
      decode({.question = "example.org. IN TXT", .answer = {R"(example.org. 60 IN TXT "v=DKIM1; " "p=abc" "")"}},
             "example.org", RrType::txt);
  ASSERT_EQ(got.answer.status, Status::answer);
  EXPECT_EQ(got.answer.records[0].value, "v=DKIM1; p=abc");
  EXPECT_EQ(got.answer.records[0].txt_strings, (std::vector<std::string>{"v=DKIM1; ", "p=abc", ""}));
}

TEST(DecodeReply, TxtKeepsNulAndEightBitOctets) {
  const auto got = decode({.question = "example.org. IN TXT", .answer = {R"(example.org. 60 IN TXT "a\000b\255")"}},
                          "example.org", RrType::txt);
  ASSERT_EQ(got.answer.status, Status::answer);
  EXPECT_EQ(got.answer.records[0].value, std::string("a\0b\xff", 4));
}

TEST(DecodeReply, MxPreferenceAndLowerCaseTarget) {
  const auto got = decode({.question = "example.org. IN MX", .answer = {"example.org. 60 IN MX 10 MX.Example.ORG."}},
                          "example.org", RrType::mx);
  ASSERT_EQ(got.answer.status, Status::answer);
  EXPECT_EQ(got.answer.records[0].preference, 10);
  EXPECT_EQ(got.answer.records[0].value, "mx.example.org");
}

TEST(DecodeReply, AaaaAndPtr) {
  auto got = decode({.question = "example.org. IN AAAA", .answer = {"example.org. 60 IN AAAA 2001:DB8:0::1"}},
                    "example.org", RrType::aaaa);
  EXPECT_EQ(got.answer.records.at(0).value, "2001:db8::1");
  got = decode(
      {.question = "1.2.0.192.in-addr.arpa. IN PTR", .answer = {"1.2.0.192.in-addr.arpa. 60 IN PTR host.example.org."}},
      "1.2.0.192.in-addr.arpa", RrType::ptr);
  EXPECT_EQ(got.answer.records.at(0).value, "host.example.org");
}

std::vector<std::string> chain(std::size_t hops) {
  std::vector<std::string> rrs;
  std::string current = "example.org";
  for (std::size_t i = 0; i < hops; ++i) {
    const std::string next = "c" + std::to_string(i) + ".example.org";
    rrs.push_back(current + ". 60 IN CNAME " + next + ".");
    current = next;
  }
  rrs.push_back(current + ". 60 IN A 192.0.2.7");
  return rrs;
}

TEST(DecodeReply, FollowsCnameChainAtLimit) {
  const auto got = decode({.answer = chain(kMaxCnameChain)});
  ASSERT_EQ(got.answer.status, Status::answer);
  ASSERT_EQ(got.answer.records.size(), 1u);
  EXPECT_EQ(got.answer.records[0].value, "192.0.2.7");
  EXPECT_EQ(got.answer.records[0].type, RrType::a);
}

TEST(DecodeReply, CnameChainOverLimitIsServfail) {
  EXPECT_EQ(decode({.answer = chain(kMaxCnameChain + 1)}).answer.status, Status::servfail);
}

TEST(DecodeReply, CnameLoopIsServfail) {
  const auto got =
      decode({.answer = {"example.org. 60 IN CNAME b.example.org.", "b.example.org. 60 IN CNAME example.org."}});
  EXPECT_EQ(got.answer.status, Status::servfail);
}

TEST(DecodeReply, CnameToNxdomainIsNxdomain) {
  const auto got = decode(
      {.rcode = LDNS_RCODE_NXDOMAIN, .answer = {"example.org. 60 IN CNAME gone.example.org."}, .authority = {kSoa}});
  EXPECT_EQ(got.answer.status, Status::nxdomain);
}

TEST(DecodeReply, CnameAskedForIsReturned) {
  const auto got = decode({.question = "example.org. IN CNAME", .answer = {"example.org. 60 IN CNAME b.example.org."}},
                          "example.org", RrType::cname);
  ASSERT_EQ(got.answer.status, Status::answer);
  EXPECT_EQ(got.answer.records[0].value, "b.example.org");
}

// The resolver passes the wire form it encoded for its query: the same decoding; a
// question naming another name is still a mismatch.
TEST(DecodeReply, WithTheNamesWireFormGiven) {
  const auto bytes = wire({.answer = {"Example.ORG. 300 IN A 192.0.2.1"}});
  WireNameBuffer qwire{};
  const auto size = query_name_to_wire("example.org", qwire);
  ASSERT_TRUE(size.has_value());
  const auto got = decode_reply(bytes, kId, "example.org", {qwire.data(), *size}, RrType::a);
  ASSERT_EQ(got.kind, ReplyKind::usable);
  ASSERT_EQ(got.answer.records.size(), 1u);
  EXPECT_EQ(got.answer.records[0].value, "192.0.2.1");
  EXPECT_EQ(got.answer.records[0].owner, "example.org");
  const auto other = query_name_to_wire("example.net", qwire);
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(decode_reply(bytes, kId, "example.net", {qwire.data(), *other}, RrType::a).kind, ReplyKind::mismatch);
}

TEST(BuildQuery, RecursionDesiredWithEdns) {
  const auto q = build_query("mail.example.org", RrType::mx, 0xbeef, 1232);
  ASSERT_TRUE(q.has_value());
  ldns_pkt* raw = nullptr;
  ASSERT_EQ(ldns_wire2pkt(&raw, q->data(), q->size()), LDNS_STATUS_OK);
  const LdnsPkt pkt(raw);
  EXPECT_EQ(ldns_pkt_id(pkt.get()), 0xbeef);
  EXPECT_TRUE(ldns_pkt_rd(pkt.get()));
  EXPECT_FALSE(ldns_pkt_qr(pkt.get()));
  EXPECT_TRUE(ldns_pkt_edns(pkt.get()));
  EXPECT_EQ(ldns_pkt_edns_udp_size(pkt.get()), 1232);
  ASSERT_EQ(ldns_pkt_qdcount(pkt.get()), 1);
  EXPECT_EQ(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(pkt.get()), 0)), LDNS_RR_TYPE_MX);
}

TEST(BuildQuery, NoEdnsWhenSizeIsZero) {
  const auto q = build_query("example.org", RrType::a, 1, 0);
  ASSERT_TRUE(q.has_value());
  ldns_pkt* raw = nullptr;
  ASSERT_EQ(ldns_wire2pkt(&raw, q->data(), q->size()), LDNS_STATUS_OK);
  const LdnsPkt pkt(raw);
  EXPECT_FALSE(ldns_pkt_edns(pkt.get()));
}

// A reply by hand: header (ID kId, QR RD RA, NOERROR, one question, `ancount` answers),
// the question example.org A, then `tail` as the answer section.
std::vector<std::uint8_t> raw_reply(std::uint16_t ancount, const std::vector<std::uint8_t>& tail) {
  std::vector<std::uint8_t> m = {0x12, 0x34, 0x81, 0x80, 0, 1,   0,   static_cast<std::uint8_t>(ancount),
                                 0,    0,    0,    0,    7, 'e', 'x', 'a',
                                 'm',  'p',  'l',  'e',  3, 'o', 'r', 'g',
                                 0,    0,    1,    0,    1};
  for (const std::uint8_t b : tail) m.push_back(b);  // not insert(): GCC 12 -O2 warns falsely (array-bounds)
  return m;
}

// An A record owned by the question's name (pointer 0xc00c) holding 192.0.2.1.
const std::vector<std::uint8_t> kGoodA = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 1, 0x2c, 0, 4, 192, 0, 2, 1};

struct RawCase {
  const char* name;
  std::uint16_t ancount;
  std::vector<std::uint8_t> tail;
  Status want;
};

TEST(DecodeReply, HandlesMalformedWireFormat) {
  const RawCase cases[] = {
      {"well-formed, compressed owner", 1, kGoodA, Status::answer},
      {"pointer to itself", 1, {0xc0, 0x1d, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4}, Status::servfail},
      {"forward pointer", 1, {0xc0, 0x2d, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4, 0}, Status::servfail},
      {"label type 01", 1, {0x41, 'a', 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4}, Status::servfail},
      {"pointer cut after one byte", 1, {0xc0}, Status::servfail},
      {"fewer records than counted", 2, kGoodA, Status::servfail},
      {"RDATA past the end", 1, {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 1, 0x2c, 0, 9, 192, 0, 2, 1}, Status::servfail},
      {"A with 3 bytes", 1, {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 1, 0x2c, 0, 3, 192, 0, 2}, Status::servfail},
      {"A of another class is ignored", 1, {0xc0, 0x0c, 0, 1, 0, 3, 0, 0, 1, 0x2c, 0, 4, 192, 0, 2, 1}, Status::nodata},
  };
  for (const RawCase& c : cases) {
    const auto got = decode_reply(raw_reply(c.ancount, c.tail), kId, "example.org", RrType::a);
    EXPECT_EQ(got.kind, ReplyKind::usable) << c.name;
    EXPECT_EQ(got.answer.status, c.want) << c.name;
  }
}

TEST(DecodeReply, TxtAndMxRdataMustBeUsedUpExactly) {
  // TXT: one string whose length byte claims more than the RDATA holds.
  auto txt = raw_reply(1, {0xc0, 0x0c, 0, 16, 0, 1, 0, 0, 1, 0x2c, 0, 3, 5, 'a', 'b'});
  txt[26] = 16;  // the question asks TXT
  EXPECT_EQ(decode_reply(txt, kId, "example.org", RrType::txt).answer.status, Status::servfail);
  // MX: the exchange name runs past its RDATA into the next bytes.
  auto mx = raw_reply(1, {0xc0, 0x0c, 0, 15, 0, 1, 0, 0, 1, 0x2c, 0, 4, 0, 10, 2, 'm', 'x', 0});
  mx[26] = 15;
  EXPECT_EQ(decode_reply(mx, kId, "example.org", RrType::mx).answer.status, Status::servfail);
  mx[40] = 6;  // RDLENGTH covers the name: fine
  const auto ok = decode_reply(mx, kId, "example.org", RrType::mx);
  ASSERT_EQ(ok.answer.status, Status::answer);
  EXPECT_EQ(ok.answer.records[0].value, "mx");
  EXPECT_EQ(ok.answer.records[0].preference, 10);
}

// The same query as ldns writes it (the encoder build_query() replaced): the oracle.
std::vector<std::uint8_t> ldns_query(const std::string& qname, RrType qtype, std::uint16_t id, std::uint16_t edns) {
  const LdnsRdf name(ldns_dname_new_frm_str((qname + ".").c_str()));
  const LdnsPkt pkt(
      ldns_pkt_query_new(ldns_rdf_clone(name.get()), static_cast<ldns_rr_type>(qtype), LDNS_RR_CLASS_IN, LDNS_RD));
  ldns_pkt_set_id(pkt.get(), id);
  if (edns != 0) ldns_pkt_set_edns_udp_size(pkt.get(), edns);
  std::uint8_t* raw = nullptr;
  std::size_t size = 0;
  EXPECT_EQ(ldns_pkt2wire(&raw, pkt.get(), &size), LDNS_STATUS_OK);
  const LdnsBytes bytes(raw);
  return {bytes.get(), bytes.get() + size};
}

TEST(BuildQuery, SameBytesAsLdns) {
  const std::string label63(63, 'a');
  const std::string name253 = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'b');
  ASSERT_EQ(name253.size(), kMaxNameLength);
  struct Case {
    std::string name;
    RrType type;
    std::uint16_t id, edns;
  };
  for (const Case& c :
       {Case{"example.org", RrType::txt, 0, 1232}, Case{"a", RrType::a, 0xffff, 0},
        Case{"_dmarc.mail.example.org", RrType::txt, 7, 4096},
        Case{"sel._domainkey.example.org", RrType::txt, 0x8000, 512}, Case{label63 + ".example", RrType::mx, 42, 1232},
        Case{name253, RrType::aaaa, 1, 1232}, Case{"4.3.2.1.in-addr.arpa", RrType::ptr, 9, 0},
        Case{"macro%percent\\032\\032space%20url-space.example.com", RrType::a, 3, 1232},
        Case{"x\\046y.example", RrType::a, 4, 0}, Case{"\\000\\255\\092.example", RrType::txt, 5, 0},
        Case{"Mixed.Case.Kept", RrType::a, 6, 0}}) {
    const auto got = build_query(c.name, c.type, c.id, c.edns);
    ASSERT_TRUE(got.has_value()) << c.name;
    EXPECT_EQ(*got, ldns_query(c.name, c.type, c.id, c.edns)) << c.name;
  }
}

TEST(BuildQuery, RefusesNamesThatAreNotValid) {
  for (const std::string& name :
       {std::string(), std::string(64, 'a') + ".example", std::string("a..b"), std::string(".a"), std::string(254, 'a'),
        std::string("a b.example"), std::string("\\101.example"), std::string("a\\")})
    EXPECT_FALSE(build_query(name, RrType::a, 1, 0).has_value()) << "'" << name << "'";
  // A trailing dot names the same name: the same query.
  EXPECT_EQ(build_query("a.", RrType::a, 1, 0).value(), build_query("a", RrType::a, 1, 0).value());
}

}  // namespace
}  // namespace cachet::dns

// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dmarc/message_test.cpp: decide_message() row by row: trust, SPF
// sources, From handling, actions, and the bad inputs of peers.md s4.2 (CVE rows).
#include "common/dmarc/message.hpp"

#include <gtest/gtest.h>

#include "common/authres/authres.hpp"
#include "common/dmarc/org_domain.hpp"
#include "common/dns/zone_resolver.hpp"

namespace cachet::dmarc {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

class DecideMessage : public ::testing::Test {
 protected:
  DecideMessage() {
    dns.add_txt("_dmarc.reject.example", {"v=DMARC1; p=reject"});
    dns.add_txt("_dmarc.quar.example", {"v=DMARC1; p=quarantine"});
    dns.add_txt("_dmarc.none.example", {"v=DMARC1; p=none"});
    dns.add_txt("_dmarc.bad.example", {"v=DMARC1; p=reject; rf=afrfruf=mailto:x@bad.example"});
    dns.add("reject.example", dns::RrType::a, "192.0.2.1");
    dns.add("nodmarc.example", dns::RrType::a, "192.0.2.1");
    dns.set_timeout("_dmarc.slow.example");
  }

  Decision run(Headers headers, std::string envfrom = "<bounce@reject.example>", unsigned sample = 0) {
    MessageInput in;
    in.queue_id = "QID1";
    in.authserv_id = "mx.example.net";
    in.envelope_from = std::move(envfrom);
    in.client_ip = "192.0.2.99";
    in.helo = "client.example";
    in.headers = std::move(headers);
    return decide_message(s, in, dns, sample);
  }

  MessageSettings s;
  dns::ZoneResolver dns;
};

TEST_F(DecideMessage, TrustedDkimPassGivesPass) {
  const Decision d = run(
      {{"Authentication-Results", "mx.example.net; dkim=pass header.d=reject.example"}, {"From", "a@reject.example"}});
  EXPECT_TRUE(d.verdict.is_continue());
  ASSERT_EQ(d.auth_results.size(), 1u);
  EXPECT_EQ(d.auth_results[0], "mx.example.net; dmarc=pass (p=reject dis=none) header.from=reject.example");
}

// Found by fuzz_dmarc_decision: a U-label From domain went into header.from as UTF-8, a
// field no RFC 8601 parser (ours included) accepts; and its policy was never asked for,
// since DNS names are A-labels.
TEST_F(DecideMessage, IdnFromDomainIsLookedUpAndWrittenAsALabels) {
  dns.add_txt("_dmarc.xn--bcher-kva.example", {"v=DMARC1; p=reject"});
  const Decision d = run({{"From",
                           "a@b\xc3\xbc"
                           "cher.example"}});
  ASSERT_EQ(d.auth_results.size(), 1u);
  EXPECT_EQ(d.auth_results[0], "mx.example.net; dmarc=fail (p=reject dis=none) header.from=xn--bcher-kva.example");
  EXPECT_TRUE(authres::parse_authentication_results(d.auth_results[0]));
}

TEST_F(DecideMessage, FailIsReportOnlyByDefault) {
  const Decision d = run({{"From", "a@reject.example"}});
  EXPECT_TRUE(d.verdict.is_continue());
  ASSERT_EQ(d.auth_results.size(), 1u);
  EXPECT_EQ(d.auth_results[0], "mx.example.net; dmarc=fail (p=reject dis=none) header.from=reject.example");
}

TEST_F(DecideMessage, RejectFailuresRefusesWithOpendmarcText) {
  s.reject_failures = true;
  const Decision d = run({{"From", "a@reject.example"}});
  EXPECT_EQ(d.verdict.action, milter::Action::reply);
  EXPECT_EQ(d.verdict.code, "550");
  EXPECT_EQ(d.verdict.xcode, "5.7.1");
  EXPECT_EQ(d.verdict.text, "rejected by DMARC policy for reject.example");
  EXPECT_TRUE(d.auth_results.empty());
}

TEST_F(DecideMessage, UntrustedAuthResultsAreIgnored) {
  const Decision d = run(
      {{"Authentication-Results", "evil.example; dkim=pass header.d=reject.example"}, {"From", "a@reject.example"}});
  EXPECT_EQ(d.result, "fail");
}

TEST_F(DecideMessage, TrustedAuthservIdsReplaceOurOwn) {
  s.trusted_ids = {"relay.example"};
  EXPECT_EQ(run({{"Authentication-Results", "RELAY.example; dkim=pass header.d=reject.example"},
                 {"From", "a@reject.example"}})
                .result,
            "pass");
  EXPECT_EQ(run({{"Authentication-Results", "mx.example.net; dkim=pass header.d=reject.example"},
                 {"From", "a@reject.example"}})
                .result,
            "fail");
}

TEST_F(DecideMessage, JobIdFormIsTrustedOnlyForThisQueueId) {
  s.authserv_id_with_job_id = true;
  EXPECT_EQ(run({{"Authentication-Results", "mx.example.net/QID1; dkim=pass header.d=reject.example"},
                 {"From", "a@reject.example"}})
                .result,
            "pass");
  EXPECT_EQ(run({{"Authentication-Results", "mx.example.net/OTHER; dkim=pass header.d=reject.example"},
                 {"From", "a@reject.example"}})
                .result,
            "fail");
}

TEST_F(DecideMessage, SpfMailfromBareDomainOrFullAddress) {
  EXPECT_EQ(run({{"Authentication-Results", "mx.example.net; spf=pass smtp.mailfrom=reject.example"},
                 {"From", "a@reject.example"}})
                .result,
            "pass");
  EXPECT_EQ(run({{"Authentication-Results", "mx.example.net; spf=pass smtp.mailfrom=bounce@reject.example"},
                 {"From", "a@reject.example"}})
                .result,
            "pass");
}

TEST_F(DecideMessage, SpfForAnotherDomainThanTheEnvelopeIsIgnored) {
  EXPECT_EQ(run({{"Authentication-Results", "mx.example.net; spf=pass smtp.mailfrom=reject.example"},
                 {"From", "a@reject.example"}},
                "<x@attacker.example>")
                .result,
            "fail");
}

TEST_F(DecideMessage, ReceivedSpfMailfromWithOurEnvelopeCounts) {
  const Decision d = run({{"Received-SPF",
                           "Pass (mailfrom) identity=mailfrom; client-ip=192.0.2.99; "
                           "helo=client.example; envelope-from=bounce@reject.example; receiver=mx"},
                          {"From", "a@reject.example"}});
  EXPECT_EQ(d.result, "pass");
}

TEST_F(DecideMessage, ForgedReceivedSpfIsIgnored) {  // CVE-2019-20790
  EXPECT_EQ(run({{"Received-SPF",
                  "Pass identity=helo; client-ip=192.0.2.99; helo=reject.example; "
                  "envelope-from=bounce@reject.example"},
                 {"From", "a@reject.example"}})
                .result,
            "fail");
  EXPECT_EQ(run({{"Received-SPF", "Pass identity=mailfrom; envelope-from=other@reject.example"},
                 {"From", "a@reject.example"}})
                .result,
            "fail");
}

TEST_F(DecideMessage, OnlyTheTopmostReceivedSpfCounts) {
  EXPECT_EQ(run({{"Received-SPF", "Fail identity=mailfrom; envelope-from=bounce@reject.example"},
                 {"Received-SPF", "Pass identity=mailfrom; envelope-from=bounce@reject.example"},
                 {"From", "a@reject.example"}})
                .result,
            "fail");
}

TEST_F(DecideMessage, SpfIgnoreResultsDropsHeaderSpf) {
  s.spf_ignore_results = true;
  EXPECT_EQ(run({{"Authentication-Results", "mx.example.net; spf=pass smtp.mailfrom=reject.example"},
                 {"From", "a@reject.example"}})
                .result,
            "fail");
}

TEST_F(DecideMessage, MultiDomainFromIsNeverAPassForOneDomain) {  // CVE-2019-16378
  const Decision d = run({{"Authentication-Results", "mx.example.net; dkim=pass header.d=attacker.example"},
                          {"From", "ceo@reject.example, x@attacker.example"}});
  EXPECT_NE(d.result, "pass");
}

TEST_F(DecideMessage, RejectMultiValueFrom) {
  s.reject_multi_value_from = true;
  const Decision d = run({{"From", "a@reject.example, b@other.example"}});
  EXPECT_EQ(d.verdict.code, "550");
  EXPECT_EQ(run({{"From", "a@reject.example, b@reject.example"}}).verdict.code, "");
}

TEST_F(DecideMessage, FromElementWithoutDomainIsPermerror) {  // CVE-2021-34555
  for (const char* from : {"user, b@reject.example", "a@reject.example, b", "user"}) {
    const Decision d =
        run({{"Authentication-Results", "mx.example.net; dkim=pass header.d=reject.example"}, {"From", from}});
    EXPECT_EQ(d.result, "permerror") << from;
    EXPECT_TRUE(d.verdict.is_continue()) << from;
  }
  s.reject_failures = true;
  EXPECT_EQ(run({{"From", "user, b@reject.example"}}).verdict.code, "550");
}

TEST_F(DecideMessage, TwoFromFieldsAreBothEvaluated) {
  const Decision d = run({{"Authentication-Results", "mx.example.net; dkim=pass header.d=none.example"},
                          {"From", "a@none.example"},
                          {"From", "b@reject.example"}});
  EXPECT_EQ(d.result, "fail");
}

TEST_F(DecideMessage, BadAuthResultsAreIgnoredNotTrusted) {
  for (const char* ar : {"dkim=pass header.d=reject.example",                                    // no ADMD
                         "mx.example.net; (null)=pass header.d=reject.example",                  // #31
                         "mx.example.net; dkim=pass header.d=reject.example(.attacker.example",  // CVE-2020-12272
                         "mx.example.net; dkim=pass header.d=\"reject.example(.x\""}) {
    EXPECT_EQ(run({{"Authentication-Results", ar}, {"From", "a@reject.example"}}).result, "fail") << ar;
  }
}

TEST_F(DecideMessage, ArcSealFragmentsDoNotCrash) {
  EXPECT_EQ(
      run({{"ARC-Seal", "i=1; cv"}, {"ARC-Authentication-Results", "i=1; (null)=pass"}, {"From", "a@reject.example"}})
          .result,
      "fail");
}

TEST_F(DecideMessage, RecordWithGluedTagsIsHandled) {  // OpenDMARC #62
  const Decision d = run({{"From", "a@bad.example"}});
  EXPECT_NE(d.result, "pass");
  EXPECT_TRUE(d.verdict.is_continue());
}

TEST_F(DecideMessage, DnsTimeoutIsTemperrorNeverPass) {
  const Decision d =
      run({{"Authentication-Results", "mx.example.net; dkim=pass header.d=other.example"}, {"From", "a@slow.example"}});
  EXPECT_EQ(d.result, "temperror");
  EXPECT_TRUE(d.verdict.is_continue());
  s.reject_failures = true;
  EXPECT_EQ(run({{"From", "a@slow.example"}}).verdict.code, "451");
}

TEST_F(DecideMessage, NoRecordIsNone) {
  const Decision d = run({{"From", "a@nodmarc.example"}});
  ASSERT_EQ(d.auth_results.size(), 1u);
  EXPECT_EQ(d.auth_results[0], "mx.example.net; dmarc=none (p=none dis=none) header.from=nodmarc.example");
}

TEST_F(DecideMessage, QuarantineHoldAndCopyFailuresTo) {
  s.hold_quarantined = true;
  s.copy_failures_to = "dmarc-fail@mx.example.net";
  const Decision d = run({{"From", "a@quar.example"}});
  ASSERT_TRUE(d.quarantine_reason.has_value());
  EXPECT_EQ(*d.quarantine_reason, "quarantined by DMARC policy for quar.example");
  EXPECT_EQ(d.add_rcpt.value_or(""), "dmarc-fail@mx.example.net");
  EXPECT_EQ(d.auth_results.at(0), "mx.example.net; dmarc=fail (p=quarantine dis=quarantine) header.from=quar.example");
  EXPECT_FALSE(run({{"From", "a@none.example"}}).add_rcpt.has_value());
}

TEST_F(DecideMessage, IgnoreMailFromSkipsEvaluation) {
  s.ignore_mail_from = config::Dataset({{"reject.example", ""}}, false, "csl");
  const Decision d = run({{"From", "a@reject.example"}});
  EXPECT_FALSE(d.evaluated);
  EXPECT_TRUE(d.auth_results.empty());
}

TEST_F(DecideMessage, RequiredHeaders) {
  s.required_headers = true;
  EXPECT_EQ(run({{"From", "a@reject.example"}}).verdict.code, "550");  // no Date
  EXPECT_EQ(run({{"From", "a@reject.example"}, {"Date", "x"}, {"Subject", "a"}, {"subject", "b"}}).verdict.text,
            "RFC5322 requirement error: more than one Subject");
  EXPECT_TRUE(run({{"From", "a@reject.example"}, {"Date", "x"}}).verdict.is_continue());
}

TEST_F(DecideMessage, NoFromIsNotEvaluated) {
  EXPECT_FALSE(run({{"Subject", "x"}}).evaluated);
  s.required_from = true;
  EXPECT_EQ(run({{"Subject", "x"}}).verdict.code, "550");
}

TEST_F(DecideMessage, HugeHeaderValuesAreDefined) {
  const std::string huge(200 * 1024, 'a');
  EXPECT_EQ(
      run({{"Authentication-Results", "mx.example.net; dkim=pass header.d=" + huge}, {"From", "a@reject.example"}})
          .result,
      "fail");
  EXPECT_EQ(run({{"From", huge + "@reject.example"}}).result, "permerror");
}

// Found by fuzz_dmarc_decision: with SPFSelfValidate a U-label envelope domain went into
// our spf= field's smtp.mailfrom as UTF-8, which no RFC 8601 parser (ours included) accepts.
TEST_F(DecideMessage, SelfValidatedSpfFieldNamesAnIdnEnvelopeDomainInALabels) {
  s.spf_self_validate = true;
  const Decision d = run({{"From", "a@reject.example"}},
                         "<b@b\xc3\xbc"
                         "cher.example>");
  ASSERT_FALSE(d.auth_results.empty());
  EXPECT_EQ(d.auth_results[0], "mx.example.net; spf=none smtp.mailfrom=xn--bcher-kva.example");
  for (const std::string& ar : d.auth_results) EXPECT_TRUE(authres::parse_authentication_results(ar)) << ar;
}

// A resolver with a cache in front of the zone: records what is asked, one by one or in
// batches.
class RecordingCache final : public dns::Resolver {
 public:
  explicit RecordingCache(dns::ZoneResolver& zone, std::size_t capacity = 100) : zone_(zone), capacity_(capacity) {}
  dns::Answer query(std::string_view name, dns::RrType type) override {
    singles.emplace_back(name);
    return zone_.query(name, type);
  }
  std::vector<dns::Answer> query_many(std::span<const dns::Question> questions) override {
    batches.emplace_back();
    std::vector<dns::Answer> out;
    for (const dns::Question& q : questions) {
      batches.back().emplace_back(q.name);
      out.push_back(zone_.query(q.name, q.type));
    }
    return out;
  }
  std::size_t cache_capacity() const noexcept override { return capacity_; }
  std::vector<std::string> singles;
  std::vector<std::vector<std::string>> batches;

 private:
  dns::ZoneResolver& zone_;
  std::size_t capacity_;
};

// A message whose SPF result comes from our own check of b@mail.reject.example, sent
// from 192.0.2.99, with header From `from`.
MessageInput self_validated(const char* from) {
  MessageInput in;
  in.authserv_id = "mx.example.net";
  in.envelope_from = "<b@mail.reject.example>";
  in.client_ip = "192.0.2.99";
  in.helo = "client.example";
  in.headers = {{"From", from}};
  return in;
}

// Cold mail: the author domain's _dmarc name, the organizational domain's and the SPF
// record go out in one batch before discovery and the SPF check ask for each.
TEST_F(DecideMessage, IndependentLookupsAreFetchedTogetherIntoTheCache) {
  auto psl = PublicSuffixList::parse("example\n");
  ASSERT_TRUE(psl);
  s.psl = std::make_shared<PublicSuffixList>(std::move(*psl));
  s.spf_self_validate = true;
  dns.add_txt("mail.reject.example", {"v=spf1 ip4:192.0.2.99 -all"});
  RecordingCache cache(dns);
  const MessageInput in = self_validated("a@mail.reject.example");
  const Decision d = decide_message(s, in, cache, 0);
  ASSERT_EQ(cache.batches.size(), 1u);
  EXPECT_EQ(cache.batches[0],
            (std::vector<std::string>{"_dmarc.mail.reject.example", "_dmarc.reject.example", "mail.reject.example"}));
  EXPECT_TRUE(cache.singles.empty() || cache.singles[0] != "mail.reject.example");  // handed over, not asked again
  ASSERT_EQ(d.auth_results.size(), 2u);  // the answers are the same as without the batch
  EXPECT_EQ(d.auth_results[0], "mx.example.net; spf=pass smtp.mailfrom=mail.reject.example");
  EXPECT_EQ(d.auth_results[1], "mx.example.net; dmarc=pass (p=reject dis=none) header.from=mail.reject.example");
}

// The SPF record fetched with the DMARC records is the SPF engine's fresh answer: with a
// cache large enough for its prefetch, the record's own targets still go out together.
TEST_F(DecideMessage, SpfRecordFetchedWithTheBatchIsStillWalked) {
  s.spf_self_validate = true;
  dns.add_txt("mail.reject.example", {"v=spf1 a mx -all"});
  dns.add("mail.reject.example", dns::RrType::a, "192.0.2.99");
  RecordingCache cache(dns, 256);
  const MessageInput in = self_validated("a@reject.example");
  const Decision d = decide_message(s, in, cache, 0);
  ASSERT_EQ(cache.batches.size(), 2u);
  EXPECT_EQ(cache.batches[0], (std::vector<std::string>{"_dmarc.reject.example", "mail.reject.example"}));
  EXPECT_EQ(cache.batches[1], (std::vector<std::string>{"mail.reject.example", "mail.reject.example"}));  // A, MX
  ASSERT_FALSE(d.auth_results.empty());
  EXPECT_EQ(d.auth_results[0], "mx.example.net; spf=pass smtp.mailfrom=mail.reject.example");
}

// The SPF engine is kept per thread (message.cpp): each message still asks through its
// own resolver, with that resolver's prefetch rule (none below kMinCacheForPrefetch).
TEST_F(DecideMessage, KeptSpfEngineAsksEachMessagesOwnResolver) {
  s.spf_self_validate = true;
  dns.add_txt("mail.reject.example", {"v=spf1 a mx -all"});
  dns.add("mail.reject.example", dns::RrType::a, "192.0.2.99");
  const MessageInput in = self_validated("a@reject.example");
  for (const std::size_t capacity : {256, 100, 256}) {
    RecordingCache cache(dns, capacity);
    const Decision d = decide_message(s, in, cache, 0);
    EXPECT_EQ(cache.batches.size(), capacity >= 256 ? 2u : 1u) << capacity;
    ASSERT_FALSE(d.auth_results.empty());
    EXPECT_EQ(d.auth_results[0], "mx.example.net; spf=pass smtp.mailfrom=mail.reject.example");
  }
}

// Without a cache nothing would keep a batch's answers: no batch, the same decision.
TEST_F(DecideMessage, NoBatchWithoutACache) {
  s.spf_self_validate = true;
  const Decision d = run({{"From", "a@reject.example"}});
  EXPECT_EQ(d.auth_results.size(), 2u);
  class NoCache final : public dns::Resolver {
   public:
    explicit NoCache(dns::ZoneResolver& z) : z_(z) {}
    dns::Answer query(std::string_view n, dns::RrType t) override { return z_.query(n, t); }
    std::vector<dns::Answer> query_many(std::span<const dns::Question>) override {
      ADD_FAILURE() << "batch without a cache";
      return {};
    }

   private:
    dns::ZoneResolver& z_;
  } plain(dns);
  MessageInput in;
  in.authserv_id = "mx.example.net";
  in.envelope_from = "<bounce@reject.example>";
  in.client_ip = "192.0.2.99";
  in.headers = {{"From", "a@reject.example"}};
  EXPECT_EQ(decide_message(s, in, plain, 0).auth_results, d.auth_results);
}

}  // namespace
}  // namespace cachet::dmarc

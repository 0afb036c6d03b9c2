// SPDX-License-Identifier: BSD-2-Clause
// milters/dkim/counters.cpp: see counters.hpp.
#include "milters/dkim/counters.hpp"

namespace cachet::dkimd {
namespace {

constexpr std::array<const char*, 3> kAlgorithms{"rsa-sha256", "rsa-sha1", "ed25519-sha256"};
constexpr std::array<dkim::VerifyResult, 6> kResults{dkim::VerifyResult::pass,      dkim::VerifyResult::fail,
                                                     dkim::VerifyResult::neutral,   dkim::VerifyResult::policy,
                                                     dkim::VerifyResult::permerror, dkim::VerifyResult::temperror};

}  // namespace

DkimCounters::DkimCounters(metrics::Registry& r) {
  const auto messages = r.counter_family("cachet_dkim_messages_total", "messages by signing decision", {"decision"});
  signed_ = messages.with_labels({"signed"});
  not_signed_ = messages.with_labels({"not_signed"});
  sign_error_ = messages.with_labels({"sign_error"});
  const auto sigs = r.counter_family("cachet_dkim_signatures_total", "signatures made by algorithm", {"algorithm"});
  for (std::size_t i = 0; i < kAlgorithms.size(); ++i) algorithm_[i] = sigs.with_labels({kAlgorithms[i]});
  const auto verify = r.counter_family("cachet_dkim_verify_results_total",
                                       "verified signatures by result (none: no signature)", {"result"});
  for (std::size_t i = 0; i < kResults.size(); ++i) verify_[i] = verify.with_labels({dkim::to_string(kResults[i])});
  verify_[6] = verify.with_labels({"none"});
  domain_signatures_ = metrics::DomainCounter(r, "cachet_dkim_domain_signatures_total",
                                              "signatures made by signing domain (MetricsDomains)", "algorithm",
                                              {kAlgorithms[0], kAlgorithms[1], kAlgorithms[2]});
  domain_verify_ = metrics::DomainCounter(r, "cachet_dkim_domain_verify_results_total",
                                          "verified signatures by signing domain (MetricsDomains) and result", "result",
                                          {"pass", "fail", "neutral", "policy", "permerror", "temperror"});
}

void DkimCounters::count(const dkim::SignFacts& f, const std::vector<dkim::SignatureResult>* results,
                         const std::vector<std::string>& listed) const {
  const bool signed_ok = f.sign_mode && !f.signatures.empty() && !f.origin.empty() && f.sender_valid && !f.exempt &&
                         !f.rcpt_blocked && f.sign_error.empty();
  if (signed_ok) {
    signed_.inc();
    for (const dkim::SignedWith& s : f.signatures) {
      for (std::size_t i = 0; i < kAlgorithms.size(); ++i)
        if (s.algorithm == kAlgorithms[i]) algorithm_[i].inc();
      domain_signatures_.inc(listed, s.domain, s.algorithm);
    }
  } else if (!f.sign_error.empty()) {
    sign_error_.inc();
  } else {
    not_signed_.inc();
  }
  if (results == nullptr) return;
  if (results->empty()) verify_[6].inc();
  for (const dkim::SignatureResult& r : *results) {
    verify_[static_cast<std::size_t>(r.result)].inc();
    domain_verify_.inc(listed, r.domain, dkim::to_string(r.result));
  }
}

}  // namespace cachet::dkimd

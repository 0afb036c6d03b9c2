// SPDX-License-Identifier: BSD-2-Clause
//
// milters/dkim/session.hpp: one MTA connection of cachet-dkim. Per message: takes the
// DkimState snapshot at MAIL FROM, collects header fields (Postfix's LF folding turned
// back into CRLF), decides at end of headers to sign (originating client and a key for the
// From domain) or to verify, streams the body into the signers or the verifier, and at end
// of message inserts the DKIM-Signature fields or the Authentication-Results field at index
// 0 (SMFIR_INSHEADER, as Debian's opendkim), deletes every Authentication-Results field
// that claims our authserv-id (in reverse order, CVE-2022-48521), and applies the On-*
// action. One info line per message (or per signature) with the queue id.
// Errors never give a pass: DNS trouble is temperror (On-DNSError), our own failures
// On-InternalError / On-SignatureError.
// Threading: hooks of one session never run concurrently (common/milter contract).
// See also: common/dkim/policy.hpp, ar.hpp, daemon.hpp, tests/integration/dkim_milter_test.cpp,
//   tests/fuzz/fuzz_dkim_session.cpp
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/base/swappable.hpp"
#include "common/dkim/key_cache.hpp"
#include "common/dkim/policy.hpp"
#include "common/dkim/sign.hpp"
#include "common/dkim/verify.hpp"
#include "common/dkim/why.hpp"
#include "common/dns/resolver.hpp"
#include "common/log/logger.hpp"
#include "common/milter/milter_daemon.hpp"
#include "common/milter/session.hpp"
#include "milters/dkim/counters.hpp"
#include "milters/dkim/settings.hpp"

namespace cachet::dkimd {

// The pure decision (common/dkim/policy.hpp).
using dkim::ClientFacts;
using dkim::Outcome;
using dkim::Sender;
using dkim::SignRequest;
using dkim::Situation;

// Fixed at startup: what the sessions share.
struct SessionShared {
  const Swappable<const DkimState>* state = nullptr;
  dkim::PublicKeyCache* key_cache = nullptr;
  log::Logger* logger = nullptr;
  std::function<std::uint64_t()> now;      // seconds since the epoch (tests inject a clock)
  const DkimCounters* counters = nullptr;  // Prometheus series (null: not counted)
  // Answers key queries instead of the snapshot's resolvers (fuzz_dkim_session); null in
  // the daemon.
  dns::Resolver* resolver_for_test = nullptr;
};

class DkimSession final : public milter::Session {
 public:
  DkimSession(const SessionShared& shared, const milter::ConnInfo& conn);

  milter::Verdict on_connect(milter::Context&, const milter::ConnInfo&) override;
  milter::Verdict on_envfrom(milter::Context&, const std::vector<std::string_view>&) override;
  milter::Verdict on_envrcpt(milter::Context&, const std::vector<std::string_view>&) override;
  milter::Verdict on_header(milter::Context&, std::string_view name, std::string_view value) override;
  milter::Verdict on_eoh(milter::Context&) override;
  milter::Verdict on_body(milter::Context&, std::string_view chunk) override;
  milter::Verdict on_eom(milter::Context&) override;
  void on_abort(milter::Context&) override { reset(); }

 private:
  enum class Role { none, sign, verify };
  void reset();
  milter::Verdict apply(milter::Context& ctx, Situation s, std::string_view why);
  milter::Verdict start_signing(milter::Context& ctx, const Sender& sender, std::vector<SignRequest> requests);
  milter::Verdict finish_signing(milter::Context& ctx);
  milter::Verdict finish_verifying(milter::Context& ctx);
  bool has_own_auth_results(milter::Context& ctx) const;
  bool remove_own_auth_results(milter::Context& ctx);
  std::string authserv_id(milter::Context& ctx) const;

  SessionShared shared_;
  milter::ConnInfo conn_;
  std::shared_ptr<const DkimState> st_;
  std::vector<mail::HeaderField> headers_;
  std::size_t header_bytes_ = 0;
  bool too_many_headers_ = false;
  bool rcpt_blocks_signing_ = false;
  dkim::SignFacts why_;  // what the signing choice saw, for the decision line
  void log_decision(const std::string& qid, const std::vector<dkim::SignatureResult>* results);
  Role role_ = Role::none;
  std::vector<SignRequest> requests_;
  std::vector<dkim::Signer> signers_;
  std::optional<dkim::Verifier> verifier_;
};

}  // namespace cachet::dkimd

// SPDX-License-Identifier: BSD-2-Clause
//
// common/spf/action.hpp: cachet-spf's pure decision: what an SPF result leads to under
// the policyd-spf options (disposition), and the exact text policyd-spf 3.0.4 writes for it
// (Received-SPF, Authentication-Results, X-Comment, the reject/defer reply, the final
// action line). Table-driven; tests compare with ../shared/reference/peers.md s2.4 row by
// row. Pure: no I/O, no logging; any thread.
// Deliberate differences (docs/migrating.md, cachet-spf): {url} points at RFC 7208 instead of the
// dead www.openspf.net; permerror/temperror reasons carry our engine's wording of the
// problem; a cached reject keeps its 5.7.24 code for later recipients.
// See also: policyd/spf/session.cpp (the caller), tests/unit/common/spf/action_test.cpp,
// tests/unit/policyd/spf/session_test.cpp (rows against peers.md).
#pragma once

#include <string>
#include <string_view>

#include "common/spf/engine.hpp"

namespace cachet::spf {

// What a result of one identity leads to (policyd-spf's _get_resultcodes).
enum class RejectPolicy { fail, spf_not_pass, softfail, null, no_header_only, no_check, other };
enum class HeaderType { spf, ar, none, both };

// The options these functions read; cachet-spf's Settings (policyd/spf/settings.hpp)
// derives from it and documents each.
struct ActionSettings {
  bool test_mode = false;  // TestOnly = 0
  bool permerror_reject = false;
  bool temperror_defer = false;
  std::string prospective;  // empty: use client_address
  bool enhanced_codes = true;
  HeaderType header_type = HeaderType::spf;
  std::string authserv_id;
};

// "Pass", "Fail", "Softfail", "Neutral", "None", "Permerror", "Temperror" (policyd-spf
// capitalises pyspf's result word).
const char* result_word(Verdict v) noexcept;
// pyspf's reason text for a result: "sender SPF authorized", the explanation for fail,
// "SPF Permanent Error: <problem>", ...; None becomes "no SPF record" (policyd-spf).
std::string reason_text(const spf::SpfResult& r);

enum class Disposition { prepend, reject, defer, dunno };
enum class Scope { helo, mailfrom };

// policyd-spf's _get_resultcodes for one identity: `policy` is HELO_reject or
// Mail_From_reject (already replaced by SPF_Not_Pass for a Reject_Not_Pass_Domains match).
// Never returns reject/defer for pass, none (unless the policy rejects it, it never does).
Disposition disposition(Verdict v, RejectPolicy policy, const ActionSettings& s) noexcept;

// The facts every header repeats.
struct HeaderFacts {
  std::string_view ip;             // client (or Prospective) address
  std::string_view helo;           // HELO name as used (sender domain if none was sent)
  std::string_view envelope_from;  // sender, "<>" for the null sender in HELO headers
  std::string_view receiver;       // recipient domain, "<UNKNOWN>", or "none"
};

// "Received-SPF: Pass (mailfrom) identity=mailfrom; client-ip=..; helo=..;
// envelope-from=..; receiver=.. " (trailing space kept). The comment is `mailfrom` for the
// MAIL FROM identity and the reason for HELO (policyd-spf's asymmetry).
std::string received_spf(Verdict v, Scope scope, std::string_view reason, const HeaderFacts& f);
// "Authentication-Results: <id>; spf=pass (<reason>) smtp.mailfrom=<domain> (client-ip=..;
// helo=..; envelope-from=..; receiver=..)" (smtp.helo=<helo> for the HELO identity).
std::string auth_results(std::string_view authserv_id, Verdict v, Scope scope, std::string_view reason,
                         std::string_view domain, const HeaderFacts& f);

// Why a check was skipped (skip_addresses and the whitelists).
enum class SkipReason { local, whitelist, domain_whitelist, helo_whitelist, ptr_whitelist };
// policyd-spf's skip header: "X-Comment: SPF check N/A for local connections - client-ip=..;
// helo=..; envelope-from=..; receiver=.. " or, when Header_Type has AR,
// "Authentication-Results: <id>; none (SPF check N/A ... -  client-ip=..; ...)".
std::string skip_header(SkipReason why, const ActionSettings& s, const HeaderFacts& f);

// The {url} of Reason_Message for a result.
std::string explanation_url(Verdict v);
// Reason_Message with {rejectdefer}, {spf} and {url} replaced (other text unchanged; an
// unknown {name} stays as written).
std::string reason_message(std::string_view tmpl, Disposition d, std::string_view spf, std::string_view url);

// What the service decided for a request, before the final formatting.
struct Outcome {
  enum class Kind { dunno, prepend, reject, defer, restriction };
  Kind kind = Kind::dunno;
  std::string text;       // header (prepend), reply text (reject/defer), class name
  bool is_error = false;  // permerror/temperror: RFC 7372 5.7.24 / 4.7.24
};

// The action text after "action=", as policyd-spf's main loop writes it: test mode turns
// everything but a prepend into dunno; Prospective and Header_Type None turn a prepend into
// dunno; reject/defer get "550 5.7.23", "550 5.7.24", "defer_if_permit 4.7.24" or the bare
// forms with SPF_Enhanced_Status_Codes = No.
std::string action_text(const Outcome& o, const ActionSettings& s);

inline constexpr std::string_view kMockAction = "dunno mock header field that should be ignored";

}  // namespace cachet::spf

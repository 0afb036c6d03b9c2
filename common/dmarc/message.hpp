// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/message.hpp: cachet-dmarc's pure decision, per message, as opendmarc
// takes its inputs (peers.md s2.3) but without its bypasses:
//   - trusted Authentication-Results only (authserv-id = ours or in TrustedAuthservIDs,
//     case-insensitive; `id/queue-id` with AuthservIDWithJobID): dkim results by header.d,
//     spf only when smtp.mailfrom (bare domain or full address) names the envelope
//     sender's domain (CVE-2019-20790); unparsable fields (CVE-2020-12272 non-LDH
//     domains, no ADMD, `(null)=pass`) are ignored;
//   - else the topmost Received-SPF, only with identity=mailfrom and envelope-from equal to
//     the real envelope sender; SPFIgnoreResults drops both; SPFSelfValidate checks SPF
//     itself (common/spf) when nothing was found;
//   - every domain of every From field is evaluated (common/dmarc): mail with several From
//     domains is a pass only when each domain passes (CVE-2019-16378); a From that does not
//     parse (an element without a domain, CVE-2021-34555) is permerror, never a pass.
// Output: the Authentication-Results value opendmarc writes ("id; dmarc=fail (p=reject
// dis=none) header.from=example.com"), or a reply (RejectFailures: 550 5.7.1 RejectString;
// temperror: 451 4.7.1), quarantine, CopyFailuresTo, and the fields of the info line.
// Pure apart from the injected resolver: no logging, no clock; any thread.
// See also: milters/dmarc/session.hpp (the milter glue), milters/dmarc/settings.hpp (builds
// the MessageSettings), tests/unit/common/dmarc/message_test.cpp.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/config/dataset.hpp"
#include "common/config/host_list.hpp"
#include "common/dmarc/engine.hpp"
#include "common/dmarc/history.hpp"
#include "common/dns/resolver.hpp"
#include "common/milter/session.hpp"

namespace cachet::dmarc {

// What the decision reads: cachet-dmarc's options (milters/dmarc/settings.hpp builds it).
struct MessageSettings {
  // Trust.
  std::string authserv_id;  // "" = the MTA's j macro (then the host name)
  bool authserv_id_with_job_id = false;
  std::vector<std::string> trusted_ids;  // empty = just our own authserv-id
  bool spf_ignore_results = false;
  bool spf_self_validate = false;
  // Which mail is evaluated.
  config::HostList ignore_hosts;
  bool ignore_authenticated = false;
  config::Dataset ignore_mail_from;
  bool required_headers = false;
  bool reject_multi_value_from = false;
  bool required_from = false;
  // Actions.
  bool reject_failures = false;
  std::string reject_string = "rejected by DMARC policy for %s";
  bool hold_quarantined = false;
  std::string copy_failures_to;
  bool software_header = false;
  // Discovery.
  std::shared_ptr<const dmarc::PublicSuffixList> psl;  // null: no org-domain fallback
  dmarc::DiscoveryMode mode = dmarc::DiscoveryMode::rfc7489_psl;
  // History.
  bool record_all_messages = false;  // also messages whose domain publishes no record
};

inline constexpr std::size_t kMaxAuthResultsFields = 64;  // A-R fields examined per message

struct MessageInput {
  std::string queue_id;
  std::string authserv_id;    // ours, without the job id (settings or the MTA's j macro)
  std::string output_id;      // written in our fields ("" = authserv_id; "id/qid" with JobID)
  std::string envelope_from;  // MAIL FROM as given ("<a@b>", "<>")
  std::string client_ip, helo;
  std::vector<std::pair<std::string, std::string>> headers;  // in message order (top first)
};

struct Decision {
  bool evaluated = false;                 // false: not evaluated (no header, no history)
  milter::Verdict verdict;                // continue = accept the message
  std::vector<std::string> auth_results;  // values to insert at index 0, in order
  std::optional<std::string> quarantine_reason;
  std::optional<std::string> add_rcpt;  // CopyFailuresTo
  // For the info line and the history.
  std::string result = "none";  // dmarc result, or why not evaluated
  std::string from_domain, policy_domain, policy = "none", disposition = "none";
  std::string dkim, spf;  // what was used: "pass d=example.com" ...
  std::string reason;
  // The inputs, for the decision line (decision_line.hpp).
  std::string ar_ids;               // trusted authserv-ids whose A-R fields gave results
  std::string spf_source = "none";  // A-R, Received-SPF, SPFSelfValidate or none
  std::string org_domain;           // the From domain's organizational domain (PSL mode)
  unsigned sample = 0;              // the pct draw in [0, 100)
  bool sampled_out = false, testing = false;
  // For the history (aggregate reports).
  std::vector<DkimEntry> dkim_results;          // every trusted dkim result, with selector
  std::string spf_domain, spf_result = "none";  // the SPF result as found (not mapped)
  std::optional<Record> published;              // the record that applied, if any
  bool dkim_aligned = false, spf_aligned = false;
};

// `sample` is the pct draw in [0, 100).
Decision decide_message(const MessageSettings& s, const MessageInput& in, dns::Resolver& resolver, unsigned sample);

// RFC 5322 s3.6 header counts (RequiredHeaders): "" when fine, else what is wrong.
std::string check_required_headers(const std::vector<std::pair<std::string, std::string>>& headers);

}  // namespace cachet::dmarc

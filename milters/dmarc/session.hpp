// SPDX-License-Identifier: BSD-2-Clause
//
// milters/dmarc/session.hpp: one MTA connection of cachet-dmarc. Per message: takes the
// DmarcState snapshot at MAIL FROM, skips IgnoreHosts clients and (IgnoreAuthenticated-
// Clients) SMTP AUTH clients, collects the header fields, and at end of message runs
// decide_message(), inserts its Authentication-Results at index 0 (as Debian's opendmarc),
// quarantines / adds the CopyFailuresTo recipient, and returns its reply. One info line per
// message with the queue id (`dmarc.result qid=... from=... result=...`). The history
// record (history_outputs.hpp) is handed to the state's writers, which only queue it; a
// failure report due (FailureReports, failure_reports.hpp) likewise goes to the state's
// FailureReporter queue, with the header fields the session kept (bounded below).
// Header bytes beyond kMaxHeaderBytes make the message permerror-free "unevaluated":
// the fields are not kept, a warning is logged, nothing is added (no pass on huge input).
// Threading: hooks of one session never run concurrently (common/milter contract).
// See also: common/dmarc/message.hpp, daemon.hpp, tests/unit/milters/dmarc/session_test.cpp
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/base/swappable.hpp"
#include "common/dmarc/message.hpp"
#include "common/log/logger.hpp"
#include "common/milter/milter_daemon.hpp"
#include "common/milter/session.hpp"
#include "milters/dmarc/counters.hpp"
#include "milters/dmarc/settings.hpp"

namespace cachet::dmarcd {

inline constexpr std::size_t kMaxHeaderBytes = 1024 * 1024;  // all header fields together

struct SessionShared {
  const Swappable<const DmarcState>* state = nullptr;
  log::Logger* logger = nullptr;
  dns::Resolver* resolver_override = nullptr;  // tests: used instead of the state's resolver
  const DmarcCounters* counters = nullptr;     // Prometheus series (null: not counted)
};

class DmarcSession final : public milter::Session {
 public:
  DmarcSession(const SessionShared& shared, const milter::ConnInfo& conn);

  milter::Verdict on_connect(milter::Context&, const milter::ConnInfo&) override;
  milter::Verdict on_helo(milter::Context&, std::string_view helo) override;
  milter::Verdict on_envfrom(milter::Context&, const std::vector<std::string_view>&) override;
  milter::Verdict on_header(milter::Context&, std::string_view name, std::string_view value) override;
  milter::Verdict on_eom(milter::Context&) override;
  void on_abort(milter::Context&) override { reset(); }

 private:
  void reset();
  std::string mta_name(milter::Context& ctx) const;  // the MTA's j macro, else our host name
  // `reporter`: mta_name().
  void record_history(const std::string& reporter, const MessageInput& in, const Decision& d);
  void report_failure(const std::string& reporter, const MessageInput& in, const Decision& d);

  SessionShared shared_;
  milter::ConnInfo conn_;
  std::string helo_;
  std::shared_ptr<const DmarcState> st_;
  bool skip_ = false;
  std::string skip_reason_;
  std::string envelope_from_;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::size_t header_bytes_ = 0;
  bool too_big_ = false;
};

}  // namespace cachet::dmarcd

// SPDX-License-Identifier: BSD-2-Clause
// milters/dmarc/session.cpp: see session.hpp.
#include "milters/dmarc/session.hpp"

#include <unistd.h>

#include <cstdint>
#include <ctime>

#include "common/base/random.hpp"
#include "common/base/strings.hpp"
#include "common/dmarc/decision_line.hpp"
#include "common/dmarc/message.hpp"
#include "common/dmarc/report_failure_job.hpp"
#include "milters/dmarc/history_outputs.hpp"

namespace cachet::dmarcd {

using milter::Verdict;

namespace {

// Room for a usual message's header fields at the first one (a session handles one
// message per SMTP session here, so the vector would otherwise grow from empty each time).
constexpr std::size_t kHeadersReserved = 32;

// A queue id goes into the authserv-id (AuthservIDWithJobID) only when it is plain
// letters, digits, '.', '-' or '_', as Postfix's are: an odd `i` macro must not put control
// bytes into the field we write (found by fuzz_dmarc_session).
bool is_plain_job_id(std::string_view qid) {
  if (qid.empty()) return false;
  for (const char c : qid)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
          c == '_'))
      return false;
  return true;
}

}  // namespace

DmarcSession::DmarcSession(const SessionShared& shared, const milter::ConnInfo& conn) : shared_(shared), conn_(conn) {}

void DmarcSession::reset() {
  st_.reset();
  skip_ = false;
  skip_reason_.clear();
  envelope_from_.clear();
  headers_.clear();
  header_bytes_ = 0;
  too_big_ = false;
}

Verdict DmarcSession::on_connect(milter::Context&, const milter::ConnInfo& ci) {
  conn_ = ci;
  return Verdict::cont();
}

Verdict DmarcSession::on_helo(milter::Context&, std::string_view helo) {
  helo_ = std::string(helo);
  return Verdict::cont();
}

Verdict DmarcSession::on_envfrom(milter::Context& ctx, const std::vector<std::string_view>& args) {
  reset();
  st_ = shared_.state->load();
  if (!args.empty()) envelope_from_ = std::string(args.front());
  const DmarcSettings& s = st_->settings;
  if (conn_.known && s.ignore_hosts.matches(conn_.address, conn_.hostname)) {
    skip_ = true;
    skip_reason_ = "IgnoreHosts";
  } else if (s.ignore_authenticated && !ctx.macro("{auth_authen}").value_or("").empty()) {
    skip_ = true;
    skip_reason_ = "authenticated";
  }
  return Verdict::cont();
}

Verdict DmarcSession::on_header(milter::Context& ctx, std::string_view name, std::string_view value) {
  if (skip_ || too_big_ || !st_) return Verdict::cont();
  header_bytes_ += name.size() + value.size() + 4;
  if (header_bytes_ > kMaxHeaderBytes) {
    too_big_ = true;
    headers_.clear();
    log::Event(*shared_.logger, log::Level::warning, "dmarc.header_limit")
        .kv("qid", ctx.queue_id())
        .kv("limit", static_cast<long long>(kMaxHeaderBytes));
    return Verdict::cont();
  }
  if (ctx.has_leading_space() && !value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (headers_.empty()) headers_.reserve(kHeadersReserved);
  headers_.emplace_back(std::string(name), std::string(value));
  return Verdict::cont();
}

std::string DmarcSession::mta_name(milter::Context& ctx) const {
  std::string name = ctx.macro("j").value_or("");
  return name.empty() ? expand_hostname("HOSTNAME") : name;
}

void DmarcSession::record_history(const std::string& reporter, const MessageInput& in, const Decision& d) {
  if (st_->history.empty() || !should_record(d, st_->settings.record_all_messages)) return;
  // Queued for the writers' threads: a slow or failing store never holds this message.
  dmarc::HistoryRecord r = history_record(in, d, reporter, static_cast<std::int64_t>(std::time(nullptr)));
  // A copy for each writer but the last, which takes the record itself.
  for (std::size_t i = 0; i + 1 < st_->history.size(); ++i) st_->history[i]->submit(r);
  st_->history.back()->submit(std::move(r));
}

void DmarcSession::report_failure(const std::string& reporter, const MessageInput& in, const Decision& d) {
  if (!st_->failure) return;
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  auto job = dmarc::failure_job(st_->failure->options, in, d, reporter, now);
  // Queued for the reporter's thread: DNS checks and sendmail never hold this message.
  if (job) (void)st_->failure->reporter->submit(std::move(*job), st_->failure->sender, now);
}

Verdict DmarcSession::on_eom(milter::Context& ctx) {
  if (!st_) return Verdict::cont();
  const std::string qid = ctx.queue_id();
  if (skip_ || too_big_) {
    log::Event(*shared_.logger, log::Level::info, "dmarc.result")
        .kv("qid", qid)
        .fields(dmarc::skipped_fields(too_big_ ? "header limit" : skip_reason_));
    if (shared_.counters != nullptr) shared_.counters->count("skipped", "none");
    reset();
    return Verdict::cont();
  }
  const DmarcSettings& s = st_->settings;
  MessageInput in;
  in.queue_id = qid;
  // One look-up of the j macro: our authserv-id (unless configured) and the reporter name.
  const std::string mta = mta_name(ctx);
  in.authserv_id = s.authserv_id.empty() ? mta : s.authserv_id;
  if (s.authserv_id_with_job_id && is_plain_job_id(qid)) in.output_id = in.authserv_id + "/" + qid;
  in.envelope_from = envelope_from_;
  in.client_ip = conn_.family == milter::ConnInfo::Family::inet || conn_.family == milter::ConnInfo::Family::inet6
                     ? conn_.address
                     : std::string();
  in.helo = helo_;
  in.headers = std::move(headers_);
  dns::Resolver& resolver = shared_.resolver_override != nullptr ? *shared_.resolver_override : *st_->resolvers->cache;
  const Decision d = decide_message(s, in, resolver, random_u32() % 100);

  const std::string& our_id = in.output_id.empty() ? in.authserv_id : in.output_id;
  bool io_ok = true;
  if (d.verdict.is_continue()) {
    // Insert in reverse so that the fields end up in decision order at the top.
    for (auto it = d.auth_results.rbegin(); it != d.auth_results.rend(); ++it)
      io_ok = ctx.insert_header(0, "Authentication-Results", *it).has_value() && io_ok;
    if (s.software_header && d.evaluated)
      io_ok = ctx.add_header("DMARC-Filter", "cachet-dmarc " + our_id + " " + qid).has_value() && io_ok;
    if (d.quarantine_reason) io_ok = ctx.quarantine(*d.quarantine_reason).has_value() && io_ok;
    if (d.add_rcpt) io_ok = ctx.add_rcpt("<" + *d.add_rcpt + ">").has_value() && io_ok;
  }
  {
    log::Event line(*shared_.logger, log::Level::info, "dmarc.result");
    line.kv("qid", qid);
    dmarc::for_each_result_field(d, [&](std::string_view key, std::string_view value) { line.kv(key, value); });
  }  // written here, before the history and failure report
  if (shared_.counters != nullptr)
    shared_.counters->count(d.result, d.disposition, st_->metrics_domains, d.from_domain);
  record_history(mta, in, d);
  report_failure(mta, in, d);
  if (!io_ok) log::Event(*shared_.logger, log::Level::warning, "dmarc.modify_failed").kv("qid", qid);
  reset();
  return d.verdict;
}

}  // namespace cachet::dmarcd

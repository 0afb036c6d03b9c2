// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/report_failure_queue.cpp: see report_failure_queue.hpp.
#include "common/dmarc/report_failure_queue.hpp"

namespace cachet::dmarc {

FailureReporter::FailureReporter(log::Logger& logger, std::size_t capacity) : logger_(logger), capacity_(capacity) {}

FailureReporter::~FailureReporter() {
  std::size_t lost = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    lost = queue_.size();
    stats_.dropped += lost;
    queue_.clear();
  }
  if (lost > 0)
    log::Event(logger_, log::Level::warning, "dmarc.failure_reports_lost").kv("count", static_cast<long long>(lost));
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

bool FailureReporter::submit(FailureJob job, std::shared_ptr<const FailureSender> sender, std::int64_t now) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stop_ || !sender) return false;
  if (!limiter_ || limiter_per_hour_ != sender->per_hour) {  // first job, or a reload changed the limit
    limiter_ = std::make_unique<FailureRateLimiter>(sender->per_hour, kFailureRateWindow);
    limiter_per_hour_ = sender->per_hour;
  }
  if (!limiter_->allow(job.report.policy_domain, now)) {
    ++stats_.limited;
    log::Event(logger_, log::Level::info, "dmarc.failure_report")
        .kv("qid", job.queue_id)
        .kv("domain", job.report.policy_domain)
        .kv("outcome", "rate_limited");
    return false;
  }
  if (queue_.size() + (busy_ ? 1 : 0) >= capacity_) {
    ++stats_.dropped;
    if (!drop_logged_)
      log::Event(logger_, log::Level::warning, "dmarc.failure_queue_full")
          .kv("capacity", static_cast<long long>(capacity_))
          .kv("dropped", static_cast<long long>(stats_.dropped));
    drop_logged_ = true;
    return false;
  }
  queue_.push_back(Queued{std::move(job), std::move(sender)});
  if (!worker_.joinable()) worker_ = std::thread([this] { run(); });
  wake_.notify_one();
  return true;
}

FailureReporter::Stats FailureReporter::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  Stats s = stats_;
  s.pending = queue_.size() + (busy_ ? 1 : 0);
  return s;
}

bool FailureReporter::wait_idle_for_test(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return idle_.wait_for(lock, timeout, [&] { return queue_.empty() && !busy_; });
}

void FailureReporter::run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping
    Queued q = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    try {
      process(q);
    } catch (const std::exception& e) {
      log::Event(logger_, log::Level::error, "dmarc.failure_report_error")
          .kv("qid", q.job.queue_id)
          .kv("reason", e.what());
    } catch (...) {
      log::Event(logger_, log::Level::error, "dmarc.failure_report_error").kv("qid", q.job.queue_id);
    }
    lock.lock();
    busy_ = false;
    // One queue_full warning per episode (as the history writer).
    if (queue_.size() <= capacity_ / 2) drop_logged_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
}

void FailureReporter::log_outcome(const Queued& q, std::string_view to, std::string_view outcome,
                                  std::string_view reason) {
  const bool bad = outcome == "failed";
  log::Event e(logger_, bad ? log::Level::warning : log::Level::info, "dmarc.failure_report");
  e.kv("qid", q.job.queue_id).kv("domain", q.job.report.policy_domain);
  if (!to.empty()) e.kv("to", to);
  e.kv("outcome", outcome);
  if (!reason.empty()) e.kv("reason", reason);
}

void FailureReporter::process(const Queued& q) {
  const FailureSender& s = *q.sender;
  for (const std::string& why : q.job.refused) log_outcome(q, {}, "refused", why);
  for (const RuaTarget& t : q.job.targets) {
    const ReportAuth auth = authorize_target(q.job.report.policy_domain, t, *s.orgs, *s.resolver);
    if (auth == ReportAuth::not_authorized || auth == ReportAuth::try_later) {
      log_outcome(q, t.address, auth == ReportAuth::not_authorized ? "unauthorized" : "dns_error",
                  "RFC 7489 s7.1: " + report_auth_name(q.job.report.policy_domain, t.domain));
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.skipped;
      continue;
    }
    send_one(q, t.address, &t);
  }
  for (const std::string& bcc : s.bcc) send_one(q, bcc, nullptr);
}

void FailureReporter::send_one(const Queued& q, const std::string& to, const RuaTarget* target) {
  const FailureSender& s = *q.sender;
  FailureReport r = q.job.report;
  r.from = s.sent_by;
  r.to = to;
  r.date = s.now();
  r.unique = s.unique();
  const std::string message = build_failure_report(r);
  if (target != nullptr && !fits_size_limit(message.size(), *target)) {
    log_outcome(q, to, "too_big", std::to_string(message.size()) + " bytes over the ruf size limit");
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.skipped;
    return;
  }
  const Result<void> sent = s.delivery->deliver(s.envelope_from, to, "arf." + r.unique, message);
  if (sent)
    log_outcome(q, to, "sent");
  else
    log_outcome(q, to, "failed", sent.error().detail);
  std::lock_guard<std::mutex> lock(mu_);
  ++(sent ? stats_.sent : stats_.failed);
}

}  // namespace cachet::dmarc

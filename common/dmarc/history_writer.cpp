// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/history_writer.cpp: see history_writer.hpp.
#include "common/dmarc/history_writer.hpp"

#include <algorithm>
#include <iterator>
#include <vector>

namespace cachet::dmarc {
namespace {

// The sink's answer, with an exception (bad_alloc, a bug in a sink) turned into a failed
// batch: the records stay queued and are retried like after any other failure.
Result<void> add_batch_caught(HistorySink& sink, std::span<const HistoryRecord> batch) {
  try {
    return sink.add_batch(batch);
  } catch (const std::exception& e) {
    return fail(Errc::internal, std::string("exception: ") + e.what());
  } catch (...) {
    return fail(Errc::internal, "unknown exception");
  }
}

}  // namespace

HistoryWriter::HistoryWriter(std::unique_ptr<HistorySink> sink, log::Logger& logger, Options options)
    : sink_(std::move(sink)), logger_(logger), options_(options), backoff_(options.min_backoff) {}

HistoryWriter::~HistoryWriter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void HistoryWriter::log(log::Level level, std::string_view event, std::string_view reason) {
  log::Event e(logger_, level, event);
  e.kv("store", sink_->describe());
  e.kv("written", static_cast<long long>(written_)).kv("dropped", static_cast<long long>(dropped_));
  e.kv("pending", static_cast<long long>(queue_.size()));
  if (!reason.empty()) e.kv("reason", reason);
}

void HistoryWriter::submit(HistoryRecord r) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stop_) return;
  if (queue_.size() + in_flight_ >= options_.capacity) {
    ++dropped_;
    if (!drop_logged_) log(log::Level::warning, "dmarc.history_queue_full");
    drop_logged_ = true;
    return;
  }
  queue_.push_back(std::move(r));
  if (!worker_.joinable()) worker_ = std::thread([this] { run(); });
  // Only news wakes the worker: a first record (it sleeps until there is one) or a full
  // batch (it lingers until there is one).
  if (queue_.size() == 1 || queue_.size() == options_.batch) wake_.notify_one();
}

HistoryWriter::Stats HistoryWriter::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return Stats{written_, dropped_, queue_.size() + in_flight_, failing_};
}

bool HistoryWriter::wait_idle_for_test(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  flush_ = true;
  wake_.notify_all();
  const bool idle = idle_.wait_for(lock, timeout, [&] { return queue_.empty() && in_flight_ == 0; });
  flush_ = false;
  return idle;
}

void HistoryWriter::write_one_batch(std::unique_lock<std::mutex>& lock) {
  const std::size_t n = std::min(options_.batch, queue_.size());
  const auto end = queue_.begin() + static_cast<std::ptrdiff_t>(n);
  taken_.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(end));
  queue_.erase(queue_.begin(), end);
  in_flight_ = n;
  lock.unlock();
  const Result<void> r = add_batch_caught(*sink_, taken_);
  if (r) taken_.clear();  // destroyed outside the lock: submit() never waits for them
  lock.lock();
  in_flight_ = 0;
  if (r) {
    written_ += n;
    if (failing_) {
      log(log::Level::info, "dmarc.history_recovered");
      failing_ = false;
    }
    // One queue_full warning per episode: a sink slower than the mail would otherwise log
    // one per batch while the queue stays full (seen in tests/soak at 16,000 messages/s).
    if (queue_.size() <= options_.capacity / 2) drop_logged_ = false;
    backoff_ = options_.min_backoff;
    if (queue_.empty()) idle_.notify_all();
    return;
  }
  // Keep the records, oldest first, for the next attempt.
  queue_.insert(queue_.begin(), std::make_move_iterator(taken_.begin()), std::make_move_iterator(taken_.end()));
  taken_.clear();
  if (!failing_) log(log::Level::warning, "dmarc.history_unavailable", r.error().detail);
  failing_ = true;
  if (stop_) {
    dropped_ += queue_.size();
    log(log::Level::error, "dmarc.history_lost", r.error().detail);
    queue_.clear();
    idle_.notify_all();
    return;
  }
  wake_.wait_for(lock, backoff_, [&] { return stop_; });
  backoff_ = std::min(backoff_ * 2, options_.max_backoff);
}

void HistoryWriter::run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, nothing left
    wake_.wait_for(lock, options_.linger, [&] { return stop_ || flush_ || queue_.size() >= options_.batch; });
    try {
      write_one_batch(lock);
    } catch (...) {
      // Something outside the sink threw (bad_alloc while moving records): log it and go
      // on instead of terminating the daemon. The batch in hand may be lost (the report
      // under-counts, as after a crash; never invents mail).
      if (!lock.owns_lock()) lock.lock();
      dropped_ += in_flight_;
      in_flight_ = 0;
      taken_.clear();
      log_exception();
      if (stop_) {
        dropped_ += queue_.size();
        queue_.clear();
        idle_.notify_all();
        return;
      }
      wake_.wait_for(lock, backoff_, [&] { return stop_; });
    }
  }
}

void HistoryWriter::log_exception() noexcept {
  try {
    try {
      throw;
    } catch (const std::exception& e) {
      log(log::Level::error, "dmarc.history_writer_error", e.what());
    } catch (...) {
      log(log::Level::error, "dmarc.history_writer_error", "unknown exception");
    }
  } catch (...) {  // the log line itself failed (out of memory): nothing more to do
  }
}

}  // namespace cachet::dmarc

// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/history_writer.hpp: puts history records into a HistorySink off the milter
// threads, so that a slow or unreachable database never delays or refuses mail.
// submit() only appends to a bounded in-memory queue (capacity records; beyond it new
// records are dropped and counted: memory stays bounded during a long outage; one
// `dmarc.history_queue_full` warning until the queue drains to half its capacity). One worker
// thread, started by the first submit() (never before: the daemon may fork after loading
// its state), writes batches of up to `batch` records; once a record is queued it waits up
// to `linger` for the batch to fill, so under load the worker wakes once per batch, not
// once per message (the per-message wake-up and transaction were a sixth of cachet-dmarc's
// CPU on cold mail, tests/bench dmarc-cold-spf-self). When the sink fails it logs
// `dmarc.history_unavailable` once, keeps the batch at the head of the queue, and retries
// after a backoff (1 s doubling to 60 s); the first success logs `dmarc.history_recovered`
// with what was written and dropped meanwhile. The destructor lets the worker write what
// is queued (one more attempt if the sink is failing; whatever still fails is counted in
// `dmarc.history_lost`), then joins it: destroy the writer while the logger still exists.
// An exception in the worker never terminates the daemon: one thrown by the sink counts as a
// failed batch (retried); any other is logged as `dmarc.history_writer_error` and the worker
// goes on after the backoff.
// Records are kept only in memory: a crash or kill loses what is queued (at most
// `capacity`); the aggregate report then under-counts, it never invents mail.
// Thread-safety: submit() and stats() from any thread.
// See also: history.hpp, store/history_pg.hpp, history_file.hpp, milters/dmarc/session.cpp
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/dmarc/history.hpp"
#include "common/log/logger.hpp"

namespace cachet::dmarc {

inline constexpr std::size_t kHistoryQueueCapacity = 20000;  // ~10 MB of records

class HistoryWriter {
 public:
  struct Options {
    std::size_t capacity = kHistoryQueueCapacity;
    std::size_t batch = 256;
    std::chrono::milliseconds min_backoff{1000};
    std::chrono::milliseconds max_backoff{60000};
    std::chrono::milliseconds linger{100};  // 0: write as soon as a record is queued
  };
  struct Stats {
    std::uint64_t written = 0, dropped = 0;
    std::size_t pending = 0;
    bool failing = false;
  };

  HistoryWriter(std::unique_ptr<HistorySink> sink, log::Logger& logger, Options options);
  HistoryWriter(std::unique_ptr<HistorySink> sink, log::Logger& logger)
      : HistoryWriter(std::move(sink), logger, Options{}) {}
  ~HistoryWriter();
  HistoryWriter(const HistoryWriter&) = delete;
  HistoryWriter& operator=(const HistoryWriter&) = delete;

  void submit(HistoryRecord r);
  Stats stats() const;
  // Tests: true once everything submitted so far is written (false after the timeout);
  // the worker stops lingering meanwhile.
  bool wait_idle_for_test(std::chrono::milliseconds timeout);

 private:
  void run();
  void write_one_batch(std::unique_lock<std::mutex>& lock);
  void log(log::Level level, std::string_view event, std::string_view reason = {});
  void log_exception() noexcept;  // inside a catch block: the exception in flight

  std::unique_ptr<HistorySink> sink_;
  log::Logger& logger_;
  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable wake_, idle_;
  std::deque<HistoryRecord> queue_;  // a deque: a backlog's memory goes as it drains
  // The batch being written (in_flight_ records), the worker's; reused, so a batch costs no
  // allocation.
  std::vector<HistoryRecord> taken_;
  std::size_t in_flight_ = 0;
  bool stop_ = false, failing_ = false, drop_logged_ = false, flush_ = false;
  std::chrono::milliseconds backoff_;
  std::uint64_t written_ = 0, dropped_ = 0;
  std::thread worker_;  // last: started after everything above exists
};

}  // namespace cachet::dmarc

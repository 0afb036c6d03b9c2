// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dmarc/history_writer_test.cpp: HistoryWriter over a scripted sink:
// records reach the sink in order, an outage is logged once and retried without loss, the
// queue bound drops (and counts) rather than grows and warns once per episode, a blocked
// sink never blocks submit(), the destructor flushes (or reports what it lost), the worker
// lingers for a full batch and stops lingering when asked to flush.
#include "common/dmarc/history_writer.hpp"

#include <atomic>
#include <future>
#include <semaphore>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

namespace cachet::dmarc {
namespace {

using namespace std::chrono_literals;

struct Script {
  std::mutex mu;
  std::vector<std::string> jobs;  // what was stored
  int failures_left = 0;          // next add_batch calls that fail
  int throws_left = 0;            // next add_batch calls that throw
  int failing_call = 0;           // the add_batch call (1 = the first) that fails, once
  bool always_fail = false;
  std::promise<void> release;  // a blocked sink waits for this
  std::shared_future<void> gate;
  std::atomic<int> calls{0};
};

class ScriptedSink final : public HistorySink {
 public:
  explicit ScriptedSink(Script& s) : s_(s) {}
  Result<void> add_batch(std::span<const HistoryRecord> records) override {
    const int call = ++s_.calls;
    if (s_.gate.valid()) s_.gate.wait();
    std::lock_guard<std::mutex> lock(s_.mu);
    if (s_.throws_left > 0) {
      --s_.throws_left;
      throw std::runtime_error("sink bug");
    }
    if (call == s_.failing_call) return fail(Errc::temporary, "database hiccup");
    if (s_.always_fail || s_.failures_left > 0) {
      --s_.failures_left;
      return fail(Errc::temporary, "database down");
    }
    for (const auto& r : records) s_.jobs.push_back(r.job_id);
    return {};
  }
  std::string describe() const override { return "scripted"; }

 private:
  Script& s_;
};

// Polls until cond holds (bounded); the writer's thread changes what it reads.
template <class F>
bool soon(F cond) {
  for (int i = 0; i < 2000 && !cond(); ++i) std::this_thread::sleep_for(5ms);
  return cond();
}

HistoryRecord job(int i) {
  HistoryRecord r;
  r.job_id = "Q" + std::to_string(i);
  return r;
}

HistoryWriter::Options fast(std::size_t capacity = 100) {
  HistoryWriter::Options o;
  o.capacity = capacity;
  o.batch = 3;
  o.min_backoff = 1ms;
  o.max_backoff = 4ms;
  o.linger = 0ms;
  return o;
}

// fast(), but the worker waits for a full batch (3) as long as a test may run.
HistoryWriter::Options lingering() {
  HistoryWriter::Options o = fast();
  o.linger = 1h;
  return o;
}

TEST(HistoryWriter, WritesInOrderInBatches) {
  Script s;
  log::CaptureLogger logger;
  HistoryWriter w(std::make_unique<ScriptedSink>(s), logger, fast());
  for (int i = 0; i < 10; ++i) w.submit(job(i));
  ASSERT_TRUE(w.wait_idle_for_test(10s));
  std::lock_guard<std::mutex> lock(s.mu);
  ASSERT_EQ(s.jobs.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(s.jobs[static_cast<std::size_t>(i)], "Q" + std::to_string(i));
  EXPECT_EQ(w.stats().written, 10u);
}

// Submits Q0..Q3, waits until the writer is idle, and checks the sink holds them in order.
void submit_four_and_expect_them_in_order(Script& s, HistoryWriter& w) {
  for (int i = 0; i < 4; ++i) w.submit(job(i));
  ASSERT_TRUE(w.wait_idle_for_test(10s));
  {
    std::lock_guard<std::mutex> lock(s.mu);
    EXPECT_EQ(s.jobs, (std::vector<std::string>{"Q0", "Q1", "Q2", "Q3"}));
  }
}

TEST(HistoryWriter, OutageIsLoggedOnceAndRetriedWithoutLoss) {
  Script s;
  s.failures_left = 5;
  log::CaptureLogger logger;
  HistoryWriter w(std::make_unique<ScriptedSink>(s), logger, fast());
  submit_four_and_expect_them_in_order(s, w);
  std::size_t unavailable = 0, recovered = 0;
  for (const std::string& l : logger.lines()) {
    unavailable += l.find("dmarc.history_unavailable store=scripted") != std::string::npos;
    recovered += l.find("dmarc.history_recovered") != std::string::npos;
  }
  EXPECT_EQ(unavailable, 1u);
  EXPECT_EQ(recovered, 1u);
  EXPECT_FALSE(w.stats().failing);
}

// A batch that fails after others went in is retried from where it failed: nothing is
// written twice or lost, and the order holds.
TEST(HistoryWriter, FailureInsideTheQueueRetriesFromTheFailedBatch) {
  Script s;
  s.failing_call = 2;
  log::CaptureLogger logger;
  auto options = lingering();
  HistoryWriter w(std::make_unique<ScriptedSink>(s), logger, options);
  for (int i = 0; i < 10; ++i) w.submit(job(i));
  ASSERT_TRUE(w.wait_idle_for_test(10s));
  std::vector<std::string> want;
  for (int i = 0; i < 10; ++i) want.push_back("Q" + std::to_string(i));
  std::lock_guard<std::mutex> lock(s.mu);
  EXPECT_EQ(s.jobs, want);
  EXPECT_EQ(w.stats().written, 10u);
  EXPECT_EQ(w.stats().dropped, 0u);
}

TEST(HistoryWriter, SinkExceptionIsAFailedBatchNotATerminate) {
  Script s;
  s.throws_left = 2;
  log::CaptureLogger logger;
  HistoryWriter w(std::make_unique<ScriptedSink>(s), logger, fast());
  submit_four_and_expect_them_in_order(s, w);
  EXPECT_TRUE(logger.contains("reason=\"exception: sink bug\""));
  EXPECT_EQ(w.stats().written, 4u);
  EXPECT_EQ(w.stats().dropped, 0u);
}

TEST(HistoryWriter, BlockedSinkNeverBlocksSubmitAndTheQueueIsBounded) {
  Script s;
  s.gate = s.release.get_future().share();
  log::CaptureLogger logger;
  HistoryWriter w(std::make_unique<ScriptedSink>(s), logger, fast(5));
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 50; ++i) w.submit(job(i));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  const auto st = w.stats();
  EXPECT_EQ(st.pending, 5u);
  EXPECT_EQ(st.dropped, 45u);
  EXPECT_TRUE(logger.contains("dmarc.history_queue_full"));
  s.release.set_value();
  ASSERT_TRUE(w.wait_idle_for_test(10s));
  EXPECT_EQ(w.stats().written, 5u);
}

// A sink that writes one batch per step the test allows: slower than submit().
class SteppedSink final : public HistorySink {
 public:
  explicit SteppedSink(std::counting_semaphore<>& steps) : steps_(steps) {}
  Result<void> add_batch(std::span<const HistoryRecord>) override {
    steps_.acquire();
    return {};
  }
  std::string describe() const override { return "stepped"; }

 private:
  std::counting_semaphore<>& steps_;
};

TEST(HistoryWriter, FullQueueIsLoggedOncePerEpisodeWhileTheSinkIsSlow) {
  std::counting_semaphore<> steps(0);
  log::CaptureLogger logger;
  auto options = fast(4);
  options.batch = 1;
  HistoryWriter w(std::make_unique<SteppedSink>(steps), logger, options);
  for (int i = 0; i < 5; ++i) w.submit(job(i));  // 4 held, the 5th dropped
  steps.release();                               // one batch written: still 3 of 4 held
  ASSERT_TRUE(soon([&] { return w.stats().written == 1; }));
  for (int i = 5; i < 7; ++i) w.submit(job(i));  // full again: one more dropped
  EXPECT_EQ(w.stats().dropped, 2u);
  std::size_t warnings = 0;
  for (const std::string& l : logger.lines()) warnings += l.find("dmarc.history_queue_full") != std::string::npos;
  EXPECT_EQ(warnings, 1u);
  steps.release(10);
  ASSERT_TRUE(w.wait_idle_for_test(10s));
}

TEST(HistoryWriter, DestructorFlushesWhatIsQueued) {
  Script s;
  log::CaptureLogger logger;
  {
    HistoryWriter w(std::make_unique<ScriptedSink>(s), logger, fast());
    for (int i = 0; i < 7; ++i) w.submit(job(i));
  }
  std::lock_guard<std::mutex> lock(s.mu);
  EXPECT_EQ(s.jobs.size(), 7u);
}

TEST(HistoryWriter, DestructorReportsWhatAFailingSinkLost) {
  Script s;
  s.always_fail = true;
  log::CaptureLogger logger;
  {
    HistoryWriter w(std::make_unique<ScriptedSink>(s), logger, fast());
    for (int i = 0; i < 3; ++i) w.submit(job(i));
    ASSERT_TRUE(soon([&] { return w.stats().failing; }));
  }
  EXPECT_TRUE(logger.contains("dmarc.history_lost")) << ::testing::PrintToString(logger.lines());
  EXPECT_TRUE(logger.contains("dropped=3")) << ::testing::PrintToString(logger.lines());
}

TEST(HistoryWriter, LingersUntilABatchIsFull) {
  Script s;
  log::CaptureLogger logger;
  HistoryWriter w(std::make_unique<ScriptedSink>(s), logger, lingering());
  w.submit(job(0));
  w.submit(job(1));
  EXPECT_EQ(s.calls.load(), 0);  // lingering: the batch of 3 is not full
  w.submit(job(2));
  ASSERT_TRUE(soon([&] { return w.stats().written == 3; }));
  EXPECT_EQ(s.calls.load(), 1);  // one batch, one transaction
}

TEST(HistoryWriter, WaitingForIdleEndsTheLinger) {
  Script s;
  log::CaptureLogger logger;
  HistoryWriter w(std::make_unique<ScriptedSink>(s), logger, lingering());
  w.submit(job(0));
  ASSERT_TRUE(w.wait_idle_for_test(10s));
  EXPECT_EQ(w.stats().written, 1u);
}

TEST(HistoryWriter, DestructorEndsTheLinger) {
  Script s;
  log::CaptureLogger logger;
  {
    HistoryWriter w(std::make_unique<ScriptedSink>(s), logger, lingering());
    w.submit(job(0));
  }
  std::lock_guard<std::mutex> lock(s.mu);
  EXPECT_EQ(s.jobs.size(), 1u);
}

TEST(HistoryWriter, NoThreadUntilTheFirstRecord) {
  Script s;
  log::CaptureLogger logger;
  HistoryWriter w(std::make_unique<ScriptedSink>(s), logger, fast());
  EXPECT_EQ(s.calls.load(), 0);
  EXPECT_TRUE(w.wait_idle_for_test(1ms));
}

}  // namespace
}  // namespace cachet::dmarc

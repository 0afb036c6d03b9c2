// SPDX-License-Identifier: BSD-2-Clause
// common/policy/worker_pool.cpp: see worker_pool.hpp.
#include "common/policy/worker_pool.hpp"

#include <unistd.h>

#include <cstdint>

namespace cachet::policy {

void wake(int event_fd) noexcept {
  const std::uint64_t one = 1;
  // A full counter (EAGAIN) still wakes the loop, so the result can be ignored.
  [[maybe_unused]] const ssize_t n = ::write(event_fd, &one, sizeof one);
}

WorkerPool::WorkerPool(PolicyHandler& handler, log::Logger& logger, OnHandlerError on_error, int wake_fd)
    : handler_(handler), logger_(logger), on_error_(on_error), wake_fd_(wake_fd) {}

void WorkerPool::start(std::size_t threads) {
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

void WorkerPool::submit(Job job) {
  {
    const std::lock_guard lock(mu_);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
}

std::deque<JobDone> WorkerPool::take_done() {
  std::deque<JobDone> out;
  const std::lock_guard lock(mu_);
  out.swap(done_);
  return out;
}

void WorkerPool::stop() noexcept {
  {
    const std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void WorkerPool::work() {
  for (;;) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, and every queued job is done
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    auto reply = answer(handler_, job.request, job.info, on_error_, logger_);
    lock.lock();
    done_.push_back(JobDone{job.conn_id, std::move(reply)});
    lock.unlock();
    wake(wake_fd_);
  }
}

}  // namespace cachet::policy

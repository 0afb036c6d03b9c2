// SPDX-License-Identifier: BSD-2-Clause
// common/policy/worker_pool.cpp: see worker_pool.hpp.
#include "common/policy/worker_pool.hpp"

#include <unistd.h>

#include <cstdint>
#include <utility>

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
  queues_.lock()->jobs.push_back(std::move(job));
  cv_.notify_one();
}

std::deque<JobDone> WorkerPool::take_done() { return std::exchange(queues_.lock()->done, {}); }

void WorkerPool::stop() noexcept {
  queues_.lock()->stopping = true;
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void WorkerPool::work() {
  for (;;) {
    std::optional<Job> job;
    {
      auto q = queues_.lock();
      q.wait(cv_, [](const Queues& v) { return v.stopping || !v.jobs.empty(); });
      if (q->jobs.empty()) return;  // stopping, and every queued job is done
      job.emplace(std::move(q->jobs.front()));
      q->jobs.pop_front();
    }
    auto reply = answer(handler_, job->request, job->info, on_error_, logger_);
    queues_.lock()->done.push_back(JobDone{job->conn_id, std::move(reply)});
    wake(wake_fd_);
  }
}

}  // namespace cachet::policy

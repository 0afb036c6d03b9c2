// SPDX-License-Identifier: BSD-2-Clause
//
// common/base/guarded.hpp: a value reachable only with its mutex held (STYLE.md s10).
//   Guarded<std::deque<Item>> queue_;
//   queue_.lock()->push_back(item);                 // one call under the lock
//   { auto q = queue_.lock(); while (!q->empty()) ... }  // several, one lock
//   queue_.with([&](auto& q) { return q.size(); });
// lock() returns a handle that holds the lock until it goes out of scope; never keep a
// pointer or reference from it beyond that. wait() lets a condition_variable release the
// handle's lock. Header-only; thread-safe by construction.
// See also: swappable.hpp, tests/unit/common/base/guarded_test.cpp
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <utility>

namespace cachet {

template <class T>
class Guarded {
 public:
  template <class V>
  class Handle {
   public:
    V* operator->() const noexcept { return value_; }
    V& operator*() const noexcept { return *value_; }
    // Waits on cv with this handle's lock (released while waiting).
    template <class Pred>
    void wait(std::condition_variable& cv, Pred pred) {
      cv.wait(lock_, [&] { return pred(*value_); });
    }
    template <class Clock, class Duration, class Pred>
    bool wait_until(std::condition_variable& cv, const std::chrono::time_point<Clock, Duration>& deadline, Pred pred) {
      return cv.wait_until(lock_, deadline, [&] { return pred(*value_); });
    }

   private:
    friend class Guarded;
    Handle(std::mutex& mu, V& value) : lock_(mu), value_(&value) {}
    std::unique_lock<std::mutex> lock_;
    V* value_;
  };

  template <class... Args>
  explicit Guarded(Args&&... args) : value_(std::forward<Args>(args)...) {}
  Guarded(const Guarded&) = delete;
  Guarded& operator=(const Guarded&) = delete;

  Handle<T> lock() { return Handle<T>(mu_, value_); }
  Handle<const T> lock() const { return Handle<const T>(mu_, value_); }

  // Runs f(value) under the lock and returns what it returns.
  template <class F>
  decltype(auto) with(F&& f) {
    std::lock_guard<std::mutex> lock(mu_);
    return std::forward<F>(f)(value_);
  }
  template <class F>
  decltype(auto) with(F&& f) const {
    std::lock_guard<std::mutex> lock(mu_);
    return std::forward<F>(f)(static_cast<const T&>(value_));
  }

 private:
  mutable std::mutex mu_;
  T value_;
};

}  // namespace cachet

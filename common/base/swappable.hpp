// SPDX-License-Identifier: BSD-2-Clause
//
// common/base/swappable.hpp: the current value of something replaced as a whole on reload
// (the config snapshot, a daemon's settings, a policy handler). load() hands out a
// shared_ptr that stays valid, and unchanged, however often store() runs: a message keeps
// the snapshot it started with, and the last holder of an old value releases it.
// T is the pointee as readers see it: Swappable<const Config> for an immutable snapshot.
// Header-only; thread-safe (one mutex held only to copy or swap the pointer).
// See also: guarded.hpp, tests/unit/common/base/swappable_test.cpp
#pragma once

#include <memory>
#include <mutex>
#include <utility>

namespace cachet {

template <class T>
class Swappable {
 public:
  explicit Swappable(std::shared_ptr<T> initial = nullptr) : current_(std::move(initial)) {}
  Swappable(const Swappable&) = delete;
  Swappable& operator=(const Swappable&) = delete;

  std::shared_ptr<T> load() const {
    std::lock_guard<std::mutex> lock(mu_);
    return current_;
  }
  void store(std::shared_ptr<T> next) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      current_.swap(next);
    }
    // `next` now holds the old value: released here, outside the lock (or later, by the
    // last reader still holding it).
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<T> current_;
};

}  // namespace cachet

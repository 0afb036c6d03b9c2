// SPDX-License-Identifier: BSD-2-Clause
//
// common/milter/buffers.hpp: per-message buffers a Session keeps: the header fields in the
// order received (name and raw value exactly as the MTA sent them), and the body as a
// stream (BodySink: DKIM hashes chunks as they arrive) with an optional capped copy.
// Plain values, no I/O; owned by one Session (no locking). Limits make a huge message a
// clear error (Errc::bad_input) rather than unbounded memory.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"

namespace cachet::milter {

inline constexpr std::size_t kMaxHeaderFields = 1000;
inline constexpr std::size_t kMaxHeaderBytes = 1024 * 1024;  // names + values, whole message

struct HeaderField {
  std::string name;
  std::string value;  // raw: folding kept; leading space only if the MTA sent it
};

class HeaderList {
 public:
  // bad_input once the message exceeds kMaxHeaderFields or kMaxHeaderBytes (the list is
  // then left unchanged).
  [[nodiscard]] Result<void> add(std::string_view name, std::string_view value);
  const std::vector<HeaderField>& fields() const noexcept { return fields_; }
  // Case-insensitive; nullptr when absent. occurrence is 1-based, as in change_header.
  const HeaderField* find(std::string_view name, int occurrence = 1) const noexcept;
  std::size_t count(std::string_view name) const noexcept;
  void clear() noexcept {
    fields_.clear();
    bytes_ = 0;
  }

 private:
  std::vector<HeaderField> fields_;
  std::size_t bytes_ = 0;
};

// Receives the body chunk by chunk, in order.
class BodySink {
 public:
  virtual ~BodySink() = default;
  virtual void write(std::string_view chunk) = 0;
};

// Keeps the first `cap` bytes of the body and counts the rest; truncated() tells whether
// everything fitted.
class CappedBodyBuffer final : public BodySink {
 public:
  explicit CappedBodyBuffer(std::size_t cap) : cap_(cap) {}
  void write(std::string_view chunk) override;
  const std::string& data() const noexcept { return data_; }
  std::size_t total_bytes() const noexcept { return total_; }
  bool truncated() const noexcept { return total_ > data_.size(); }
  void clear() noexcept {
    data_.clear();
    total_ = 0;
  }

 private:
  std::size_t cap_;
  std::string data_;
  std::size_t total_ = 0;
};

// Forwards every chunk to several sinks (e.g. two DKIM body hashes and a capped copy).
class TeeSink final : public BodySink {
 public:
  void add(BodySink& sink) { sinks_.push_back(&sink); }
  void write(std::string_view chunk) override {
    for (BodySink* s : sinks_) s->write(chunk);
  }

 private:
  std::vector<BodySink*> sinks_;
};

}  // namespace cachet::milter

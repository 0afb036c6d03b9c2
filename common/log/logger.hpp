// SPDX-License-Identifier: BSD-2-Clause
//
// common/log/logger.hpp: the Logger interface every part logs through (injected, never
// global), its backends (stderr, syslog facility mail, capture for tests), and Event, which
// formats one line as `event.name key=value key="value with spaces"` or, with Format::json
// (LogFormat json), as one JSON object `{"event":"event.name","level":"info","key":"value"}`.
// Backends are thread-safe. Never log keys, credentials or message bodies (STYLE.md s9).
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/guarded.hpp"

namespace cachet::log {

enum class Level { error = 0, warning = 1, info = 2, debug = 3 };

// How Event renders a line: `name key=value ...` (text) or one JSON object (json). The
// backends write a json line bare (no ident/level prefix on stderr), so that each line of
// the stream parses as JSON.
enum class Format { text = 0, json = 1 };

const char* to_string(Level level) noexcept;

class Logger {
 public:
  virtual ~Logger() = default;
  virtual void write(Level level, std::string_view line) = 0;
  bool enabled(Level level) const noexcept { return level <= max_level_.load(); }
  void set_max_level(Level level) noexcept { max_level_.store(level); }
  Format format() const noexcept { return format_.load(); }
  void set_format(Format format) noexcept { format_.store(format); }

 private:
  std::atomic<Level> max_level_{Level::info};
  std::atomic<Format> format_{Format::text};
};

// Writes `LEVEL: line` to stderr, for --foreground and tests of the binaries.
class StderrLogger final : public Logger {
 public:
  explicit StderrLogger(std::string ident) : ident_(std::move(ident)) {}
  void write(Level level, std::string_view line) override;

 private:
  std::string ident_;
  std::mutex mu_;
};

// syslog(3) with facility LOG_MAIL, as the peers log, so lines land in the mail log.
class SyslogLogger final : public Logger {
 public:
  explicit SyslogLogger(std::string ident);
  ~SyslogLogger() override;
  SyslogLogger(const SyslogLogger&) = delete;
  SyslogLogger& operator=(const SyslogLogger&) = delete;
  void write(Level level, std::string_view line) override;

 private:
  std::string ident_;  // openlog keeps the pointer: must outlive the logger
};

// Keeps every line in memory, for tests that assert on logging behaviour.
class CaptureLogger final : public Logger {
 public:
  CaptureLogger() { set_max_level(Level::debug); }
  void write(Level level, std::string_view line) override;
  std::vector<std::string> lines() const;
  bool contains(std::string_view needle) const;

 private:
  Guarded<std::vector<std::string>> lines_;
};

// One log line: `Event(log, Level::info, "dkim.verify").kv("qid", q).kv("d", d);` writes on
// destruction. Values with spaces, quotes or '=' are quoted; control bytes are escaped so
// peer-supplied text cannot forge log lines. In json format string values become JSON
// strings (escaped by common/log/json.hpp), integer and double values JSON numbers; the
// object starts with "event" and "level".
class Event {
 public:
  Event(Logger& logger, Level level, std::string_view name);
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  ~Event();
  Event& kv(std::string_view key, std::string_view value);
  Event& kv(std::string_view key, long long value);
  Event& kv(std::string_view key, const char* value) { return kv(key, std::string_view(value)); }
  Event& kv(std::string_view key, int value) { return kv(key, static_cast<long long>(value)); }
  Event& kv(std::string_view key, unsigned long value) { return kv(key, static_cast<long long>(value)); }
  Event& kv(std::string_view key, double value);
  // Every field of a decision built by a pure function (fields.hpp), in order.
  Event& fields(const std::vector<std::pair<std::string, std::string>>& fields);  // log::Fields

 private:
  Event& raw(std::string_view key, std::string_view number);  // a JSON number / bare text
  Logger& logger_;
  Level level_;
  bool enabled_;
  Format format_ = Format::text;
  std::string line_;
};

// A failure that repeats until it clears by itself (accept() out of descriptors, retried
// every 100 ms): logged when it starts and when it ends, not at every retry. Any thread.
class Episode {
 public:
  // true for the first failure of an episode: log it.
  bool begin() noexcept { return !active_.exchange(true); }
  // true when a success ends an episode: log the recovery. A plain load first: the
  // success path (every accept) takes no exclusive cache line.
  bool end() noexcept { return active_.load(std::memory_order_relaxed) && active_.exchange(false); }

 private:
  std::atomic<bool> active_{false};
};

// Appends `value` to `out` quoted as Event does (exposed for tests).
void append_value(std::string& out, std::string_view value);

}  // namespace cachet::log

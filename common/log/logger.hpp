// SPDX-License-Identifier: BSD-2-Clause
//
// common/log/logger.hpp: the Logger interface every part logs through (injected, never
// global), its backends (stderr, syslog facility mail, capture for tests), and Event, which
// formats one line as `event.name key=value key="value with spaces"`.
// Backends are thread-safe. Never log keys, credentials or message bodies (STYLE.md s9).
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace cachet::log {

enum class Level { error = 0, warning = 1, info = 2, debug = 3 };

const char* to_string(Level level) noexcept;

class Logger {
 public:
  virtual ~Logger() = default;
  virtual void write(Level level, std::string_view line) = 0;
  bool enabled(Level level) const noexcept { return level <= max_level_.load(); }
  void set_max_level(Level level) noexcept { max_level_.store(level); }

 private:
  std::atomic<Level> max_level_{Level::info};
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
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

// One log line: `Event(log, Level::info, "dkim.verify").kv("qid", q).kv("d", d);` writes on
// destruction. Values with spaces, quotes or '=' are quoted; control bytes are escaped so
// peer-supplied text cannot forge log lines.
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
  Event& kv(std::string_view key, unsigned long value) {
    return kv(key, static_cast<long long>(value));
  }
  Event& kv(std::string_view key, double value);

 private:
  Logger& logger_;
  Level level_;
  bool enabled_;
  std::string line_;
};

// Appends `value` to `out` quoted as Event does (exposed for tests).
void append_value(std::string& out, std::string_view value);

}  // namespace cachet::log

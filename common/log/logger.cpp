// SPDX-License-Identifier: BSD-2-Clause
// common/log/logger.cpp: see logger.hpp.
#include "common/log/logger.hpp"

#include <syslog.h>

#include <cstdio>

#include "common/base/fd.hpp"
#include "common/log/fields.hpp"
#include "common/log/json.hpp"

namespace cachet::log {

const char* to_string(Level level) noexcept {
  switch (level) {
    case Level::error: return "error";
    case Level::warning: return "warning";
    case Level::info: return "info";
    case Level::debug: return "debug";
  }
  return "info";
}

// The line is built first and written with one write(2) under the lock: fprintf and fflush
// took stdio's lock and formatted under ours, and loggers of other threads waited on it.
void StderrLogger::write(Level level, std::string_view line) {
  std::string out;
  if (format() == Format::json) {
    out.reserve(line.size() + 1);
  } else {
    const std::string_view name = to_string(level);
    out.reserve(ident_.size() + name.size() + line.size() + 5);
    out.append(ident_).append(": ").append(name).append(": ");
  }
  out.append(line).push_back('\n');
  const std::lock_guard lock(mu_);
  (void)write_all(STDERR_FILENO, out);  // nowhere left to report a failing stderr
}

SyslogLogger::SyslogLogger(std::string ident) : ident_(std::move(ident)) {
  ::openlog(ident_.c_str(), LOG_PID | LOG_NDELAY, LOG_MAIL);
}

SyslogLogger::~SyslogLogger() { ::closelog(); }

void SyslogLogger::write(Level level, std::string_view line) {
  static constexpr int kPriority[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
  ::syslog(kPriority[static_cast<int>(level)], "%.*s", static_cast<int>(line.size()), line.data());
}

void CaptureLogger::write(Level level, std::string_view line) {
  std::string entry = std::string(to_string(level)) + ": " + std::string(line);
  lines_.lock()->push_back(std::move(entry));
}

std::vector<std::string> CaptureLogger::lines() const { return *lines_.lock(); }

bool CaptureLogger::contains(std::string_view needle) const {
  const auto lines = lines_.lock();
  for (const auto& l : *lines)
    if (l.find(needle) != std::string::npos) return true;
  return false;
}

void append_value(std::string& out, std::string_view value) {
  bool quote = value.empty();
  for (const char c : value)
    if (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20) quote = true;
  if (!quote) {
    out.append(value);
    return;
  }
  out.push_back('"');
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out.append(buf);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

Event::Event(Logger& logger, Level level, std::string_view name)
    : logger_(logger), level_(level), enabled_(logger.enabled(level)), format_(logger.format()) {
  if (!enabled_) return;
  line_.reserve(256);  // a decision line, usually: one allocation
  if (format_ == Format::text) {
    line_.assign(name);
    return;
  }
  line_.append("{\"event\":");
  append_json_string(line_, name);
  line_.append(",\"level\":\"");
  line_.append(to_string(level));
  line_.push_back('"');
}

Event::~Event() {
  if (!enabled_) return;
  if (format_ == Format::json) line_.push_back('}');
  try {
    logger_.write(level_, line_);
  } catch (...) {  // logging must never take a session down
  }
}

Event& Event::kv(std::string_view key, std::string_view value) {
  if (!enabled_) return *this;
  if (format_ == Format::json) {
    line_.push_back(',');
    append_json_string(line_, key);
    line_.push_back(':');
    append_json_string(line_, value);
    return *this;
  }
  append_text_field(line_, key, value);
  return *this;
}

Event& Event::raw(std::string_view key, std::string_view number) {
  if (!enabled_) return *this;
  if (format_ == Format::text) return kv(key, number);
  line_.push_back(',');
  append_json_string(line_, key);
  line_.push_back(':');
  line_.append(number);
  return *this;
}

Event& Event::kv(std::string_view key, long long value) {
  if (!enabled_) return *this;
  return raw(key, std::string_view(std::to_string(value)));
}

Event& Event::kv(std::string_view key, double value) {
  if (!enabled_) return *this;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", value);
  return raw(key, std::string_view(buf));
}

Event& Event::fields(const std::vector<std::pair<std::string, std::string>>& fields) {
  if (!enabled_) return *this;
  for (const auto& [key, value] : fields) kv(key, std::string_view(value));
  return *this;
}

}  // namespace cachet::log

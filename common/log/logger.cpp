// SPDX-License-Identifier: BSD-2-Clause
// common/log/logger.cpp: see logger.hpp.
#include "common/log/logger.hpp"

#include <syslog.h>

#include <cstdio>

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

void StderrLogger::write(Level level, std::string_view line) {
  const std::lock_guard lock(mu_);
  std::fprintf(stderr, "%s: %s: %.*s\n", ident_.c_str(), to_string(level),
               static_cast<int>(line.size()), line.data());
  std::fflush(stderr);
}

SyslogLogger::SyslogLogger(std::string ident) : ident_(std::move(ident)) {
  ::openlog(ident_.c_str(), LOG_PID | LOG_NDELAY, LOG_MAIL);
}

SyslogLogger::~SyslogLogger() { ::closelog(); }

void SyslogLogger::write(Level level, std::string_view line) {
  static constexpr int kPriority[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
  ::syslog(kPriority[static_cast<int>(level)], "%.*s", static_cast<int>(line.size()),
           line.data());
}

void CaptureLogger::write(Level level, std::string_view line) {
  const std::lock_guard lock(mu_);
  lines_.push_back(std::string(to_string(level)) + ": " + std::string(line));
}

std::vector<std::string> CaptureLogger::lines() const {
  const std::lock_guard lock(mu_);
  return lines_;
}

bool CaptureLogger::contains(std::string_view needle) const {
  const std::lock_guard lock(mu_);
  for (const auto& l : lines_)
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
    : logger_(logger), level_(level), enabled_(logger.enabled(level)) {
  if (enabled_) line_.assign(name);
}

Event::~Event() {
  if (!enabled_) return;
  try {
    logger_.write(level_, line_);
  } catch (...) {  // logging must never take a session down
  }
}

Event& Event::kv(std::string_view key, std::string_view value) {
  if (!enabled_) return *this;
  line_.push_back(' ');
  line_.append(key);
  line_.push_back('=');
  append_value(line_, value);
  return *this;
}

Event& Event::kv(std::string_view key, long long value) {
  return kv(key, std::string_view(std::to_string(value)));
}

Event& Event::kv(std::string_view key, double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", value);
  return kv(key, std::string_view(buf));
}

}  // namespace cachet::log

// SPDX-License-Identifier: BSD-2-Clause
//
// tests/bench/cpu_cost.hpp: what the in-process cost benchmarks share (cachet-bench-fromlogin,
// cachet-bench-observe): the process CPU clock and the message they sign.
// Header-only; one thread.
#pragma once

#include <time.h>

#include <fstream>
#include <sstream>
#include <string>

namespace cachet::bench {

// This process's CPU time (all threads), in seconds.
inline double cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// A message file with LF line ends made CRLF, as the message is on the wire.
inline std::string read_message(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string out;
  for (const char c : ss.str()) {
    if (c == '\n' && (out.empty() || out.back() != '\r')) out += '\r';
    out += c;
  }
  return out;
}

// alice@bench.example's 2 kB message, when no file is given.
inline std::string default_message() {
  return "From: Alice Example <alice@bench.example>\r\nTo: bob@rcpt.example\r\n"
         "Subject: bench\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\n" +
         std::string(2000, 'x') + "\r\n";
}

}  // namespace cachet::bench

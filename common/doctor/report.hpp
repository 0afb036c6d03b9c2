// SPDX-License-Identifier: BSD-2-Clause
//
// common/doctor/report.hpp: what `cachetctl doctor` finds, and how it is printed: one line
// per finding, marked ✓ (good), ✗ (a problem: its fix follows), ! (works, but should be
// changed: its advice follows) or ? (could not check: DNS failed, a file was unreadable),
// as text or as JSON; and the exit status (0 all good, 1 any ✗, 2 nothing wrong found but
// something could not be checked).
// Pure functions; any thread.
// See also: dns_checks.hpp, tools/cachetctl/cmd_doctor.cpp, tests/unit/common/doctor/
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cachet::doctor {

enum class Mark { ok, problem, advice, unchecked };

// "✓", "✗", "!", "?".
const char* symbol(Mark m) noexcept;
// "ok", "problem", "advice", "unchecked" (the JSON "status" values).
const char* to_string(Mark m) noexcept;

struct Finding {
  std::string check;  // stable id: "dns.mx", "dns.spf.lookups", "dkim.key", "postfix.milters"
  Mark mark = Mark::ok;
  std::string what;  // one line, what was found
  std::string fix;   // problem/advice: what to do; else empty
};

using Findings = std::vector<Finding>;

inline constexpr int kExitGood = 0;
inline constexpr int kExitProblems = 1;
inline constexpr int kExitUnchecked = 2;

// Text: `✓ what` / `✗ what` + `    fix: ...` lines, in order, with the check id in a
// column: "✗ dns.ptr          no PTR record for 192.0.2.1".
std::string format_text(const Findings& findings);
// JSON: {"status": "problem", "exit": 1, "findings": [{"check": ..., "status": ...,
// "what": ..., "fix": ...}, ...]}; "fix" only when set. Strings escaped per RFC 8259.
std::string format_json(const Findings& findings);
int exit_status(const Findings& findings) noexcept;

// RFC 8259 string escaping (quotes, backslash, control characters as \u00XX). Pure.
std::string json_quote(std::string_view s);

}  // namespace cachet::doctor

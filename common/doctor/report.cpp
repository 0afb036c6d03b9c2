// SPDX-License-Identifier: BSD-2-Clause
// common/doctor/report.cpp: see report.hpp.
#include "common/doctor/report.hpp"

#include <algorithm>
#include <cstdio>

namespace cachet::doctor {

const char* symbol(Mark m) noexcept {
  switch (m) {
    case Mark::ok: return "\u2713";
    case Mark::problem: return "\u2717";
    case Mark::advice: return "!";
    case Mark::unchecked: return "?";
  }
  return "?";
}

const char* to_string(Mark m) noexcept {
  switch (m) {
    case Mark::ok: return "ok";
    case Mark::problem: return "problem";
    case Mark::advice: return "advice";
    case Mark::unchecked: return "unchecked";
  }
  return "unchecked";
}

int exit_status(const Findings& findings) noexcept {
  bool unchecked = false;
  for (const Finding& f : findings) {
    if (f.mark == Mark::problem) return kExitProblems;
    unchecked = unchecked || f.mark == Mark::unchecked;
  }
  return unchecked ? kExitUnchecked : kExitGood;
}

std::string format_text(const Findings& findings) {
  std::size_t width = 0;
  for (const Finding& f : findings) width = std::max(width, f.check.size());
  std::string out;
  for (const Finding& f : findings) {
    out += symbol(f.mark);
    out += ' ';
    out += f.check;
    out.append(width - f.check.size() + 2, ' ');
    out += f.what + '\n';
    if (!f.fix.empty()) out += "    fix: " + f.fix + '\n';
  }
  return out;
}

std::string json_quote(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (u < 0x20 || u == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", u);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string format_json(const Findings& findings) {
  const int status = exit_status(findings);
  const char* overall = status == kExitProblems ? "problem" : status == kExitUnchecked ? "unchecked" : "ok";
  std::string out =
      "{\"status\": \"" + std::string(overall) + "\", \"exit\": " + std::to_string(status) + ", \"findings\": [";
  for (std::size_t i = 0; i < findings.size(); ++i) {
    const Finding& f = findings[i];
    out += i == 0 ? "\n  " : ",\n  ";
    out += "{\"check\": " + json_quote(f.check) + ", \"status\": \"" + to_string(f.mark) +
           "\", \"what\": " + json_quote(f.what);
    if (!f.fix.empty()) out += ", \"fix\": " + json_quote(f.fix);
    out += "}";
  }
  return out + (findings.empty() ? "]}\n" : "\n]}\n");
}

}  // namespace cachet::doctor

// SPDX-License-Identifier: BSD-2-Clause
// common/log/json.cpp: see json.hpp.
#include "common/log/json.hpp"

#include <cstdio>

#include "common/base/strings.hpp"

namespace cachet::log {
namespace {

void append_escape(std::string& out, unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\u%04x", c);
  out.append(buf);
}

constexpr bool is_plain(unsigned char c) noexcept { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; }

}  // namespace

void append_json_string(std::string& out, std::string_view value) {
  out.push_back('"');
  for (std::size_t i = 0; i < value.size();) {
    // Printable ASCII other than '"' and '\\' goes out as is, a run at a time (the usual case:
    // a decision line's values are plain words).
    std::size_t run = i;
    while (run < value.size() && is_plain(static_cast<unsigned char>(value[run]))) ++run;
    if (run > i) {
      out.append(value.substr(i, run - i));
      i = run;
      continue;
    }
    const auto c = static_cast<unsigned char>(value[i]);
    if (c >= 0x80) {
      if (const std::size_t n = utf8_sequence_length(value, i); n > 0) {
        out.append(value.substr(i, n));
        i += n;
      } else {
        append_escape(out, c);
        ++i;
      }
      continue;
    }
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default: append_escape(out, c);  // other control bytes and DEL
    }
    ++i;
  }
  out.push_back('"');
}

std::optional<Format> parse_format(std::string_view name) noexcept {
  if (iequals(name, "text")) return Format::text;
  if (iequals(name, "json")) return Format::json;
  return std::nullopt;
}

}  // namespace cachet::log

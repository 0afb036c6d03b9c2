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

}  // namespace

void append_json_string(std::string& out, std::string_view value) {
  out.push_back('"');
  for (std::size_t i = 0; i < value.size();) {
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
      default:
        if (c < 0x20 || c == 0x7f)
          append_escape(out, c);
        else
          out.push_back(static_cast<char>(c));
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

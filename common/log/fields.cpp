// SPDX-License-Identifier: BSD-2-Clause
// common/log/fields.cpp: see fields.hpp.
#include "common/log/fields.hpp"

#include "common/log/logger.hpp"

namespace cachet::log {

void append_text_field(std::string& line, std::string_view key, std::string_view value) {
  line.push_back(' ');
  line.append(key);
  line.push_back('=');
  append_value(line, value);
}

std::string render_text(std::string_view event, const Fields& fields) {
  std::string line(event);
  for (const auto& [key, value] : fields) append_text_field(line, key, value);
  return line;
}

}  // namespace cachet::log

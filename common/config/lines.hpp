// SPDX-License-Identifier: BSD-2-Clause
//
// common/config/lines.hpp: line splitting shared by the config and data set parsers.
// Pure, header-only, internal to common/config. A final line without "\n" counts; a "\r"
// before "\n" is dropped.
#pragma once

#include <cstddef>
#include <string_view>

#include "common/base/strings.hpp"

namespace cachet::config {

class LineReader {
 public:
  explicit LineReader(std::string_view text) noexcept : text_(text) {}
  // Stores the next line in `line`; false when the text is exhausted.
  bool next(std::string_view& line) noexcept {
    if (pos_ >= text_.size()) return false;
    auto end = text_.find('\n', pos_);
    if (end == std::string_view::npos) end = text_.size();
    line = text_.substr(pos_, end - pos_);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos_ = end + 1;
    ++line_no_;
    return true;
  }
  std::size_t line_no() const noexcept { return line_no_; }  // 1-based, of the last line

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_no_ = 0;
};

// Cuts the line at the first '#' (the peers' comment rule) and trims blanks.
inline std::string_view strip_comment(std::string_view line) noexcept {
  if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
  return trim(line);
}

}  // namespace cachet::config

// SPDX-License-Identifier: BSD-2-Clause
//
// common/log/fields.hpp: the fields of one decision line, built by a pure function beside
// its engine (common/dkim/why.hpp, ...) and logged by the daemon's glue with
// Event::fields(). Keeping the words out of the glue lets a unit test pin each line
// (inputs -> expected line) without a logger.
// Pure; any thread.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cachet::log {

using Fields = std::vector<std::pair<std::string, std::string>>;

// The line Event writes in text format: `event key=value key="quoted value"`.
std::string render_text(std::string_view event, const Fields& fields);

// Appends ` key=value` (value quoted as Event quotes it) to a text line.
void append_text_field(std::string& line, std::string_view key, std::string_view value);

}  // namespace cachet::log

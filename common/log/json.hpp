// SPDX-License-Identifier: BSD-2-Clause
//
// common/log/json.hpp: JSON string escaping for LogFormat json (RFC 8259 s7), and the
// LogFormat option every daemon declares.
// Pure; any thread. Bytes that are not valid UTF-8 are written as \u00XX of each byte
// (Latin-1 reading), so a peer-supplied value can never make a line invalid JSON.
// See also: logger.hpp (Event), tests/unit/common/log/json_test.cpp
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/config/option_spec.hpp"
#include "common/log/logger.hpp"

namespace cachet::log {

// Appends `"value"` to out, escaped.
void append_json_string(std::string& out, std::string_view value);

// The option, as each daemon's table lists it (read by common/daemon at startup and reload).
inline constexpr config::OptionSpec kLogFormatOption{
    "LogFormat", config::Kind::choice, "text",
    "log line format: text (event key=value ...) or json (one JSON object per line)", config::Choices{"text|json"}};

// "text" / "json" (any case) -> Format; nullopt for anything else.
std::optional<Format> parse_format(std::string_view name) noexcept;

}  // namespace cachet::log

// SPDX-License-Identifier: BSD-2-Clause
//
// common/mail/header.cpp: see header.hpp.
#include "common/mail/header.hpp"

namespace cachet::mail {
namespace {

bool is_wsp(char c) noexcept { return c == ' ' || c == '\t'; }

// Next line of `text` starting at `pos`, without its terminator (CRLF or bare LF);
// `next` is set to the start of the following line.
std::string_view next_line(std::string_view text, std::size_t pos, std::size_t& next) {
  const std::size_t lf = text.find('\n', pos);
  if (lf == std::string_view::npos) {
    next = text.size();
    return text.substr(pos);
  }
  next = lf + 1;
  std::size_t end = lf;
  if (end > pos && text[end - 1] == '\r') --end;
  return text.substr(pos, end - pos);
}

}  // namespace

bool is_valid_field_name(std::string_view name) noexcept {
  if (name.empty()) return false;
  for (const char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 33 || u > 126 || c == ':') return false;
  }
  return true;
}

Result<Message> split_message(std::string_view raw) {
  Message msg;
  std::size_t pos = 0;
  while (pos < raw.size()) {
    std::size_t next = 0;
    const std::string_view line = next_line(raw, pos, next);
    if (next > kMaxHeaderBytes) {
      return fail(Errc::bad_input, "header section exceeds " + std::to_string(kMaxHeaderBytes) + " bytes");
    }
    pos = next;
    if (line.empty()) break;  // end of the header section
    if (is_wsp(line.front())) {
      if (msg.headers.empty()) return fail(Errc::bad_input, "continuation line before first field");
      auto& value = msg.headers.back().value;
      value += "\r\n";
      value += line;
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return fail(Errc::bad_input, "header line without ':'");
    // Trailing WSP before ':' is obsolete syntax (RFC 5322 s4.5) that relaxed
    // canonicalization still handles, so it is kept in the name, not rejected.
    std::string_view name = line.substr(0, colon);
    std::string_view bare = name;
    while (!bare.empty() && is_wsp(bare.back())) bare.remove_suffix(1);
    if (!is_valid_field_name(bare)) return fail(Errc::bad_input, "invalid header field name");
    if (msg.headers.size() >= kMaxHeaders) {
      return fail(Errc::bad_input, "more than " + std::to_string(kMaxHeaders) + " header fields");
    }
    msg.headers.push_back(HeaderField{std::string(name), std::string(line.substr(colon + 1))});
  }
  msg.body = lf_to_crlf(raw.substr(pos));
  return msg;
}

std::string unfold(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '\r' && i + 2 < value.size() + 0 && value[i + 1] == '\n' && is_wsp(value[i + 2])) {
      ++i;  // skip CR LF; the WSP is copied next round
      continue;
    }
    if (c == '\n' && i + 1 < value.size() && is_wsp(value[i + 1])) continue;
    out += c;
  }
  return out;
}

std::string lf_to_crlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  return out;
}

}  // namespace cachet::mail

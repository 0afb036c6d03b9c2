// SPDX-License-Identifier: BSD-2-Clause
// common/policy/request.cpp: see request.hpp.
#include "common/policy/request.hpp"

#include "common/base/strings.hpp"

namespace cachet::policy {

namespace {

struct StateName {
  std::string_view word;
  ProtocolState state;
};

constexpr StateName kStates[] = {
    {"CONNECT", ProtocolState::connect},
    {"EHLO", ProtocolState::ehlo},
    {"HELO", ProtocolState::helo},
    {"MAIL", ProtocolState::mail},
    {"RCPT", ProtocolState::rcpt},
    {"DATA", ProtocolState::data},
    {"END-OF-MESSAGE", ProtocolState::end_of_message},
    {"VRFY", ProtocolState::vrfy},
    {"ETRN", ProtocolState::etrn},
};

bool breaks_framing(std::string_view s) noexcept {
  return s.find_first_of(std::string_view("\n\r\0", 3)) != std::string_view::npos;
}

}  // namespace

const char* to_string(ProtocolState state) noexcept {
  for (const auto& s : kStates)
    if (s.state == state) return s.word.data();  // the literals are NUL-terminated
  return "UNKNOWN";
}

ProtocolState parse_protocol_state(std::string_view word) noexcept {
  for (const auto& s : kStates)
    if (iequals(word, s.word)) return s.state;
  return ProtocolState::unknown;
}

Request::Request(std::initializer_list<Attribute> attributes) {
  for (const auto& a : attributes) add(a.name, a.value);
}

void Request::add(std::string_view name, std::string_view value) {
  // Offsets fit in 32 bits: the parser caps a request far below 4 GiB, and a larger
  // hand-built request is a caller bug we would rather truncate than overflow.
  const auto name_off = static_cast<std::uint32_t>(text_.size());
  text_.append(name);
  const auto value_off = static_cast<std::uint32_t>(text_.size());
  text_.append(value);
  spans_.push_back(
      Span{name_off, static_cast<std::uint32_t>(name.size()), value_off, static_cast<std::uint32_t>(value.size())});
}

Attribute Request::at(std::size_t i) const noexcept {
  const Span& s = spans_[i];
  const std::string_view text(text_);
  return Attribute{text.substr(s.name_off, s.name_len), text.substr(s.value_off, s.value_len)};
}

std::size_t Request::wire_size() const noexcept {
  return text_.size() + 2 * spans_.size();  // '=' and '\n' per attribute
}

std::optional<std::string_view> Request::find(std::string_view name) const noexcept {
  for (std::size_t i = spans_.size(); i-- > 0;) {  // from the end: last occurrence wins
    const Attribute a = at(i);
    if (a.name == name) return a.value;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> Request::number(std::string_view name) const noexcept {
  const auto v = find(name);
  if (!v) return std::nullopt;
  return parse_uint(*v);
}

Result<void> append_request(std::string& out, std::span<const Attribute> attributes) {
  std::size_t bytes = 1;
  for (const auto& a : attributes) {
    if (a.name.empty()) return fail(Errc::bad_input, "empty attribute name");
    if (a.name.find('=') != std::string_view::npos || breaks_framing(a.name))
      return fail(Errc::bad_input, "attribute name contains '=', CR, LF or NUL");
    if (breaks_framing(a.value)) return fail(Errc::bad_input, "attribute value contains CR, LF or NUL");
    bytes += a.name.size() + a.value.size() + 2;
  }
  out.reserve(out.size() + bytes);
  for (const auto& a : attributes) {
    out.append(a.name);
    out.push_back('=');
    out.append(a.value);
    out.push_back('\n');
  }
  out.push_back('\n');
  return {};
}

Result<void> append_request(std::string& out, const Request& request) {
  std::vector<Attribute> attributes;
  attributes.reserve(request.size());
  for (std::size_t i = 0; i < request.size(); ++i) attributes.push_back(request.at(i));
  return append_request(out, attributes);
}

}  // namespace cachet::policy

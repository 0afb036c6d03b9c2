// SPDX-License-Identifier: BSD-2-Clause
// common/dns/name.cpp: see name.hpp.
#include "common/dns/name.hpp"

#include <arpa/inet.h>

#include "common/base/strings.hpp"
#include "common/dns/resolver.hpp"

namespace cachet::dns {
namespace {

bool is_plain_octet(unsigned char c) noexcept { return c > 0x20 && c < 0x7f && c != '\\'; }

// Why `name` (trailing dot already dropped) is not a name normalize_name() accepts;
// nullptr when it is one.
const char* name_problem(std::string_view name) noexcept {
  if (name.empty()) return "empty DNS name";
  if (name.size() > kMaxNameLength) return "DNS name longer than 253";
  std::size_t label = 0;
  for (const char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '.') {
      if (label == 0) return "empty label in DNS name";
      label = 0;
      continue;
    }
    if (!is_plain_octet(c)) return "invalid octet in DNS name";
    if (++label > kMaxLabelLength) return "DNS label longer than 63";
  }
  if (label == 0) return "empty label in DNS name";  // "a.."
  return nullptr;
}

}  // namespace

Result<std::string> normalize_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (const char* why = name_problem(name)) return fail(Errc::bad_input, why);
  return to_lower(name);
}

bool is_normalized_name(std::string_view name) noexcept {
  if (!name.empty() && name.back() == '.') return false;
  for (const char c : name)
    if (c >= 'A' && c <= 'Z') return false;
  return name_problem(name) == nullptr;
}

Result<std::string> wire_name_to_text(std::span<const std::uint8_t> wire) {
  std::string out;
  std::size_t pos = 0;
  for (;;) {
    if (pos >= wire.size()) return fail(Errc::bad_input, "truncated wire name");
    const std::size_t len = wire[pos++];
    if (len == 0) break;
    if (len > kMaxLabelLength) return fail(Errc::bad_input, "wire label too long");
    if (wire.size() - pos < len) return fail(Errc::bad_input, "truncated wire label");
    if (!out.empty()) out += '.';
    for (std::size_t i = 0; i < len; ++i) {
      const auto c = static_cast<unsigned char>(ascii_lower(static_cast<char>(wire[pos + i])));
      if (is_plain_octet(c) && c != '.') {
        out += static_cast<char>(c);
      } else {
        out += '\\';
        out += static_cast<char>('0' + c / 100);
        out += static_cast<char>('0' + (c / 10) % 10);
        out += static_cast<char>('0' + c % 10);
      }
    }
    pos += len;
  }
  if (pos > 255) return fail(Errc::bad_input, "wire name longer than 255");
  return out;
}

Answer invalid_name_answer() {
  Answer a;
  a.status = Status::nxdomain;
  a.is_invalid_name = true;
  return a;
}

std::string reverse_name(std::string_view ip) {
  const std::string s(ip);
  unsigned char b[16];
  if (::inet_pton(AF_INET, s.c_str(), b) == 1)
    return std::to_string(b[3]) + "." + std::to_string(b[2]) + "." + std::to_string(b[1]) + "." + std::to_string(b[0]) +
           ".in-addr.arpa";
  if (::inet_pton(AF_INET6, s.c_str(), b) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 15; i >= 0; --i) {
    out += kHex[b[i] & 0xf];
    out += '.';
    out += kHex[b[i] >> 4];
    out += '.';
  }
  return out + "ip6.arpa";
}

}  // namespace cachet::dns

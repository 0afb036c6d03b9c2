// SPDX-License-Identifier: BSD-2-Clause
// common/dns/name.cpp: see name.hpp.
#include "common/dns/name.hpp"

#include <arpa/inet.h>

#include <array>

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

// The octet a \DDD escape stands for; only an octet that cannot appear as itself ('.',
// '\\', outside 0x21..0x7e) is escaped, so a name has one spelling (name.hpp). `at` is
// just after the backslash; on success it is moved past the escape.
const char* read_escape(std::string_view name, std::size_t& at, std::uint8_t& octet) noexcept {
  if (name.size() - at < 3) return "invalid escape in DNS name";
  unsigned v = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    const char d = name[at + i];
    if (d < '0' || d > '9') return "invalid escape in DNS name";
    v = v * 10 + static_cast<unsigned>(d - '0');
  }
  if (v > 255) return "invalid escape in DNS name";
  if (is_plain_octet(static_cast<unsigned char>(v)) && v != '.') return "needless escape in DNS name";
  octet = static_cast<std::uint8_t>(v);
  at += 3;
  return nullptr;
}

// Appends octet c as \DDD.
void append_escape(std::string& out, unsigned char c) {
  out += '\\';
  out += static_cast<char>('0' + c / 100);
  out += static_cast<char>('0' + (c / 10) % 10);
  out += static_cast<char>('0' + c % 10);
}

struct ParsedName {
  std::size_t wire_size = 0;
  bool has_root_dot = false;  // the name ended in an unescaped dot
  bool has_upper = false;     // an ASCII capital letter, written as itself
};

// Parses a presentation-form name into `out`; nullptr on success, else why not.
const char* parse_query_name(std::string_view name, std::span<std::uint8_t, kMaxWireNameLength> out,
                             ParsedName& parsed) noexcept {
  if (name.empty()) return "empty DNS name";
  std::size_t at = 0;
  std::size_t label_start = 0;  // out[label_start] gets the length when the label ends
  std::size_t pos = 1;          // where the next octet goes
  auto end_label = [&]() -> const char* {
    const std::size_t len = pos - label_start - 1;
    if (len == 0) return "empty label in DNS name";
    out[label_start] = static_cast<std::uint8_t>(len);
    return nullptr;
  };
  while (at < name.size()) {
    const char c = name[at++];
    if (c == '.') {
      if (const char* why = end_label()) return why;
      if (at == name.size()) {
        parsed.has_root_dot = true;
        break;
      }
      label_start = pos++;
      if (pos > kMaxWireNameLength) return "DNS name longer than 255 octets";
      continue;
    }
    std::uint8_t octet = 0;
    if (c == '\\') {
      if (const char* why = read_escape(name, at, octet)) return why;
    } else if (is_plain_octet(static_cast<unsigned char>(c))) {
      octet = static_cast<std::uint8_t>(c);
      if (c >= 'A' && c <= 'Z') parsed.has_upper = true;
    } else {
      return "invalid octet in DNS name";
    }
    if (pos - label_start > kMaxLabelLength) return "DNS label longer than 63";
    // The root label (one octet) must still fit after this one.
    if (pos + 1 >= kMaxWireNameLength) return "DNS name longer than 255 octets";
    out[pos++] = octet;
  }
  if (!parsed.has_root_dot) {
    if (const char* why = end_label()) return why;
  }
  out[pos++] = 0;  // the root
  parsed.wire_size = pos;
  return nullptr;
}

}  // namespace

Result<std::string> normalize_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (const char* why = name_problem(name)) return fail(Errc::bad_input, why);
  return to_lower(name);
}

Result<std::size_t> query_name_to_wire(std::string_view name, std::span<std::uint8_t, kMaxWireNameLength> out) {
  ParsedName parsed;
  if (const char* why = parse_query_name(name, out, parsed)) return fail(Errc::bad_input, why);
  return parsed.wire_size;
}

Result<std::string> normalize_query_name(std::string_view name) {
  WireNameBuffer wire;  // NOLINT(cppcoreguidelines-pro-type-member-init): written before read
  ParsedName parsed;
  if (const char* why = parse_query_name(name, wire, parsed)) return fail(Errc::bad_input, why);
  return wire_name_to_text({wire.data(), parsed.wire_size});
}

bool is_normalized_query_name(std::string_view name) noexcept {
  WireNameBuffer wire;  // NOLINT(cppcoreguidelines-pro-type-member-init): written before read
  ParsedName parsed;
  return parse_query_name(name, wire, parsed) == nullptr && !parsed.has_root_dot && !parsed.has_upper;
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
      if (is_plain_octet(c) && c != '.')
        out += static_cast<char>(c);
      else
        append_escape(out, c);
    }
    pos += len;
  }
  if (pos > kMaxWireNameLength) return fail(Errc::bad_input, "wire name longer than 255");
  return out;
}

std::string escape_name(std::string_view dotted) {
  std::string out;
  out.reserve(dotted.size());
  for (const char ch : dotted) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_plain_octet(c))  // '.' included: it separates labels here as there
      out += ch;
    else
      append_escape(out, c);
  }
  return out;
}

std::string_view escape_name(std::string_view dotted, std::string& storage) {
  for (const char c : dotted) {
    if (!is_plain_octet(static_cast<unsigned char>(c))) {
      storage = escape_name(dotted);
      return storage;
    }
  }
  return dotted;
}

std::optional<std::string> unescape_name(std::string_view name) {
  WireNameBuffer wire;  // NOLINT(cppcoreguidelines-pro-type-member-init): written before read
  ParsedName parsed;
  if (parse_query_name(name, wire, parsed) != nullptr) return std::nullopt;
  std::string out;
  out.reserve(parsed.wire_size);
  for (std::size_t pos = 0; wire[pos] != 0; pos += 1 + wire[pos]) {
    if (pos > 0) out += '.';
    for (std::size_t i = 1; i <= wire[pos]; ++i) {
      if (wire[pos + i] == '.') return std::nullopt;  // a dot inside a label
      out += static_cast<char>(wire[pos + i]);
    }
  }
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

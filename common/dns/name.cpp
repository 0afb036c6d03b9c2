// SPDX-License-Identifier: BSD-2-Clause
// common/dns/name.cpp: see name.hpp.
#include "common/dns/name.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>

#include "common/base/strings.hpp"
#include "common/dns/resolver.hpp"

namespace cachet::dns {
namespace {

constexpr bool is_plain_octet(unsigned char c) noexcept { return c > 0x20 && c < 0x7f && c != '\\'; }

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

// One table lookup classifies a character for parse_query_name(): a plain octet, by far
// the most common, then costs one compare.
constexpr std::uint8_t kPlain = 0, kUpper = 1, kDot = 2, kBackslash = 3, kInvalid = 4;
constexpr std::array<std::uint8_t, 256> kOctetClass = [] {
  std::array<std::uint8_t, 256> t{};
  for (std::size_t c = 0; c < t.size(); ++c) t[c] = is_plain_octet(static_cast<unsigned char>(c)) ? kPlain : kInvalid;
  for (std::size_t c = 'A'; c <= 'Z'; ++c) t[c] = kUpper;
  t['.'] = kDot;
  t['\\'] = kBackslash;
  return t;
}();

// The common name in one loop: no escape, at most kMaxNameLength characters without the
// root dot (so at most 255 octets on the wire: no bound to check per octet), labels of
// 1..63 octets. false for anything else, `parsed` untouched: parse_query_name() decides.
bool parse_plain_name(std::string_view name, std::span<std::uint8_t, kMaxWireNameLength> out,
                      ParsedName& parsed) noexcept {
  const bool has_root_dot = name.size() > 1 && name.back() == '.';  // no escape ends in '.'
  if (has_root_dot) name.remove_suffix(1);
  if (name.empty() || name.size() > kMaxNameLength) return false;
  std::size_t label_start = 0;
  std::size_t pos = 1;
  std::uint8_t upper = 0;
  for (const char ch : name) {
    const auto c = static_cast<std::uint8_t>(ch);
    const std::uint8_t cls = kOctetClass[c];
    if (cls <= kUpper) {
      upper |= cls;
      out[pos++] = c;
      continue;
    }
    if (cls != kDot) return false;
    const std::size_t len = pos - label_start - 1;
    if (len == 0 || len > kMaxLabelLength) return false;
    out[label_start] = static_cast<std::uint8_t>(len);
    label_start = pos++;
  }
  const std::size_t len = pos - label_start - 1;
  if (len == 0 || len > kMaxLabelLength) return false;
  out[label_start] = static_cast<std::uint8_t>(len);
  out[pos++] = 0;  // the root
  parsed.wire_size = pos;
  parsed.has_root_dot = has_root_dot;
  parsed.has_upper = upper != 0;
  return true;
}

// Parses a presentation-form name into `out`; nullptr on success, else why not.
const char* parse_query_name(std::string_view name, std::span<std::uint8_t, kMaxWireNameLength> out,
                             ParsedName& parsed) noexcept {
  if (parse_plain_name(name, out, parsed)) return nullptr;
  if (name.empty()) return "empty DNS name";
  std::size_t at = 0;
  std::size_t pos = 0;  // where the next octet goes
  bool has_upper = false;
  for (;;) {  // a label per turn; out[label_start] gets its length
    const std::size_t label_start = pos++;
    // Past `limit` an octet makes the label longer than 63 or leaves no room for the root.
    const std::size_t limit = std::min(label_start + 1 + kMaxLabelLength, kMaxWireNameLength - 1);
    auto too_long = [&] {  // why an octet cannot go at `limit`
      return limit - label_start > kMaxLabelLength ? "DNS label longer than 63" : "DNS name longer than 255 octets";
    };
    while (at < name.size()) {
      // Plain octets (most names hold nothing else) copied in a tight loop up to the limit;
      // anything else, or an octet past the limit, goes the long way below.
      const std::size_t room = pos < limit ? limit - pos : 0;  // a label may begin past it
      const std::size_t stop = std::min(name.size(), at + room);
      while (at < stop && kOctetClass[static_cast<std::uint8_t>(name[at])] == kPlain)
        out[pos++] = static_cast<std::uint8_t>(name[at++]);
      if (at == name.size()) break;
      auto octet = static_cast<std::uint8_t>(name[at]);
      const std::uint8_t cls = kOctetClass[octet];
      if (cls <= kUpper) {
        has_upper |= cls == kUpper;
        ++at;
      } else if (cls == kDot) {
        break;
      } else if (cls == kBackslash) {
        ++at;
        if (const char* why = read_escape(name, at, octet)) return why;
      } else {
        return "invalid octet in DNS name";
      }
      if (pos >= limit) return too_long();
      out[pos++] = octet;
    }
    const std::size_t len = pos - label_start - 1;
    if (len == 0) return "empty label in DNS name";
    out[label_start] = static_cast<std::uint8_t>(len);
    if (at == name.size()) break;
    if (++at == name.size()) {  // past the dot: it was the root's
      parsed.has_root_dot = true;
      break;
    }
  }
  out[pos++] = 0;  // the root
  parsed.wire_size = pos;
  parsed.has_upper = has_upper;
  return nullptr;
}

// Appends the normalized form of `name`, which parse_query_name() accepted: the one
// spelling makes it the input with letters lowered and the root dot dropped (an escape
// is digits and stands for no letter), so no wire-to-text round trip is needed.
void append_normalized(std::string_view name, const ParsedName& parsed, std::string& out) {
  if (parsed.has_root_dot) name.remove_suffix(1);
  if (!parsed.has_upper) {
    out.append(name);
    return;
  }
  const std::size_t from = out.size();
  out.resize(from + name.size());
  std::transform(name.begin(), name.end(), out.begin() + static_cast<std::ptrdiff_t>(from), ascii_lower);
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

Result<std::size_t> query_name_to_wire(std::string_view name, std::span<std::uint8_t, kMaxWireNameLength> out,
                                       bool& is_normalized) {
  ParsedName parsed;
  if (const char* why = parse_query_name(name, out, parsed)) return fail(Errc::bad_input, why);
  is_normalized = !parsed.has_root_dot && !parsed.has_upper;
  return parsed.wire_size;
}

Result<std::string> normalize_query_name(std::string_view name) {
  WireNameBuffer wire;  // NOLINT(cppcoreguidelines-pro-type-member-init): written before read
  ParsedName parsed;
  if (const char* why = parse_query_name(name, wire, parsed)) return fail(Errc::bad_input, why);
  std::string out;
  append_normalized(name, parsed, out);
  return out;
}

bool append_normalized_query_name(std::string_view name, std::string& out) {
  WireNameBuffer wire;  // NOLINT(cppcoreguidelines-pro-type-member-init): written before read
  ParsedName parsed;
  if (parse_query_name(name, wire, parsed) != nullptr) return false;
  append_normalized(name, parsed, out);
  return true;
}

Result<std::string> wire_name_to_text(std::span<const std::uint8_t> wire) {
  // Written here, then copied once: appending a character at a time cost more than the
  // rest of decoding a reply (callgrind, dmarc-cold-spf-self). Room for 254 octets of
  // labels and length octets, each label octet at most 4 characters (\DDD), a dot per
  // length octet at most.
  std::array<char, kMaxWireNameLength * 4> text;  // NOLINT(cppcoreguidelines-pro-type-member-init): written first
  std::size_t size = 0;
  std::size_t pos = 0;
  for (;;) {
    if (pos >= wire.size()) return fail(Errc::bad_input, "truncated wire name");
    const std::size_t len = wire[pos++];
    if (len == 0) break;
    if (len > kMaxLabelLength) return fail(Errc::bad_input, "wire label too long");
    if (wire.size() - pos < len) return fail(Errc::bad_input, "truncated wire label");
    if (pos + len < kMaxWireNameLength) {  // else too long: refused below, once the name is read
      if (size != 0) text[size++] = '.';
      for (std::size_t i = 0; i < len; ++i) {
        const auto c = static_cast<unsigned char>(ascii_lower(static_cast<char>(wire[pos + i])));
        if (kOctetClass[c] == kPlain) {
          text[size++] = static_cast<char>(c);
        } else {  // '.', '\\' or outside 0x21..0x7e
          text[size++] = '\\';
          text[size++] = static_cast<char>('0' + c / 100);
          text[size++] = static_cast<char>('0' + (c / 10) % 10);
          text[size++] = static_cast<char>('0' + c % 10);
        }
      }
    }
    pos += len;
  }
  if (pos > kMaxWireNameLength) return fail(Errc::bad_input, "wire name longer than 255");
  return std::string(text.data(), size);
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

// SPDX-License-Identifier: BSD-2-Clause
//
// common/mail/address.cpp: see address.hpp. The From scanner works on "words": runs of
// atom text and quoted strings not separated by whitespace, comments or specials. An '@'
// outside quotes makes a word an addr-spec; ',' and ';' end a list element.
#include "common/mail/address.hpp"

#include <array>

#include "common/base/strings.hpp"

namespace cachet::mail {
namespace {

// Byte classes from a table: every byte of every From field and domain is asked.
// Domain: letters, digits, '-', '_' and 8-bit (U-labels). Separator: between words of a
// From field (RFC 5322 specials minus '@', '.', '"', '[', ']', '\'; and whitespace).
constexpr unsigned char kDomain = 1, kSeparator = 2;
constexpr auto kByteClass = [] {
  std::array<unsigned char, 256> t{};
  for (std::size_t c = '0'; c <= '9'; ++c) t[c] = kDomain;
  for (std::size_t c = 'a'; c <= 'z'; ++c) t[c] = kDomain;
  for (std::size_t c = 'A'; c <= 'Z'; ++c) t[c] = kDomain;
  for (std::size_t c = 0x80; c < 0x100; ++c) t[c] = kDomain;
  t['-'] = t['_'] = kDomain;
  for (const char c : std::string_view(" \t\r\n()<>,:;")) t[static_cast<unsigned char>(c)] = kSeparator;
  return t;
}();

bool is_domain_byte(unsigned char c) noexcept { return (kByteClass[c] & kDomain) != 0; }

bool is_separator(char c) noexcept { return (kByteClass[static_cast<unsigned char>(c)] & kSeparator) != 0; }

// Every byte a word consumes is part of its text (quotes and quoted-pairs are kept), so
// a word is a view of the field: no copies while scanning.
struct Word {
  std::string_view text;
  std::size_t at = std::string_view::npos;  // index of the last unquoted '@' in text
};

struct Scanner {
  std::string_view in;
  std::size_t pos = 0;

  // Skips a comment starting at in[pos] == '('. Returns false if unterminated or too deep.
  bool skip_comment() {
    std::size_t depth = 0;
    while (pos < in.size()) {
      const char c = in[pos++];
      if (c == '\\') {
        if (pos < in.size()) ++pos;
      } else if (c == '(') {
        if (++depth > kMaxCommentDepth) return false;
      } else if (c == ')') {
        if (--depth == 0) return true;
      }
    }
    return false;
  }

  // Skips the quoted string at in[pos] == '"'. Returns false if unterminated.
  bool skip_quoted() {
    ++pos;
    while (pos < in.size()) {
      const char c = in[pos++];
      if (c == '\\') {
        if (pos >= in.size()) return false;
        ++pos;
      } else if (c == '"') {
        return true;
      }
    }
    return false;
  }

  // Reads one word at pos (not at a separator).
  bool read_word(Word& w) {
    const std::size_t start = pos;
    while (pos < in.size() && !is_separator(in[pos])) {
      if (in[pos] == '"') {
        if (!skip_quoted()) return false;
        continue;
      }
      if (in[pos] == '\\' && pos + 1 < in.size()) {  // stray quoted-pair in an atom
        ++pos;
      } else if (in[pos] == '@') {
        w.at = pos - start;
      }
      ++pos;
    }
    w.text = in.substr(start, pos - start);
    return true;
  }
};

Result<Mailbox> mailbox_from_word(const Word& w) {
  if (w.at > kMaxLocalPartBytes) return fail(Errc::bad_input, "local-part too long");
  auto domain = normalize_domain(w.text.substr(w.at + 1));
  if (!domain) return fail(Errc::bad_input, "bad domain in From: " + domain.error().detail);
  return Mailbox{std::string(w.text.substr(0, w.at)), std::move(*domain)};
}

// normalize_domain()'s checks of a name without its trailing dot: nullptr when it passes,
// else the reason. *eight_bit: whether it has bytes >= 0x80 (then UTF-8 is still to check).
const char* check_domain(std::string_view domain, bool* eight_bit) noexcept {
  if (domain.empty()) return "empty domain";
  if (domain.size() > kMaxDomainBytes) return "domain too long";
  std::size_t label = 0;
  unsigned char high = 0;
  for (const char c : domain) {
    if (c == '.') {
      if (label == 0) return "empty label in domain";
      label = 0;
      continue;
    }
    const auto u = static_cast<unsigned char>(c);
    if (!is_domain_byte(u)) return "invalid byte in domain";
    high |= u;
    if (++label > kMaxLabelBytes) return "label too long";
  }
  if (label == 0) return "empty label in domain";
  *eight_bit = (high & 0x80) != 0;
  return nullptr;
}

}  // namespace

Result<std::string> normalize_domain(std::string_view domain) {
  if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
  bool eight_bit = false;
  if (const char* why = check_domain(domain, &eight_bit)) return fail(Errc::bad_input, why);
  // A U-label must at least be UTF-8: a stray 8-bit byte would reach A-R fields that
  // every strict reader (ours included) refuses.
  if (eight_bit && !is_valid_utf8(domain)) return fail(Errc::bad_input, "domain is not valid UTF-8");
  return to_lower(domain);
}

bool is_ldh_domain(std::string_view domain) noexcept {
  if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
  bool eight_bit = false;
  return check_domain(domain, &eight_bit) == nullptr && !eight_bit;
}

Result<std::vector<Mailbox>> parse_from_mailboxes(std::string_view value) {
  if (value.size() > kMaxAddressFieldBytes) return fail(Errc::bad_input, "From field too long");
  if (value.find('\0') != std::string_view::npos) return fail(Errc::bad_input, "NUL in From");
  std::vector<Mailbox> out;
  Scanner s{value};
  bool element_has_words = false;
  bool element_has_address = false;
  auto end_element = [&]() -> Result<void> {
    if (element_has_words && !element_has_address) {
      return fail(Errc::bad_input, "From element without a domain");
    }
    element_has_words = element_has_address = false;
    return {};
  };
  while (s.pos < value.size()) {
    const char c = value[s.pos];
    if (c == '(') {
      if (!s.skip_comment()) return fail(Errc::bad_input, "unterminated comment in From");
    } else if (c == ',' || c == ';') {
      ++s.pos;
      if (auto r = end_element(); !r) return fail(Errc::bad_input, r.error().detail);
    } else if (c == ')') {
      return fail(Errc::bad_input, "unbalanced ')' in From");
    } else if (is_separator(c)) {
      ++s.pos;  // whitespace, '<', '>', ':' only delimit words
    } else {
      Word w;
      if (!s.read_word(w)) return fail(Errc::bad_input, "unterminated quoted string in From");
      element_has_words = true;
      if (w.at == std::string::npos) continue;
      auto m = mailbox_from_word(w);
      if (!m) return fail(Errc::bad_input, m.error().detail);
      element_has_address = true;
      if (out.size() >= kMaxMailboxes) return fail(Errc::bad_input, "too many mailboxes");
      out.push_back(std::move(*m));
    }
  }
  if (auto r = end_element(); !r) return fail(Errc::bad_input, r.error().detail);
  if (out.empty()) return fail(Errc::bad_input, "no address in From");
  return out;
}

Result<std::vector<std::string>> from_domains(std::string_view value) {
  auto boxes = parse_from_mailboxes(value);
  if (!boxes) return fail(boxes.error().code, boxes.error().detail);
  std::vector<std::string> out;
  for (auto& b : *boxes) {
    bool seen = false;
    for (const auto& d : out) seen = seen || d == b.domain;
    if (!seen) out.push_back(std::move(b.domain));
  }
  return out;
}

Result<EnvelopeAddress> parse_envelope_address(std::string_view text) {
  if (text.size() > kMaxLocalPartBytes + kMaxDomainBytes + 512) {
    return fail(Errc::bad_input, "envelope address too long");
  }
  std::string_view t = trim(text);
  if (!t.empty() && t.front() == '<') {
    if (t.size() < 2 || t.back() != '>') return fail(Errc::bad_input, "unbalanced '<'");
    t = t.substr(1, t.size() - 2);
  } else if (!t.empty() && t.back() == '>') {
    return fail(Errc::bad_input, "unbalanced '>'");
  }
  EnvelopeAddress out;
  if (t.empty()) {
    out.is_null = true;
    return out;
  }
  if (t.front() == '@') {  // obsolete source route "@a,@b:" (RFC 5321 s4.1.2, C.)
    const auto colon = t.find(':');
    if (colon == std::string_view::npos) return fail(Errc::bad_input, "bad source route");
    t.remove_prefix(colon + 1);
  }
  // Find the '@' that ends the local-part, skipping quoted strings.
  std::size_t at = std::string_view::npos;
  bool quoted = false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const auto c = static_cast<unsigned char>(t[i]);
    if (c < 0x20 || c == 0x7f) return fail(Errc::bad_input, "control byte in address");
    if (quoted && c == '\\') {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && (c == ' ' || c == '<' || c == '>')) {
      return fail(Errc::bad_input, "unquoted special in address");
    } else if (!quoted && c == '@') {
      at = i;
    }
  }
  if (quoted) return fail(Errc::bad_input, "unterminated quoted local-part");
  if (at == std::string_view::npos || at == 0) return fail(Errc::bad_input, "no local-part@domain");
  if (at > kMaxLocalPartBytes) return fail(Errc::bad_input, "local-part too long");
  out.local_part = std::string(t.substr(0, at));
  const std::string_view dom = t.substr(at + 1);
  if (dom.size() > 2 && dom.front() == '[' && dom.back() == ']') {
    if (dom.find_first_of("[]\\", 1) != dom.size() - 1) return fail(Errc::bad_input, "bad literal");
    out.domain = to_lower(dom);
    out.is_domain_literal = true;
    return out;
  }
  auto d = normalize_domain(dom);
  if (!d) return fail(Errc::bad_input, d.error().detail);
  out.domain = std::move(*d);
  return out;
}

}  // namespace cachet::mail

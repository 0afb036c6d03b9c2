// SPDX-License-Identifier: BSD-2-Clause
//
// common/dkim/key_zone.cpp: opendkim-genkey's .txt layout and its reader (key_zone.hpp).
#include "common/dkim/key_zone.hpp"

#include <cctype>

#include "common/base/base64.hpp"
#include "common/base/strings.hpp"

namespace cachet::dkim {

namespace {

constexpr std::size_t kMaxCharacterString = 255;

std::string flags_text(const KeyZoneParams& p) {
  std::string flags;
  if (p.is_testing) flags = "t=y;";
  if (!p.allows_subdomains) flags = p.is_testing ? "t=y:s;" : "t=s;";
  if (p.is_restricted) {
    if (!flags.empty()) flags += ' ';
    flags += "s=email;";
  }
  if (!flags.empty()) flags += ' ';
  return flags;
}

}  // namespace

std::string format_key_zone(const KeyZoneParams& p) {
  std::string out = p.selector + "._domainkey";
  if (p.append_domain) out += "." + p.domain + ".";
  out += "\tIN\tTXT\t( \"v=DKIM1;";
  if (p.note) out += " n=\\\"" + *p.note + "\\\";";
  if (p.hash_algs) out += " h=" + *p.hash_algs + ";";
  out += p.key_type == crypto::KeyType::ed25519 ? " k=ed25519; " : " k=rsa; ";
  out += flags_text(p);
  out += "\"\n\t  \"p=";
  // opendkim-genkey cuts the base64 into 250-character pieces; the first piece shares
  // its string with "p=". A length that is an exact multiple leaves a final "" string.
  const std::string b64 = base64_encode(p.public_key);
  std::size_t pos = 0;
  while (pos < b64.size()) {
    const std::size_t left = b64.size() - pos;
    if (left < kKeyZoneChunk) {
      out.append(b64, pos, left);
      pos = b64.size();
    } else {
      out.append(b64, pos, kKeyZoneChunk);
      out += "\"\n\t  \"";
      pos += kKeyZoneChunk;
    }
  }
  out += "\" ) ";
  if (!p.domain.empty()) out += " ; ----- DKIM key " + p.selector + " for " + p.domain;
  out += "\n";
  return out;
}

std::string KeyZoneEntry::record() const {
  std::string out;
  for (const std::string& s : strings) out += s;
  return out;
}

namespace {

struct Token {
  enum class Kind { word, quoted, open, close, line_end };
  Kind kind;
  std::string text;
};

// Reads a quoted string starting after the opening quote; `pos` ends after the closing one.
Result<std::string> read_quoted(std::string_view text, std::size_t& pos) {
  std::string out;
  while (pos < text.size()) {
    const char c = text[pos++];
    if (c == '"') return out;
    if (c != '\\') {
      out += c;
      continue;
    }
    if (pos >= text.size()) break;
    if (std::isdigit(static_cast<unsigned char>(text[pos]))) {
      // \DDD: exactly three decimal digits, value <= 255 (RFC 1035 s5.1)
      if (pos + 3 > text.size()) return fail(Errc::bad_input, "bad \\DDD escape");
      const auto v = parse_uint(text.substr(pos, 3));
      if (!v || *v > 255) return fail(Errc::bad_input, "bad \\DDD escape");
      out += static_cast<char>(*v);
      pos += 3;
    } else {
      out += text[pos++];
    }
  }
  return fail(Errc::bad_input, "unterminated quoted string");
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

Result<std::vector<Token>> tokenize(std::string_view text) {
  std::vector<Token> tokens;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const char c = text[pos];
    if (is_space(c)) {
      ++pos;
    } else if (c == '\n') {
      tokens.push_back({Token::Kind::line_end, {}});
      ++pos;
    } else if (c == ';') {
      while (pos < text.size() && text[pos] != '\n') ++pos;
    } else if (c == '(' || c == ')') {
      tokens.push_back({c == '(' ? Token::Kind::open : Token::Kind::close, {}});
      ++pos;
    } else if (c == '"') {
      ++pos;
      auto s = read_quoted(text, pos);
      if (!s) return fail(s.error().code, s.error().detail);
      tokens.push_back({Token::Kind::quoted, std::move(*s)});
    } else {
      const std::size_t start = pos;
      while (pos < text.size() && !is_space(text[pos]) && text[pos] != '\n' && text[pos] != ';' && text[pos] != '(' &&
             text[pos] != ')' && text[pos] != '"')
        ++pos;
      tokens.push_back({Token::Kind::word, std::string(text.substr(start, pos - start))});
    }
  }
  return tokens;
}

// Record text without zone syntax: "v=DKIM1; k=rsa; p=..." possibly over several lines.
KeyZoneEntry bare_record(std::string_view text) {
  std::string joined;
  for (const char c : text)
    if (c != '\r' && c != '\n') joined += c;
  return KeyZoneEntry{{}, {std::string(trim(joined))}};
}

bool looks_like_bare_record(std::string_view text) {
  // The first word is "tag=..." (a tag name: letters, digits, '_'), as in "v=DKIM1;".
  const std::string_view t = trim(text);
  const std::size_t eq = t.find('=');
  if (eq == 0 || eq == std::string_view::npos) return false;
  for (const char c : t.substr(0, eq))
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

Result<void> add_string(KeyZoneEntry& e, std::string s) {
  if (s.size() > kMaxCharacterString) return fail(Errc::bad_input, "character-string longer than 255 octets");
  if (e.strings.size() >= kMaxKeyZoneStrings) return fail(Errc::bad_input, "too many strings");
  e.strings.push_back(std::move(s));
  return {};
}

}  // namespace

Result<KeyZoneEntry> parse_key_zone(std::string_view text) {
  if (text.size() > kMaxKeyZoneBytes) return fail(Errc::bad_input, "key record file too large");
  if (text.find('\0') != std::string_view::npos) return fail(Errc::bad_input, "NUL byte");
  if (trim(text).empty()) return fail(Errc::bad_input, "empty key record file");
  if (looks_like_bare_record(text)) return bare_record(text);
  auto tokens = tokenize(text);
  if (!tokens) return fail(tokens.error().code, tokens.error().detail);

  KeyZoneEntry entry;
  enum class State { owner, type, data, done } state = State::owner;
  int depth = 0;
  bool all_quoted = true;
  for (Token& t : *tokens) {
    if (t.kind != Token::Kind::quoted && t.kind != Token::Kind::line_end) all_quoted = false;
    if (t.kind == Token::Kind::open) {
      if (state != State::data || depth > 0) return fail(Errc::bad_input, "misplaced '('");
      ++depth;
      continue;
    }
    if (t.kind == Token::Kind::close) {
      if (depth == 0) return fail(Errc::bad_input, "')' without '('");
      --depth;
      continue;
    }
    if (t.kind == Token::Kind::line_end) {
      if (depth == 0 && state == State::data) state = State::done;
      if (depth == 0 && state == State::type) return fail(Errc::bad_input, "no TXT record");
      continue;
    }
    switch (state) {
      case State::owner:
        if (t.kind == Token::Kind::quoted) {
          // Only quoted strings: the record's strings without an owner or type.
          state = State::data;
          auto r = add_string(entry, std::move(t.text));
          if (!r) return fail(r.error().code, r.error().detail);
          break;
        }
        entry.owner = std::move(t.text);
        state = State::type;
        break;
      case State::type:
        if (t.kind == Token::Kind::quoted) return fail(Errc::bad_input, "no TXT record");
        if (iequals(t.text, "TXT")) {
          state = State::data;
        } else if (!iequals(t.text, "IN") && !parse_uint(t.text)) {
          return fail(Errc::bad_input, "record type " + t.text + " is not TXT");
        }
        break;
      case State::data: {
        auto r = add_string(entry, std::move(t.text));
        if (!r) return fail(r.error().code, r.error().detail);
        break;
      }
      case State::done: return fail(Errc::bad_input, "more than one record in the file");
    }
  }
  if (depth != 0) return fail(Errc::bad_input, "unterminated '('");
  if (state == State::owner || state == State::type) return fail(Errc::bad_input, "no TXT record");
  if (entry.strings.empty()) return fail(Errc::bad_input, "TXT record without data");
  if (entry.owner.empty() && !all_quoted) return fail(Errc::bad_input, "no TXT record");
  return entry;
}

}  // namespace cachet::dkim

// SPDX-License-Identifier: BSD-2-Clause
// common/dns/zone_file.cpp: see zone_file.hpp.
#include "common/dns/zone_file.hpp"

#include <arpa/inet.h>

#include <optional>

#include "common/base/strings.hpp"
#include "common/dns/name.hpp"

namespace cachet::dns {
namespace {

std::optional<std::string> canonical_address(std::string_view text, int family) {
  unsigned char bin[16];
  const std::string s(text);
  if (::inet_pton(family, s.c_str(), bin) != 1) return std::nullopt;
  char buf[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(family, bin, buf, sizeof buf);
  return std::string(buf);
}

std::optional<RrType> type_from_name(std::string_view s) {
  static constexpr std::pair<std::string_view, RrType> kTypes[] = {
      {"A", RrType::a},     {"AAAA", RrType::aaaa},   {"MX", RrType::mx},   {"TXT", RrType::txt},
      {"SPF", RrType::spf}, {"CNAME", RrType::cname}, {"PTR", RrType::ptr}, {"NS", RrType::ns}};
  for (const auto& [name, type] : kTypes)
    if (iequals(s, name)) return type;
  return std::nullopt;
}

// Splits a line into tokens; a quoted token keeps its quotes so TXT can tell them apart.
Result<std::vector<std::string>> tokenize(std::string_view line) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < line.size()) {
    const char c = line[i];
    if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
      continue;
    }
    if (c == ';') break;
    std::string tok;
    if (c == '"') {
      tok += line[i++];
      while (i < line.size() && line[i] != '"') {
        if (line[i] == '\\' && i + 1 < line.size()) tok += line[i++];
        tok += line[i++];
      }
      if (i == line.size()) return fail(Errc::bad_input, "unterminated quoted string");
      tok += line[i++];
    } else {
      while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != ';') tok += line[i++];
    }
    out.push_back(std::move(tok));
  }
  return out;
}

// A quoted token without its quotes, escapes resolved.
Result<std::string> unquote(std::string_view tok) {
  if (tok.size() < 2 || tok.front() != '"') return std::string(tok);
  tok = tok.substr(1, tok.size() - 2);
  std::string out;
  for (std::size_t i = 0; i < tok.size(); ++i) {
    if (tok[i] != '\\') {
      out += tok[i];
      continue;
    }
    if (++i == tok.size()) return fail(Errc::bad_input, "dangling backslash");
    if (tok.size() - i >= 3 && isdigit(static_cast<unsigned char>(tok[i]))) {
      const auto v = parse_uint(tok.substr(i, 3));
      if (!v || *v > 255) return fail(Errc::bad_input, "bad \\DDD escape");
      out += static_cast<char>(*v);
      i += 2;
    } else {
      out += tok[i];
    }
  }
  return out;
}

Result<Record> parse_line(const std::vector<std::string>& tok) {
  std::size_t i = 1;
  std::uint32_t ttl = kDefaultZoneTtl;
  if (i < tok.size()) {
    if (const auto v = parse_uint(tok[i]); v && *v <= 0x7fffffff) {
      ttl = static_cast<std::uint32_t>(*v);
      ++i;
    }
  }
  if (i < tok.size() && iequals(tok[i], "IN")) ++i;
  if (i >= tok.size()) return fail(Errc::bad_input, "missing type");
  const auto type = type_from_name(tok[i]);
  if (!type) return fail(Errc::bad_input, "unsupported type " + tok[i]);
  ++i;
  if (i >= tok.size()) return fail(Errc::bad_input, "missing data");
  if (*type == RrType::txt || *type == RrType::spf) {
    std::vector<std::string> strings;
    for (; i < tok.size(); ++i) {
      auto s = unquote(tok[i]);
      if (!s) return Unexpected<Error>(std::move(s).error());
      strings.push_back(std::move(*s));
    }
    return make_txt_record(tok[0], std::move(strings), ttl, *type);
  }
  std::string data = tok[i];
  for (++i; i < tok.size(); ++i) data += " " + tok[i];
  return make_record(tok[0], *type, data, ttl);
}

}  // namespace

Result<Record> make_txt_record(std::string_view owner, std::vector<std::string> strings, std::uint32_t ttl,
                               RrType type) {
  auto name = normalize_query_name(owner);
  if (!name) return Unexpected<Error>(std::move(name).error());
  Record r{type, std::move(*name), ttl, {}, 0, {}};
  for (const auto& s : strings) {
    if (s.size() > kMaxTxtStringLength) return fail(Errc::bad_input, "TXT character-string longer than 255");
    r.value += s;
  }
  if (strings.empty()) strings.emplace_back();
  r.txt_strings = std::move(strings);
  return r;
}

Result<Record> make_record(std::string_view owner, RrType type, std::string_view value, std::uint32_t ttl) {
  if (type == RrType::txt || type == RrType::spf) {
    std::vector<std::string> chunks;
    for (std::size_t i = 0; i < value.size(); i += kMaxTxtStringLength)
      chunks.emplace_back(value.substr(i, kMaxTxtStringLength));
    return make_txt_record(owner, std::move(chunks), ttl, type);
  }
  auto name = normalize_query_name(owner);
  if (!name) return Unexpected<Error>(std::move(name).error());
  Record r{type, std::move(*name), ttl, {}, 0, {}};
  std::optional<std::string> v;
  switch (type) {
    case RrType::a: v = canonical_address(value, AF_INET); break;
    case RrType::aaaa: v = canonical_address(value, AF_INET6); break;
    case RrType::mx: {
      value = trim(value);
      const auto space = value.find(' ');
      const auto pref = parse_uint(value.substr(0, space));
      if (space == std::string_view::npos || !pref || *pref > 65535)
        return fail(Errc::bad_input, "MX data must be 'preference host'");
      r.preference = static_cast<std::uint16_t>(*pref);
      value = trim(value.substr(space + 1));
      [[fallthrough]];
    }
    case RrType::cname:
    case RrType::ptr:
    case RrType::ns:
      if (auto target = normalize_query_name(value)) v = std::move(*target);
      break;
    default: break;
  }
  if (!v) return fail(Errc::bad_input, "bad data '" + std::string(value) + "'");
  r.value = std::move(*v);
  return r;
}

Result<std::vector<Record>> parse_zone_text(std::string_view text) {
  std::vector<Record> out;
  std::size_t lineno = 0;
  for (const std::string_view line : split(text, '\n')) {
    ++lineno;
    auto tok = tokenize(line);
    if (tok && tok->empty()) continue;
    Result<Record> rec = tok ? parse_line(*tok) : Result<Record>(Unexpected<Error>(std::move(tok).error()));
    if (!rec) return fail(Errc::bad_input, "zone line " + std::to_string(lineno) + ": " + rec.error().detail);
    out.push_back(std::move(*rec));
  }
  return out;
}

}  // namespace cachet::dns

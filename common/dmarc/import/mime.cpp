// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/import/mime.cpp: see mime.hpp.
#include "common/dmarc/import/mime.hpp"

#include <charconv>

#include "common/base/base64.hpp"
#include "common/base/strings.hpp"

namespace cachet::dmarc::import {
namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool is_tspecial_or_space(char c) noexcept {
  return std::string_view("()<>@,;:\\\"/[]?= \t\r\n").find(c) != std::string_view::npos;
}

void skip_space(std::string_view s, std::size_t& i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
}

// A token or a quoted-string at s[i]; i moves past it.
std::string read_value(std::string_view s, std::size_t& i) {
  std::string out;
  if (i < s.size() && s[i] == '"') {
    for (++i; i < s.size() && s[i] != '"'; ++i) {
      if (s[i] == '\\' && i + 1 < s.size()) ++i;
      out += s[i];
    }
    if (i < s.size()) ++i;  // closing quote
    return out;
  }
  while (i < s.size() && s[i] != ';' && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') out += s[i++];
  return out;
}

// RFC 2231 s4: charset'language'%XX-encoded text; the charset is not converted.
std::string decode_extended(std::string_view v, bool has_charset) {
  if (has_charset) {
    const auto first = v.find('\''), second = first == std::string_view::npos ? first : v.find('\'', first + 1);
    if (second != std::string_view::npos) v.remove_prefix(second + 1);
  }
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '%' && i + 2 < v.size() && hex_value(v[i + 1]) >= 0 && hex_value(v[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(v[i + 1]) * 16 + hex_value(v[i + 2]));
      i += 2;
    } else {
      out += v[i];
    }
  }
  return out;
}

std::string decode_body(std::string_view encoding, std::string_view body, bool& ok) {
  ok = true;
  const std::string cte = to_lower(trim(encoding));
  if (cte == "quoted-printable") return decode_quoted_printable(body);
  if (cte != "base64") return std::string(body);
  std::string text = strip_whitespace(body);
  const auto pad = text.find('=');  // anything after the padding (a second blob) is dropped
  if (pad != std::string::npos) text.erase(pad);
  while (text.size() % 4 != 0) text += '=';  // some senders drop the padding
  auto decoded = base64_decode(text);
  if (!decoded) {
    ok = false;
    return {};
  }
  return *decoded;
}

struct Walker {
  std::vector<MimePart> out;

  Result<void> walk(std::string_view raw, std::size_t depth) {
    if (depth > kMaxMimeDepth)
      return fail(Errc::bad_input, "MIME parts nested deeper than " + std::to_string(kMaxMimeDepth));
    auto msg = mail::split_message(raw);
    if (!msg) return fail(Errc::bad_input, "MIME part header: " + msg.error().detail);
    const ContentType ct = parse_content_type(header_value(msg->headers, "Content-Type"));
    if (ct.type.rfind("multipart/", 0) == 0) return walk_multipart(ct, msg->body, depth);
    if (out.size() >= kMaxMimeParts)
      return fail(Errc::bad_input, "more than " + std::to_string(kMaxMimeParts) + " MIME parts");
    MimePart part;
    part.content_type = ct;
    const ContentType disposition = parse_content_type(header_value(msg->headers, "Content-Disposition"));
    if (auto f = disposition.params.find("filename"); f != disposition.params.end())
      part.filename = f->second;
    else if (auto n = ct.params.find("name"); n != ct.params.end())
      part.filename = n->second;
    bool ok = true;
    part.body = decode_body(header_value(msg->headers, "Content-Transfer-Encoding"), msg->body, ok);
    if (!ok)
      return fail(Errc::bad_input, "MIME part " + ct.type + (part.filename.empty() ? "" : " '" + part.filename + "'") +
                                       ": base64 does not decode");
    out.push_back(std::move(part));
    return {};
  }

  Result<void> walk_multipart(const ContentType& ct, std::string_view body, std::size_t depth) {
    const auto b = ct.params.find("boundary");
    if (b == ct.params.end() || b->second.empty()) return fail(Errc::bad_input, ct.type + " without a boundary");
    const std::string delimiter = "--" + b->second;
    std::size_t pos = 0, part_start = std::string_view::npos;
    while (pos < body.size()) {
      std::size_t lf = body.find('\n', pos);
      const std::size_t line_end = lf == std::string_view::npos ? body.size() : lf;
      const std::size_t next = lf == std::string_view::npos ? body.size() : lf + 1;
      std::string_view line = body.substr(pos, line_end - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.substr(0, delimiter.size()) == delimiter) {
        const std::string_view rest = line.substr(delimiter.size());
        const bool is_close = rest.substr(0, 2) == "--";
        if (is_close || trim(rest).empty()) {
          if (part_start != std::string_view::npos) {
            // The CRLF before a delimiter belongs to the delimiter (RFC 2046 s5.1.1).
            std::size_t end = pos;
            if (end > part_start && body[end - 1] == '\n') --end;
            if (end > part_start && body[end - 1] == '\r') --end;
            if (auto r = walk(body.substr(part_start, end - part_start), depth + 1); !r) return r;
          }
          if (is_close) return {};
          part_start = next;
        }
      }
      pos = next;
    }
    if (part_start != std::string_view::npos && part_start < body.size())  // no close delimiter
      return walk(body.substr(part_start), depth + 1);
    return {};
  }
};

}  // namespace

std::string header_value(const std::vector<mail::HeaderField>& headers, std::string_view name) {
  for (const mail::HeaderField& f : headers)
    if (iequals(trim(f.name), name)) return std::string(trim(mail::unfold(f.value)));
  return {};
}

ContentType parse_content_type(std::string_view value) {
  ContentType ct;
  std::size_t i = 0;
  skip_space(value, i);
  std::size_t start = i;
  while (i < value.size() && value[i] != ';') ++i;
  // Content-Disposition is read here too: its "attachment" stands where a type would.
  if (std::string type = to_lower(trim(value.substr(start, i - start))); !type.empty()) ct.type = std::move(type);
  std::map<std::string, std::map<int, std::pair<std::string, bool>>> sections;  // RFC 2231 pieces
  while (i < value.size()) {
    ++i;  // ';'
    skip_space(value, i);
    start = i;
    while (i < value.size() && value[i] != '=' && value[i] != ';' && !is_tspecial_or_space(value[i])) ++i;
    std::string name = to_lower(value.substr(start, i - start));
    skip_space(value, i);
    if (i >= value.size() || value[i] != '=') {
      while (i < value.size() && value[i] != ';') ++i;
      continue;
    }
    ++i;
    skip_space(value, i);
    std::string v = read_value(value, i);
    while (i < value.size() && value[i] != ';') ++i;
    if (name.empty()) continue;
    const auto star = name.find('*');
    if (star == std::string::npos) {
      ct.params.emplace(name, std::move(v));
      continue;
    }
    const std::string base = name.substr(0, star);
    std::string_view tail = std::string_view(name).substr(star + 1);
    const bool extended = !tail.empty() && tail.back() == '*';
    if (tail.empty()) {  // name*=charset'lang'value
      ct.params[base] = decode_extended(v, true);
      continue;
    }
    if (extended) tail.remove_suffix(1);
    int section = 0;
    const auto [p, ec] = std::from_chars(tail.data(), tail.data() + tail.size(), section);
    if (ec != std::errc() || p != tail.data() + tail.size() || section < 0 || section > 999) continue;
    sections[base][section] = {std::move(v), extended};
  }
  for (auto& [name, pieces] : sections) {
    std::string joined;
    for (auto& [n, piece] : pieces) joined += piece.second ? decode_extended(piece.first, n == 0) : piece.first;
    ct.params.emplace(name, std::move(joined));
  }
  return ct;
}

std::string decode_quoted_printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '=') {
      out += c;
      continue;
    }
    // Soft line break: '=' then optional trailing whitespace then CRLF or LF.
    std::size_t j = i + 1;
    while (j < text.size() && (text[j] == ' ' || text[j] == '\t')) ++j;
    if (j < text.size() && (text[j] == '\r' || text[j] == '\n')) {
      if (text[j] == '\r' && j + 1 < text.size() && text[j + 1] == '\n') ++j;
      i = j;
      continue;
    }
    if (j == text.size()) break;  // '=' at the very end: a soft break without a line end
    if (i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
      continue;
    }
    out += c;  // malformed: kept literally
  }
  return out;
}

Result<std::vector<MimePart>> walk_mime(std::string_view raw) {
  Walker w;
  if (auto r = w.walk(raw, 0); !r) return Unexpected<Error>(r.error());
  return std::move(w.out);
}

}  // namespace cachet::dmarc::import

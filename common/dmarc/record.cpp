// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/record.cpp: see record.hpp. The record is split at ';' first (real-world
// records contain junk such as "fo:0", ";;" or a stray "0" between tags that both
// reference implementations skip); each piece is then checked as one RFC 6376 s3.2
// tag-spec with the shared mail::parse_tag_list, so names and value bytes follow the
// same grammar as DKIM.
#include "common/dmarc/record.hpp"

#include <algorithm>
#include <array>
#include <limits>

#include "common/base/strings.hpp"
#include "common/mail/tag_list.hpp"

namespace cachet::dmarc {
namespace {

enum class Tag { v, p, sp, np, adkim, aspf, pct, t, psd, rua, ruf, fo, rf, ri, unknown };

struct TagName {
  std::string_view name;
  Tag tag;
  bool weakens_if_defaulted;  // a bad value is an error, not a warning
};

constexpr TagName kTags[] = {
    {"v", Tag::v, true},         {"p", Tag::p, true},       {"sp", Tag::sp, true},    {"np", Tag::np, true},
    {"adkim", Tag::adkim, true}, {"aspf", Tag::aspf, true}, {"pct", Tag::pct, false}, {"t", Tag::t, false},
    {"psd", Tag::psd, false},    {"rua", Tag::rua, false},  {"ruf", Tag::ruf, false}, {"fo", Tag::fo, false},
    {"rf", Tag::rf, false},      {"ri", Tag::ri, false},
};

const TagName* find_tag(std::string_view name) {
  for (const auto& t : kTags) {
    if (iequals(t.name, name)) return &t;
  }
  return nullptr;
}

std::optional<Policy> parse_policy(std::string_view v) {
  if (iequals(v, "none")) return Policy::none;
  if (iequals(v, "quarantine")) return Policy::quarantine;
  if (iequals(v, "reject")) return Policy::reject;
  return std::nullopt;
}

std::optional<AlignmentMode> parse_mode(std::string_view v) {
  if (iequals(v, "r")) return AlignmentMode::relaxed;
  if (iequals(v, "s")) return AlignmentMode::strict;
  return std::nullopt;
}

bool all_tokens_in(std::string_view v, std::initializer_list<std::string_view> allowed) {
  if (v.empty()) return false;
  for (const auto tok : split(v, ':')) {
    bool ok = false;
    for (const auto a : allowed) ok = ok || iequals(trim(tok), a);
    if (!ok) return false;
  }
  return true;
}

bool is_uri_scheme(std::string_view s) {
  if (s.empty() || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'))) return false;
  for (const char c : s) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// RFC 7489 s6.4: dmarc-uri = URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ].
std::optional<ReportUri> parse_uri(std::string_view text) {
  ReportUri out;
  const auto bang = text.rfind('!');
  if (bang != std::string_view::npos) {
    std::string_view size = text.substr(bang + 1);
    std::uint64_t unit = 1;
    if (!size.empty()) {
      switch (ascii_lower(size.back())) {
        case 'k': unit = 1ULL << 10; break;
        case 'm': unit = 1ULL << 20; break;
        case 'g': unit = 1ULL << 30; break;
        case 't': unit = 1ULL << 40; break;
        default: break;
      }
      if (unit != 1) size.remove_suffix(1);
    }
    const auto n = parse_uint(size);
    if (!n || *n > std::numeric_limits<std::uint64_t>::max() / unit) return std::nullopt;
    out.max_bytes = *n * unit;
    text = text.substr(0, bang);
  }
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || !is_uri_scheme(text.substr(0, colon)) || colon + 1 == text.size()) {
    return std::nullopt;
  }
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == ',' || c == ';') return std::nullopt;
  }
  out.uri = std::string(text);
  return out;
}

bool is_valid_mailto(const ReportUri& u) {
  return istarts_with(u.uri, "mailto:") && u.uri.find('@') != std::string::npos;
}

void parse_uri_list(std::string_view v, std::vector<ReportUri>& out, std::vector<std::string>& warnings,
                    std::string_view tag) {
  for (const auto piece : split(v, ',')) {
    auto u = parse_uri(trim(piece));
    if (!u) {
      warnings.push_back(std::string(tag) + ": ignored bad URI '" + std::string(trim(piece)) + "'");
    } else if (out.size() >= kMaxReportUris) {
      warnings.push_back(std::string(tag) + ": more than " + std::to_string(kMaxReportUris) + " URIs, rest ignored");
      return;
    } else {
      out.push_back(std::move(*u));
    }
  }
}

// Applies one well-formed tag. Returns false when the value is unusable.
bool apply(Record& r, Tag tag, std::string_view v, std::vector<std::string>& warnings) {
  switch (tag) {
    case Tag::p: return (r.p = parse_policy(v)).has_value();
    case Tag::sp: return (r.sp = parse_policy(v)).has_value();
    case Tag::np: return (r.np = parse_policy(v)).has_value();
    case Tag::adkim: {
      const auto m = parse_mode(v);
      if (m) r.adkim = *m;
      return m.has_value();
    }
    case Tag::aspf: {
      const auto m = parse_mode(v);
      if (m) r.aspf = *m;
      return m.has_value();
    }
    case Tag::pct: {
      const auto n = parse_uint(v);
      if (!n || *n > 100) return false;
      r.pct = static_cast<unsigned>(*n);
      return true;
    }
    case Tag::t:
      if (!iequals(v, "y") && !iequals(v, "n")) return false;
      r.testing = iequals(v, "y");
      return true;
    case Tag::psd:
      if (iequals(v, "y"))
        r.psd = PsdFlag::yes;
      else if (iequals(v, "n"))
        r.psd = PsdFlag::no;
      else if (iequals(v, "u"))
        r.psd = PsdFlag::unknown;
      else
        return false;
      return true;
    case Tag::rua: parse_uri_list(v, r.rua, warnings, "rua"); return true;
    case Tag::ruf: parse_uri_list(v, r.ruf, warnings, "ruf"); return true;
    case Tag::fo:
      if (!all_tokens_in(v, {"0", "1", "d", "s"})) return false;
      r.fo = std::string(v);
      return true;
    case Tag::rf:
      if (!all_tokens_in(v, {"afrf", "iodef"})) return false;
      r.rf = to_lower(v);
      return true;
    case Tag::ri: {
      const auto n = parse_uint(v);
      if (!n || *n > std::numeric_limits<std::uint32_t>::max()) return false;
      r.ri = static_cast<std::uint32_t>(*n);
      return true;
    }
    case Tag::v:
    case Tag::unknown: return true;
  }
  return true;
}

struct Piece {
  std::string name;
  std::string value;
  bool well_formed = false;  // one valid tag-spec
};

Piece split_piece(std::string_view seg) {
  Piece out;
  auto tl = mail::parse_tag_list(seg);
  if (tl && tl->tags.size() == 1) {
    out.name = to_lower(tl->tags[0].name);
    out.value = std::move(tl->tags[0].value);
    out.well_formed = true;
    return out;
  }
  const auto eq = seg.find('=');
  if (eq != std::string_view::npos) {
    out.name = to_lower(trim(seg.substr(0, eq)));
    out.value = std::string(trim(seg.substr(eq + 1)));
  }
  return out;
}

}  // namespace

const char* to_string(Policy p) noexcept {
  switch (p) {
    case Policy::none: return "none";
    case Policy::quarantine: return "quarantine";
    case Policy::reject: return "reject";
  }
  return "none";
}

bool is_dmarc_record(std::string_view txt) noexcept {
  const auto semi = txt.find(';');
  const std::string_view first = trim(txt.substr(0, semi));
  const auto eq = first.find('=');
  if (eq == std::string_view::npos) return false;
  // The tag name is an ABNF string ("v", case-insensitive); the value is %x44.4d.41.52.43.31
  // and "MUST match precisely" (RFC 7489 s6.3): v=dmarc1 is not a DMARC record.
  return iequals(trim(first.substr(0, eq)), "v") && trim(first.substr(eq + 1)) == "DMARC1";
}

Result<Record> parse_record(std::string_view txt) {
  if (txt.size() > kMaxRecordBytes) return fail(Errc::permanent, "DMARC record too long");
  if (txt.find('\0') != std::string_view::npos) return fail(Errc::permanent, "NUL in DMARC record");
  if (!is_dmarc_record(txt)) return fail(Errc::permanent, "not a v=DMARC1 record");
  Record r;
  // Walked in place, with a flag per tag: no vectors for a record asked on every cold message.
  std::array<bool, static_cast<std::size_t>(Tag::unknown) + 1> seen{};
  if (static_cast<std::size_t>(std::count(txt.begin(), txt.end(), ';')) + 1 > kMaxRecordTags)
    return fail(Errc::permanent, "too many tags");
  for (std::size_t semi = txt.find(';'); semi != std::string_view::npos;) {
    const std::size_t next = txt.find(';', semi + 1);
    const std::string_view seg = trim(txt.substr(semi + 1, next == std::string_view::npos ? next : next - semi - 1));
    semi = next;
    if (seg.empty()) continue;
    const Piece piece = split_piece(seg);
    const TagName* known = find_tag(piece.name);
    if (known == nullptr) {
      r.warnings.push_back(piece.name.empty() ? "ignored junk '" + std::string(seg) + "'"
                                              : "ignored unknown tag '" + piece.name + "'");
      continue;
    }
    auto& was_seen = seen[static_cast<std::size_t>(known->tag)];
    if (was_seen) return fail(Errc::permanent, "duplicate tag " + piece.name);
    was_seen = true;
    if (known->tag == Tag::v) return fail(Errc::permanent, "v= repeated");
    const bool ok = piece.well_formed && apply(r, known->tag, piece.value, r.warnings);
    if (ok) continue;
    if (known->weakens_if_defaulted) {
      return fail(Errc::permanent, "invalid value for " + piece.name + ": '" + piece.value + "'");
    }
    r.warnings.push_back("ignored invalid " + piece.name + "='" + piece.value + "'");
  }
  if (!r.p) {
    for (const auto& u : r.rua) {
      if (is_valid_mailto(u)) r.p = Policy::none;  // RFC 7489 s6.6.3 step 6
    }
  }
  return r;
}

std::optional<ReportUri> parse_report_uri(std::string_view text) { return parse_uri(text); }

}  // namespace cachet::dmarc

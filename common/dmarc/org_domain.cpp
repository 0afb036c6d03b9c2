// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/org_domain.cpp: see org_domain.hpp.
#include "common/dmarc/org_domain.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <sstream>

#include "common/base/strings.hpp"
#include "common/mail/address.hpp"

namespace cachet::dmarc {
namespace {

// Decodes UTF-8 into code points; nullopt on malformed input.
std::optional<std::vector<std::uint32_t>> utf8_decode(std::string_view s) {
  std::vector<std::uint32_t> out;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      len = 1;
      cp = c;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else
      return std::nullopt;
    if (i + len > s.size()) return std::nullopt;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (cc & 0x3F);
    }
    const std::uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    out.push_back(cp);
    i += len;
  }
  return out;
}

constexpr std::uint32_t kBase = 36, kTmin = 1, kTmax = 26, kSkew = 38, kDamp = 700;

std::uint32_t adapt(std::uint32_t delta, std::uint32_t points, bool first) {
  delta = first ? delta / kDamp : delta / 2;
  delta += delta / points;
  std::uint32_t k = 0;
  while (delta > ((kBase - kTmin) * kTmax) / 2) {
    delta /= kBase - kTmin;
    k += kBase;
  }
  return k + (kBase - kTmin + 1) * delta / (delta + kSkew);
}

char digit(std::uint32_t d) { return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26)); }

std::vector<std::string_view> labels_of(std::string_view d) { return split(d, '.'); }

// Appends the A-label form of `domain` to out, label by label; false when a label cannot
// be converted (out then holds part of it). Leading empty labels leave no trace (".a" is
// "a"), empty labels after the first are kept ("a..b").
// For an ASCII name (nearly every one) each label is its own A-label: the A-label form is
// this part of it, lower-cased.
std::string_view ascii_a_labels_part(std::string_view domain) {
  const auto first = domain.find_first_not_of('.');
  return first == std::string_view::npos ? std::string_view() : domain.substr(first);
}

bool append_a_labels(std::string& out, std::string_view domain) {
  if (is_ascii(domain)) {
    append_lower(out, ascii_a_labels_part(domain));
    return true;
  }
  const std::size_t base = out.size();
  for (const auto label : labels_of(domain)) {
    auto a = to_a_label(label);
    if (!a) return false;
    if (out.size() > base) out += '.';
    out += *a;
  }
  return true;
}

std::string join_tail(const std::vector<std::string_view>& labels, std::size_t count) {
  std::string out;
  for (std::size_t i = labels.size() - count; i < labels.size(); ++i) {
    if (!out.empty()) out += '.';
    out += labels[i];
  }
  return out;
}

}  // namespace

std::optional<std::string> to_a_label(std::string_view label) {
  // Nearly every label is ASCII: its A-label is itself in lower case, without decoding
  // (the organizational-domain lookup of every message converts each label; callgrind,
  // tests/bench dmarc-cold-spf-self).
  if (is_ascii(label)) return to_lower(label);
  const auto cps = utf8_decode(label);
  if (!cps) return std::nullopt;
  std::string out;
  for (const auto cp : *cps) {
    if (cp < 0x80) out += ascii_lower(static_cast<char>(cp));
  }
  const auto basic = static_cast<std::uint32_t>(out.size());
  if (basic == cps->size()) return out;
  out = "xn--" + out;
  if (basic > 0) out += '-';
  std::uint32_t n = 0x80, delta = 0, bias = 72, h = basic;
  while (h < cps->size()) {
    std::uint32_t m = 0x110000;
    for (const auto cp : *cps) {
      if (cp >= n && cp < m) m = cp;
    }
    if ((m - n) > (0xFFFFFFFFu - delta) / (h + 1)) return std::nullopt;
    delta += (m - n) * (h + 1);
    n = m;
    for (const auto cp : *cps) {
      if (cp < n && ++delta == 0) return std::nullopt;
      if (cp != n) continue;
      std::uint32_t q = delta;
      for (std::uint32_t k = kBase;; k += kBase) {
        const std::uint32_t t = k <= bias ? kTmin : (k >= bias + kTmax ? kTmax : k - bias);
        if (q < t) break;
        out += digit(t + (q - t) % (kBase - t));
        q = (q - t) / (kBase - t);
      }
      out += digit(q);
      bias = adapt(delta, h + 1, h == basic);
      delta = 0;
      ++h;
    }
    ++delta;
    ++n;
  }
  if (out.size() > mail::kMaxLabelBytes) return std::nullopt;
  return out;
}

Result<PublicSuffixList> PublicSuffixList::parse(std::string_view text) {
  if (text.size() > kMaxPslBytes) return fail(Errc::config, "public suffix list too large");
  PublicSuffixList psl;
  std::size_t lineno = 0;
  for (std::string_view line : split(text, '\n')) {
    ++lineno;
    line = trim(line);
    if (line.empty() || line.starts_with("//")) continue;
    line = line.substr(0, line.find_first_of(" \t"));  // rest of the line is ignored
    unsigned kind = kNormal;
    if (line.starts_with("!")) {
      kind = kException;
      line.remove_prefix(1);
    } else if (line.starts_with("*.")) {
      kind = kWildcard;
      line.remove_prefix(2);
    }
    std::string key;
    for (const auto label : labels_of(line)) {
      auto a = to_a_label(label);
      if (!a || a->empty()) {
        return fail(Errc::config, "public suffix list line " + std::to_string(lineno) + ": bad rule");
      }
      key += (key.empty() ? "" : ".") + *a;
    }
    if (psl.rules_.size() >= kMaxPslRules) return fail(Errc::config, "too many PSL rules");
    psl.rules_[key] |= kind;
  }
  if (psl.rules_.empty()) return fail(Errc::config, "public suffix list has no rules");
  return psl;
}

Result<PublicSuffixList> PublicSuffixList::load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Errc::config, "cannot open public suffix list " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  auto psl = parse(ss.str());
  if (!psl) return fail(Errc::config, path + ": " + psl.error().detail);
  return psl;
}

std::optional<std::string> PublicSuffixList::registrable_domain(std::string_view domain) const {
  if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
  if (domain.empty()) return std::nullopt;
  // One pass over the name: capitals, 8-bit bytes, labels, empty labels.
  bool any_upper = false, all_ascii = true, any_empty_label = false;
  std::size_t label_count = 1;
  char prev = '.';
  for (const char c : domain) {
    if (c == '.') {
      ++label_count;
      any_empty_label = any_empty_label || prev == '.';
    } else if (c >= 'A' && c <= 'Z') {
      any_upper = true;
    } else if (static_cast<unsigned char>(c) >= 0x80) {
      all_ascii = false;
    }
    prev = c;
  }
  any_empty_label = any_empty_label || prev == '.';
  // Callers pass normalised names: lower-case a copy only when there is a capital.
  std::string lowered;
  std::string_view lower = domain;
  if (any_upper) {
    lowered = to_lower(domain);
    lower = lowered;
  }
  // The rule walk over the last 1..n labels; suffix(len) = the last `len` labels in
  // A-label form, asked for len = 1, 2, ... in turn. Returns the public suffix's labels.
  auto suffix_labels = [this](std::size_t n, auto&& suffix) {
    std::size_t labels = 1;  // the implicit "*" rule
    for (std::size_t len = 1; len <= n; ++len) {
      const auto it = rules_.find(suffix(len));
      if (it == rules_.end()) continue;
      if (it->second & kException) return len - 1;  // an exception is the registrable domain itself
      if (it->second & kNormal) labels = std::max(labels, len);
      if ((it->second & kWildcard) && len < n) labels = std::max(labels, len + 1);
    }
    return labels;
  };
  if (all_ascii) {
    // ASCII (nearly every From domain): each label is its own A-label, so every suffix is
    // a tail of `lower`, looked up as a view: no label vectors, no strings, no punycode.
    if (any_empty_label) return std::nullopt;
    std::size_t start = lower.size(), have = 0;  // lower.substr(start) = the last `have` labels
    auto tail = [&](std::size_t len) {
      if (len < have) {
        start = lower.size();
        have = 0;
      }
      for (; have < len && start > 0; ++have) {
        const std::size_t dot = start >= 2 ? lower.rfind('.', start - 2) : std::string_view::npos;
        start = dot == std::string_view::npos ? 0 : dot + 1;
      }
      return lower.substr(start);
    };
    const std::size_t k = suffix_labels(label_count, tail);
    if (label_count <= k) return std::nullopt;
    return std::string(tail(k + 1));
  }
  const auto labels = labels_of(lower);
  std::vector<std::string> alabels;
  for (const auto l : labels) {
    auto a = to_a_label(l);
    if (!a || a->empty()) return std::nullopt;
    alabels.push_back(std::move(*a));
  }
  const std::size_t n = alabels.size();
  std::string suffix;
  const std::size_t k = suffix_labels(n, [&](std::size_t len) -> std::string_view {
    suffix = len == 1 ? alabels[n - 1] : alabels[n - len] + "." + suffix;
    return suffix;
  });
  if (n <= k) return std::nullopt;
  return join_tail(labels, k + 1);
}

Result<std::string> PslOrgDomain::organizational_domain(std::string_view domain) const {
  auto r = psl_.registrable_domain(domain);
  if (r) return std::move(*r);
  return to_lower(domain);
}

std::optional<std::string> to_a_labels(std::string_view domain) {
  std::string out;
  out.reserve(domain.size());
  if (!append_a_labels(out, domain)) return std::nullopt;
  return out;
}

constexpr std::string_view kDmarcPrefix = "_dmarc.";

std::string dmarc_record_name(std::string_view domain) {
  std::string out;
  out.reserve(kDmarcPrefix.size() + domain.size());
  out += kDmarcPrefix;
  // A U-label domain is asked in A-label form (the resolver refuses raw 8-bit names).
  if (!append_a_labels(out, domain)) {
    out.resize(kDmarcPrefix.size());
    out += domain;
  }
  return out;
}

DmarcLookup lookup_dmarc(dns::Resolver& resolver, std::string_view domain) {
  DmarcLookup out;
  out.domain = std::string(domain);
  // The usual ASCII name is built on the stack: dmarc_record_name() without its allocation.
  std::array<char, kDmarcPrefix.size() + mail::kMaxDomainBytes + 1> buf;  // NOLINT(*-member-init): written first
  std::string heap;
  std::string_view name;
  if (const auto part = ascii_a_labels_part(domain);
      is_ascii(domain) && kDmarcPrefix.size() + part.size() <= buf.size()) {
    const auto end = std::copy(kDmarcPrefix.begin(), kDmarcPrefix.end(), buf.begin());
    std::transform(part.begin(), part.end(), end, ascii_lower);
    name = std::string_view(buf.data(), kDmarcPrefix.size() + part.size());
  } else {
    heap = dmarc_record_name(domain);
    name = heap;
  }
  const dns::Answer a = resolver.query(name, dns::RrType::txt);
  if (dns::is_temporary(a.status)) {
    out.status = DmarcLookup::Status::temperror;
    out.detail = std::string("_dmarc.") + std::string(domain) + ": " + dns::to_string(a.status);
    return out;
  }
  const std::string* found = nullptr;
  std::size_t count = 0;
  for (const auto& rr : a.records) {
    if (rr.type == dns::RrType::txt && is_dmarc_record(rr.value)) {
      found = &rr.value;
      ++count;
    }
  }
  if (count != 1) {
    out.status = DmarcLookup::Status::no_record;
    if (count > 1) out.detail = "several DMARC records";
    return out;
  }
  auto rec = parse_record(*found);
  if (!rec) {
    out.status = DmarcLookup::Status::invalid;
    out.detail = rec.error().detail;
    return out;
  }
  out.status = DmarcLookup::Status::record;
  out.record = std::move(*rec);
  return out;
}

std::vector<std::string> tree_walk_names(std::string_view domain) {
  const auto labels = labels_of(domain);
  std::vector<std::string> out{std::string(domain)};
  std::size_t next = labels.size() - 1;
  if (labels.size() > kTreeWalkShortcutLabels) next = kTreeWalkShortcutLabels;
  for (std::size_t len = next; len >= 1 && out.size() < kMaxTreeWalkQueries; --len) {
    out.push_back(join_tail(labels, len));
  }
  return out;
}

Result<std::string> TreeWalkOrgDomain::organizational_domain(std::string_view domain) const {
  const auto labels = labels_of(domain);
  std::string candidate;
  for (const auto& name : tree_walk_names(domain)) {
    const DmarcLookup l = lookup_dmarc(resolver_, name);
    if (l.status == DmarcLookup::Status::temperror) return fail(Errc::temporary, l.detail);
    if (l.status != DmarcLookup::Status::record) continue;
    if (l.record.psd == PsdFlag::no) return name;
    if (l.record.psd == PsdFlag::yes) {
      const std::size_t len = labels_of(name).size();
      return len >= labels.size() ? std::string(domain) : join_tail(labels, len + 1);
    }
    candidate = name;  // the record with the fewest labels so far
  }
  return candidate.empty() ? std::string(domain) : candidate;
}

}  // namespace cachet::dmarc

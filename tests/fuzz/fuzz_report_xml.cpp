// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_report_xml.cpp: the aggregate report builder (report_aggregate.hpp, both
// shapes) and opendmarc's HistoryFile formatter over hostile records. Input: '\n'-separated values filling the history
// columns in order, record after record (so domains, dkim entries and IPs hold any bytes).
// Invariants: never crash or throw; the report is well-formed XML (tags balance, text has
// no raw '<' and only the five predefined entities, no control bytes, valid UTF-8); every
// HistoryFile line is "known-key value" (values cannot add lines).
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/strings.hpp"
#include "common/dmarc/history_file.hpp"
#include "common/dmarc/report_aggregate.hpp"
#include "common/dmarc/report_xml.hpp"

namespace {

// Text is valid UTF-8 without markup or control bytes exactly when xml_text() leaves it
// alone once the entity ampersands and the indentation newlines are set aside.
bool clean_text(std::string_view s) {
  std::string copy(s);
  for (char& c : copy) c = c == '&' ? 'A' : c == '\n' ? ' ' : c;
  return cachet::dmarc::xml_text(copy) == copy;
}

// A checker for the subset of XML the builder writes: a declaration, elements without
// attributes, text.
bool well_formed(std::string_view x) {
  const std::string_view decl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  if (x.substr(0, decl.size()) != decl) return false;
  x.remove_prefix(decl.size());
  std::vector<std::string_view> open;
  bool seen_root = false;
  while (!x.empty()) {
    if (x.front() == '<') {
      const auto end = x.find('>');
      if (end == std::string_view::npos) return false;
      std::string_view tag = x.substr(1, end - 1);
      x.remove_prefix(end + 1);
      const bool closing = !tag.empty() && tag.front() == '/';
      if (closing) tag.remove_prefix(1);
      if (!closing && tag == "feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\"") tag = "feedback";  // RFC 9990
      if (tag.empty() || tag.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string_view::npos) return false;
      if (closing) {
        if (open.empty() || open.back() != tag) return false;
        open.pop_back();
      } else {
        if (open.empty() && seen_root) return false;
        open.push_back(tag);
        seen_root = true;
      }
      continue;
    }
    const auto next = x.find('<');
    const std::string_view text = x.substr(0, next);
    x.remove_prefix(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(text[i]);
      if ((c < 0x20 && c != '\n') || c == 0x7F || c == '>') return false;
      if (c == '&') {
        const std::string_view rest = text.substr(i);
        bool ok = false;
        for (std::string_view e : {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"})
          ok = ok || rest.substr(0, e.size()) == e;
        if (!ok) return false;
      }
    }
    if (!clean_text(text)) return false;
  }
  return open.empty() && seen_root;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto columns = cachet::dmarc::history_columns();
  std::vector<cachet::dmarc::HistoryRecord> records(1);
  std::size_t col = 0;
  for (std::string_view v : cachet::split(in, '\n')) {
    if (col == columns.size()) {
      records.emplace_back();
      col = 0;
    }
    columns[col++].set(records.back(), v);
  }
  cachet::dmarc::AggregateBuilder builder({INT64_MIN, INT64_MAX});
  for (const auto& r : records) builder.add(r);
  for (const auto& [name, agg] : builder.domains())
    for (const auto shape : {cachet::dmarc::ReportShape::rfc9990, cachet::dmarc::ReportShape::rfc7489})
      if (!well_formed(
              cachet::dmarc::aggregate_xml({"Org", "dmarc@example.net", "c", "id", "g", {0, 1}, "psl"}, agg, shape)))
        std::abort();

  static const std::set<std::string_view> kKeys = {
      "job", "reporter", "received", "ipaddr", "from", "mfrom",      "dkim",      "spf", "pdomain",    "policy", "rua",
      "pct", "adkim",    "aspf",     "p",      "sp",   "align_dkim", "align_spf", "arc", "arc_policy", "action"};
  for (const auto& r : records) {
    const std::string text = cachet::dmarc::format_history_record(r);
    if (text.empty() || text.back() != '\n') std::abort();
    for (std::string_view line : cachet::split(std::string_view(text).substr(0, text.size() - 1), '\n')) {
      const auto sp = line.find(' ');
      if (sp == std::string_view::npos || !kKeys.count(line.substr(0, sp))) std::abort();
      for (const char c : line)
        if (static_cast<unsigned char>(c) < ' ') std::abort();
    }
  }
  return 0;
}

// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/import/aggregate.cpp: see aggregate.hpp.
#include "common/dmarc/import/aggregate.hpp"

#include <arpa/inet.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <array>
#include <charconv>

#include "common/base/c_ptr.hpp"
#include "common/base/strings.hpp"
#include "common/dmarc/import/archive.hpp"

namespace cachet::dmarc::import {
namespace {

// xmlFree is a variable (libxml2's settable deallocator), not a function: called through one.
void free_xml_text(xmlChar* p) noexcept { xmlFree(p); }

using XmlDoc = CPtr<xmlDoc, &xmlFreeDoc>;
using XmlCtxt = CPtr<xmlParserCtxt, &xmlFreeParserCtxt>;
using XmlText = CPtr<xmlChar, &free_xml_text>;

constexpr std::string_view kNs9990 = "urn:ietf:params:xml:ns:dmarc-2.0";

Unexpected<Error> bad(std::string detail) { return fail(Errc::bad_input, std::move(detail)); }

bool is_element(const xmlNode* n, std::string_view name) {
  return n->type == XML_ELEMENT_NODE && name == reinterpret_cast<const char*>(n->name);
}

const xmlNode* child(const xmlNode* parent, std::string_view name) {
  for (const xmlNode* c = parent ? parent->children : nullptr; c; c = c->next)
    if (is_element(c, name)) return c;
  return nullptr;
}

std::string text(const xmlNode* n) {
  if (n == nullptr) return {};
  const XmlText raw(xmlNodeGetContent(n));
  return raw ? std::string(trim(reinterpret_cast<const char*>(raw.get()))) : std::string();
}

std::string child_text(const xmlNode* parent, std::string_view name) { return text(child(parent, name)); }

template <class T>
bool parse_number(std::string_view s, T& out) {
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

bool one_of(std::string_view v, std::initializer_list<std::string_view> allowed) {
  for (std::string_view a : allowed)
    if (v == a) return true;
  return false;
}

bool is_ip_address(const std::string& s) {
  std::array<unsigned char, 16> buf{};
  return inet_pton(AF_INET, s.c_str(), buf.data()) == 1 || inet_pton(AF_INET6, s.c_str(), buf.data()) == 1;
}

Result<void> check_value(std::string_view where, std::string_view v, std::initializer_list<std::string_view> allowed,
                         bool may_be_empty = false) {
  if ((may_be_empty && v.empty()) || one_of(v, allowed)) return {};
  std::string list;
  for (std::string_view a : allowed) list += (list.empty() ? "" : "|") + std::string(a);
  return bad(std::string(where) + ": '" + std::string(v) + "' is not one of " + list);
}

Result<AggregateRecord> read_record(const xmlNode* rec, std::size_t n) {
  const std::string where = "record " + std::to_string(n);
  AggregateRecord r;
  const xmlNode* row = child(rec, "row");
  if (row == nullptr) return bad(where + ": no <row>");
  r.source_ip = child_text(row, "source_ip");
  if (!is_ip_address(r.source_ip)) return bad(where + ": source_ip '" + r.source_ip + "' is not an IP address");
  if (!parse_number(child_text(row, "count"), r.count))
    return bad(where + ": count '" + child_text(row, "count") + "' is not a number");
  const xmlNode* pe = child(row, "policy_evaluated");
  if (pe == nullptr) return bad(where + ": no <policy_evaluated>");
  r.disposition = child_text(pe, "disposition");
  r.dkim = child_text(pe, "dkim");
  r.spf = child_text(pe, "spf");
  if (auto c = check_value(where + " disposition", r.disposition, {"none", "quarantine", "reject", "pass"}); !c)
    return Unexpected<Error>(c.error());
  if (auto c = check_value(where + " policy dkim", r.dkim, {"pass", "fail"}); !c) return Unexpected<Error>(c.error());
  if (auto c = check_value(where + " policy spf", r.spf, {"pass", "fail"}); !c) return Unexpected<Error>(c.error());
  for (const xmlNode* c = pe->children; c; c = c->next)
    if (is_element(c, "reason")) r.reasons.push_back({child_text(c, "type"), child_text(c, "comment")});
  const xmlNode* ids = child(rec, "identifiers");
  if (ids == nullptr || child(ids, "header_from") == nullptr) return bad(where + ": no <identifiers><header_from>");
  r.header_from = child_text(ids, "header_from");
  r.envelope_from = child_text(ids, "envelope_from");
  r.envelope_to = child_text(ids, "envelope_to");
  const xmlNode* auth = child(rec, "auth_results");
  for (const xmlNode* c = auth ? auth->children : nullptr; c; c = c->next) {
    const bool is_dkim = is_element(c, "dkim"), is_spf = is_element(c, "spf");
    if (!is_dkim && !is_spf) continue;
    AuthResult a{child_text(c, "domain"), child_text(c, is_dkim ? "selector" : "scope"), child_text(c, "result"),
                 child_text(c, "human_result")};
    if (is_dkim) {
      if (auto v = check_value(where + " dkim result", a.result,
                               {"none", "pass", "fail", "policy", "neutral", "temperror", "permerror"});
          !v)
        return Unexpected<Error>(v.error());
      r.dkim_results.push_back(std::move(a));
    } else {
      if (auto v = check_value(where + " spf result", a.result,
                               {"none", "neutral", "pass", "fail", "softfail", "temperror", "permerror"});
          !v)
        return Unexpected<Error>(v.error());
      if (auto v = check_value(where + " spf scope", a.selector, {"mfrom", "helo"}, true); !v)
        return Unexpected<Error>(v.error());
      r.spf_results.push_back(std::move(a));
    }
  }
  return r;
}

Result<AggregateReport> read_feedback(const xmlNode* root) {
  AggregateReport rep;
  if (root->ns && root->ns->href && kNs9990 == reinterpret_cast<const char*>(root->ns->href))
    rep.shape = ReportShape::rfc9990;
  rep.version = child_text(root, "version");
  const xmlNode* meta = child(root, "report_metadata");
  if (meta == nullptr) return bad("no <report_metadata>");
  rep.org_name = child_text(meta, "org_name");
  rep.email = child_text(meta, "email");
  rep.extra_contact_info = child_text(meta, "extra_contact_info");
  rep.report_id = child_text(meta, "report_id");
  rep.generator = child_text(meta, "generator");
  if (rep.report_id.empty()) return bad("report_metadata: empty or missing <report_id>");
  if (rep.org_name.empty() && rep.email.empty()) return bad("report_metadata: neither <org_name> nor <email>");
  const xmlNode* range = child(meta, "date_range");
  if (!parse_number(child_text(range, "begin"), rep.begin) || !parse_number(child_text(range, "end"), rep.end))
    return bad("report_metadata: date_range begin/end missing or not numbers");
  for (const xmlNode* c = meta->children; c; c = c->next)
    if (is_element(c, "error")) rep.errors.push_back(text(c));
  const xmlNode* pol = child(root, "policy_published");
  if (pol == nullptr) return bad("no <policy_published>");
  rep.domain = to_lower(child_text(pol, "domain"));
  if (rep.domain.empty()) return bad("policy_published: empty or missing <domain>");
  rep.adkim = child_text(pol, "adkim");
  rep.aspf = child_text(pol, "aspf");
  rep.p = child_text(pol, "p");
  rep.sp = child_text(pol, "sp");
  rep.np = child_text(pol, "np");
  rep.fo = child_text(pol, "fo");
  rep.testing = child_text(pol, "testing");
  rep.discovery_method = child_text(pol, "discovery_method");
  for (auto [name, v] : {std::pair<const char*, const std::string*>{"p", &rep.p}, {"sp", &rep.sp}, {"np", &rep.np}})
    if (auto c = check_value(std::string("policy_published ") + name, *v, {"none", "quarantine", "reject"}, true); !c)
      return Unexpected<Error>(c.error());
  for (auto [name, v] : {std::pair<const char*, const std::string*>{"adkim", &rep.adkim}, {"aspf", &rep.aspf}})
    if (auto c = check_value(std::string("policy_published ") + name, *v, {"r", "s"}, true); !c)
      return Unexpected<Error>(c.error());
  if (const std::string pct = child_text(pol, "pct");
      !pct.empty() && (!parse_number(pct, rep.pct) || rep.pct < 0 || rep.pct > 100))
    return bad("policy_published pct: '" + pct + "' is not 0..100");
  if (!rep.testing.empty() || !rep.discovery_method.empty() || rep.version == "2.0") rep.shape = ReportShape::rfc9990;
  std::size_t n = 0;
  for (const xmlNode* c = root->children; c; c = c->next) {
    if (!is_element(c, "record")) continue;
    if (++n > kMaxAggregateRecords) return bad("more than " + std::to_string(kMaxAggregateRecords) + " records");
    auto r = read_record(c, n);
    if (!r) return Unexpected<Error>(r.error());
    rep.records.push_back(std::move(*r));
  }
  return rep;
}

// Parses `xml` into a document; "" error text on success.
XmlDoc parse_document(std::string_view xml, std::string& error) {
  XmlCtxt ctxt(xmlNewParserCtxt());
  if (!ctxt) {
    error = "out of memory";
    return nullptr;
  }
  // No XML_PARSE_NOENT (entities stay references), DTDLOAD/DTDATTR/DTDVALID, XINCLUDE or
  // HUGE (libxml2's own size and depth limits stay on).
  const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
  XmlDoc doc(xmlCtxtReadMemory(ctxt.get(), xml.data(), static_cast<int>(xml.size()), "report.xml", nullptr, options));
  if (!doc || !ctxt->wellFormed) {
    const xmlError* e = xmlCtxtGetLastError(ctxt.get());
    error = e && e->message ? std::string(trim(e->message)) : "not well-formed XML";
    for (char& c : error) c = c == '\n' ? ' ' : c;  // one line for the admin
    if (e && e->line > 0 && error.find("line") == std::string::npos) error += " (line " + std::to_string(e->line) + ")";
    return nullptr;
  }
  return doc;
}

// The <feedback>...</feedback> span of `xml`, or "" when there is none.
std::string_view feedback_span(std::string_view xml) {
  std::size_t start = 0;
  for (;;) {
    start = xml.find("<feedback", start);
    if (start == std::string_view::npos) return {};
    const std::size_t after = start + 9;
    if (after < xml.size() && std::string_view(" \t\r\n>").find(xml[after]) != std::string_view::npos) break;
    start = after;
  }
  const std::size_t end = xml.rfind("</feedback>");
  if (end == std::string_view::npos || end < start) return {};
  return xml.substr(start, end + 11 - start);
}

}  // namespace

std::string_view to_string(ReportShape s) noexcept { return s == ReportShape::rfc9990 ? "rfc9990" : "rfc7489"; }

Result<AggregateReport> parse_aggregate_report(std::string_view xml) {
  if (xml.size() > kMaxReportBytes)
    return bad("report larger than " + std::to_string(kMaxReportBytes / (1024 * 1024)) + " MiB");
  if (trim(xml).empty()) return bad("empty report");
  if (xml.find("<!DOCTYPE") != std::string_view::npos || xml.find("<!ENTITY") != std::string_view::npos)
    return bad("a DTD (<!DOCTYPE or <!ENTITY) is not allowed in a report: refused, nothing is expanded");
  xmlInitParser();
  std::string error;
  XmlDoc doc = parse_document(xml, error);
  std::vector<std::string> repairs;
  const xmlNode* root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
  if (root == nullptr || !is_element(root, "feedback")) {
    // Some reporters wrap <feedback> in an element they never close (<xs:schema ...>).
    const std::string_view span = feedback_span(xml);
    if (span.empty() || span.size() == xml.size()) {
      if (error.empty()) error = "the root element is not <feedback>";
      return bad("not a DMARC aggregate report: " + error);
    }
    std::string retry_error;
    doc = parse_document(span, retry_error);
    root = doc ? xmlDocGetRootElement(doc.get()) : nullptr;
    if (root == nullptr || !is_element(root, "feedback"))
      return bad("not a DMARC aggregate report: " + (error.empty() ? retry_error : error));
    repairs.push_back("ignored the bytes around <feedback> (" + (error.empty() ? "another root element" : error) + ")");
  }
  auto rep = read_feedback(root);
  if (rep) rep->repairs = std::move(repairs);
  return rep;
}

}  // namespace cachet::dmarc::import

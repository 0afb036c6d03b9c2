// SPDX-License-Identifier: BSD-2-Clause
// tools/cachetctl/dmarc_dashboard.cpp: see dmarc_dashboard.hpp.
#include "tools/cachetctl/dmarc_dashboard.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

#include "common/dmarc/report_xml.hpp"
#include "tools/cachetctl/dmarc_summary.hpp"

namespace cachet::ctl {
namespace {

using dmarc::import::DomainSummary;
using dmarc::import::rate;
using dmarc::import::SourceSummary;
using dmarc::import::Tally;

constexpr std::size_t kMaxBars = 10;  // reporters and sources per chart
constexpr std::size_t kMaxRows = 25;  // failing sources and failure reports per table

std::string esc(const std::string& s) { return dmarc::xml_text(s); }

std::string num(double v, const char* fmt = "%.1f") {
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

const char* const kStyle = R"(
:root{--bg:#f6f7f9;--card:#fff;--ink:#1d2330;--muted:#5d6675;--line:#e3e6eb;--pass:#1f9d55;--dkim:#2f6fde;--spf:#e08a00;--fail:#d64545}
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--ink)}
header{padding:20px 24px;background:#1d2330;color:#fff}header h1{margin:0;font-size:22px}header p{margin:4px 0 0;color:#c5cbd6;font-size:13px}
main{max-width:1200px;margin:0 auto;padding:16px}
section.domain{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:16px 18px;margin:0 0 20px}
h2{margin:0 0 12px;font-size:20px}h2 small{font-weight:normal;color:var(--muted);font-size:13px}h3{font-size:15px;margin:18px 0 8px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:10px;margin-bottom:14px}
.card{border:1px solid var(--line);border-radius:10px;padding:10px 12px}.card b{display:block;font-size:24px}.card span{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.good b{color:var(--pass)}.warn b{color:var(--spf)}.bad b{color:var(--fail)}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:14px}
figure{margin:0;border:1px solid var(--line);border-radius:10px;padding:10px}figcaption{font-weight:600;font-size:13px;margin-bottom:6px}
svg{width:100%;height:auto;display:block}svg text{font-size:10.5px;fill:var(--muted)}
.legend{display:flex;gap:12px;flex-wrap:wrap;font-size:12px;color:var(--muted);margin-top:6px}.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}
.table-wrap{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);white-space:nowrap}
th{color:var(--muted);font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
.tag{display:inline-block;padding:1px 7px;border-radius:9px;font-size:11px;background:#eef1f5}.tag.failing,.tag.own_failing{background:#fde8e8;color:#a02b2b}.tag.forwarder{background:#fff3dc;color:#8a5600}.tag.own{background:#e3f6ea;color:#186b3c}
.empty{color:var(--muted)}
@media (max-width:600px){header{padding:14px 16px}main{padding:10px}section.domain{padding:12px}.charts{grid-template-columns:1fr}.card b{font-size:20px}}
)";

std::string card(const std::string& label, const std::string& value, const char* cls = "") {
  return std::string("<div class=\"card ") + cls + "\"><b>" + value + "</b><span>" + label + "</span></div>";
}

const char* rate_class(double r) { return r >= 98 ? "good" : r >= 90 ? "warn" : "bad"; }

// Pass rates per UTC day of the reports' begin: DMARC, DKIM, SPF polylines.
std::string trend_chart(const std::string& domain, const std::vector<dmarc::import::StoredRecord>& rows) {
  std::map<std::int64_t, Tally> days;
  for (const auto& r : rows)
    if (r.domain == domain) days[r.begin / 86400].add(r);
  const double w = 360, h = 190, left = 32, right = 8, top = 8, bottom = 24;
  std::string svg = "<svg viewBox=\"0 0 360 190\" role=\"img\" aria-label=\"pass rate per day\" class=\"trend\">";
  for (int p : {0, 50, 100}) {
    const double y = top + (h - top - bottom) * (1 - p / 100.0);
    svg += "<line x1=\"" + num(left, "%.0f") + "\" x2=\"" + num(w - right, "%.0f") + "\" y1=\"" + num(y) + "\" y2=\"" +
           num(y) + "\" stroke=\"#e3e6eb\"/><text x=\"2\" y=\"" + num(y + 4) + "\">" + std::to_string(p) + "%</text>";
  }
  std::vector<std::pair<std::int64_t, Tally>> pts(days.begin(), days.end());
  auto x_of = [&](std::size_t i) {
    return pts.size() < 2 ? (left + w - right) / 2
                          : left + (w - left - right) * static_cast<double>(i) / static_cast<double>(pts.size() - 1);
  };
  auto y_of = [&](double pct) { return top + (h - top - bottom) * (1 - pct / 100.0); };
  const std::pair<const char*, std::uint64_t Tally::*> series[] = {
      {"var(--spf)", &Tally::spf_pass}, {"var(--dkim)", &Tally::dkim_pass}, {"var(--pass)", &Tally::dmarc_pass}};
  for (const auto& [color, member] : series) {
    std::string points;
    for (std::size_t i = 0; i < pts.size(); ++i)
      points += num(x_of(i)) + "," + num(y_of(rate(pts[i].second.*member, pts[i].second.messages))) + " ";
    svg += std::string("<polyline fill=\"none\" stroke=\"") + color + "\" stroke-width=\"2.5\" points=\"" + points +
           "\"/>";
    for (std::size_t i = 0; i < pts.size(); ++i)
      svg += std::string("<circle r=\"3\" fill=\"") + color + "\" cx=\"" + num(x_of(i)) + "\" cy=\"" +
             num(y_of(rate(pts[i].second.*member, pts[i].second.messages))) + "\"/>";
  }
  if (!pts.empty()) {
    svg += "<text x=\"" + num(left, "%.0f") + "\" y=\"186\">" + utc_date(pts.front().first * 86400) + "</text>";
    if (pts.size() > 1)
      svg += "<text x=\"" + num(w - right, "%.0f") + "\" y=\"186\" text-anchor=\"end\">" +
             utc_date(pts.back().first * 86400) + "</text>";
  }
  return svg +
         "</svg><div class=\"legend\"><span><i style=\"background:var(--pass)\"></i>DMARC</span>"
         "<span><i style=\"background:var(--dkim)\"></i>DKIM aligned</span><span><i "
         "style=\"background:var(--spf)\"></i>SPF aligned</span></div>";
}

// Horizontal bars: label, passing part (green) and failing part (red), scaled to the largest.
struct Bar {
  std::string label;
  std::uint64_t pass = 0, fail = 0;
};

std::string bar_chart(const std::vector<Bar>& bars, const char* aria, bool as_rate) {
  const double row = 24, label_w = 118, w = 360;
  const double h = std::max(row, row * static_cast<double>(bars.size())) + 6;
  std::uint64_t max_total = 1;
  for (const Bar& b : bars) max_total = std::max(max_total, b.pass + b.fail);
  std::string svg =
      "<svg viewBox=\"0 0 360 " + num(h, "%.0f") + "\" role=\"img\" aria-label=\"" + aria + "\" class=\"bars\">";
  double y = 3;
  for (const Bar& b : bars) {
    const double total = static_cast<double>(b.pass + b.fail);
    const double span = w - label_w - 46;
    const double full = as_rate ? span : span * total / static_cast<double>(max_total);
    const double pass_w = total > 0 ? full * static_cast<double>(b.pass) / total : 0;
    std::string label = b.label.size() > 19 ? b.label.substr(0, 18) + "\xE2\x80\xA6" : b.label;
    svg += "<text x=\"0\" y=\"" + num(y + 16) + "\">" + esc(label) + "</text>";
    svg += "<rect x=\"" + num(label_w) + "\" y=\"" + num(y + 4) + "\" width=\"" + num(pass_w) +
           "\" height=\"16\" rx=\"3\" fill=\"var(--pass)\"/>";
    svg += "<rect x=\"" + num(label_w + pass_w) + "\" y=\"" + num(y + 4) + "\" width=\"" + num(full - pass_w) +
           "\" height=\"16\" rx=\"3\" fill=\"var(--fail)\"/>";
    const std::string value = as_rate ? num(rate(b.pass, b.pass + b.fail)) + "%" : std::to_string(b.pass + b.fail);
    svg += "<text x=\"" + num(label_w + full + 6) + "\" y=\"" + num(y + 16) + "\">" + value + "</text>";
    y += row;
  }
  return svg +
         "</svg><div class=\"legend\"><span><i style=\"background:var(--pass)\"></i>passes DMARC</span>"
         "<span><i style=\"background:var(--fail)\"></i>fails DMARC</span></div>";
}

std::string failing_table(const DomainSummary& d) {
  if (d.failing.empty()) return "<p class=\"empty\">No source fails DMARC.</p>";
  std::string t =
      "<div class=\"table-wrap\"><table class=\"failing\"><thead><tr><th>#</th><th>Source</th><th>PTR</th>"
      "<th>Failed</th><th>Of</th><th>DKIM</th><th>SPF</th><th>What it is</th><th>Reporters</th></tr></thead><tbody>";
  std::size_t rank = 0;
  for (const SourceSummary& s : d.failing) {
    if (rank == kMaxRows) break;
    std::string reporters;
    for (const std::string& r : s.reporters) reporters += (reporters.empty() ? "" : ", ") + r;
    t += "<tr><td class=\"n\">" + std::to_string(++rank) + "</td><td>" + esc(s.source_ip) + "</td><td>" + esc(s.ptr) +
         "</td><td class=\"n\">" + std::to_string(s.tally.dmarc_fail()) + "</td><td class=\"n\">" +
         std::to_string(s.tally.messages) + "</td><td class=\"n\">" + num(rate(s.tally.dkim_pass, s.tally.messages)) +
         "%</td><td class=\"n\">" + num(rate(s.tally.spf_pass, s.tally.messages)) + "%</td><td><span class=\"tag " +
         to_string(s.cls) + "\">" + to_string(s.cls) + "</span></td><td>" + esc(reporters) + "</td></tr>";
  }
  t += "</tbody></table></div>";
  if (d.failing.size() > kMaxRows)
    t += "<p class=\"empty\">" + std::to_string(d.failing.size() - kMaxRows) +
         " more (cachetctl dmarc-summary --json)</p>";
  return t;
}

std::string domain_section(const DomainSummary& d, const DashboardInput& in) {
  const Tally& t = d.tally;
  std::string s = "<section class=\"domain\"><h2>" + esc(d.domain) + " <small>" + utc_date(d.first) + " \xE2\x80\x93 " +
                  utc_date(d.last) + (d.is_foreign ? " \xC2\xB7 not one of your domains" : "") +
                  "</small></h2><div class=\"cards\">";
  const double dmarc = rate(t.dmarc_pass, t.messages);
  s += card("messages", std::to_string(t.messages));
  s += card("pass DMARC", num(dmarc) + "%", rate_class(dmarc));
  s += card("DKIM aligned", num(rate(t.dkim_pass, t.messages)) + "%", rate_class(rate(t.dkim_pass, t.messages)));
  s += card("SPF aligned", num(rate(t.spf_pass, t.messages)) + "%", rate_class(rate(t.spf_pass, t.messages)));
  s += card("quarantined / rejected", std::to_string(t.quarantined) + " / " + std::to_string(t.rejected));
  s += card("failing sources", std::to_string(d.failing.size()), d.failing.empty() ? "good" : "bad");
  s += "</div><div class=\"charts\"><figure><figcaption>Pass rate per day</figcaption>" +
       trend_chart(d.domain, in.rows) + "</figure>";
  std::vector<Bar> reporters, sources;
  for (const auto& r : d.reporters)
    if (reporters.size() < kMaxBars) reporters.push_back({r.org, r.tally.dmarc_pass, r.tally.dmarc_fail()});
  for (const auto& src : d.sources)
    if (sources.size() < kMaxBars)
      sources.push_back({src.ptr.empty() ? src.source_ip : src.ptr, src.tally.dmarc_pass, src.tally.dmarc_fail()});
  s += "<figure><figcaption>Pass rate per reporter</figcaption>" +
       bar_chart(reporters, "pass rate per reporter", true) + "</figure>";
  s += "<figure><figcaption>Volume by source (top " + std::to_string(kMaxBars) + ")</figcaption>" +
       bar_chart(sources, "messages per source", false) + "</figure></div>";
  return s + "<h3>Failing sources</h3>" + failing_table(d) + "</section>";
}

std::string failures_section(const std::vector<dmarc::import::StoredFailure>& failures) {
  std::string s =
      "<section class=\"domain\"><h2>Failure reports <small>" + std::to_string(failures.size()) + "</small></h2>";
  if (failures.empty()) return s + "<p class=\"empty\">No failure report imported in this period.</p></section>";
  s += "<div class=\"table-wrap\"><table class=\"failures\"><thead><tr><th>Arrived</th><th>Domain</th><th>Source</th>"
       "<th>Failed</th><th>From</th><th>Subject</th><th>Reporter</th></tr></thead><tbody>";
  for (std::size_t i = failures.size(); i-- > 0 && failures.size() - i <= kMaxRows;) {
    const auto& f = failures[i];
    s += "<tr><td>" + esc(f.arrival_date) + "</td><td>" + esc(f.domain) + "</td><td>" + esc(f.source_ip) + "</td><td>" +
         esc(f.auth_failure) + "</td><td>" + esc(f.header_from) + "</td><td>" + esc(f.subject) + "</td><td>" +
         esc(f.reporter) + "</td></tr>";
  }
  return s + "</tbody></table></div></section>";
}

}  // namespace

std::string dashboard_html(const DashboardInput& in) {
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
      "<title>DMARC reports</title><style>";
  h += kStyle;
  h += "</style></head><body><header><h1>DMARC reports</h1><p>What receivers report about mail sent as your domains, " +
       utc_date(in.since) + " to " + utc_date(in.now) +
       " \xC2\xB7 generated by cachetctl dmarc-dashboard</p></header><main>";
  if (in.domains.empty())
    h += "<section class=\"domain\"><p class=\"empty\">No aggregate report in this period.</p></section>";
  for (const DomainSummary& d : in.domains) h += domain_section(d, in);
  h += failures_section(in.failures);
  return h + "</main></body></html>\n";
}

}  // namespace cachet::ctl

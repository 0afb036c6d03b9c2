// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_failure_report.cpp: the failure-report job (report_failure_job.hpp) and
// the ARF message built from it (report_failure.hpp) over a hostile DMARC record and hostile
// header fields. Input: the first line is the record published for the failing domain (its
// ruf= and fo= decide), every further line one "Name: value" header field of the message.
// Invariants: never crash or throw; every target is a plain "local@domain"; the kept header
// block stays within kMaxReportedHeaderBytes; the message has exactly the header fields we
// write, and its feedback part only the fields RFC 6591 names (no value adds a line).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/base/strings.hpp"
#include "common/dmarc/report_failure.hpp"
#include "common/dmarc/report_failure_job.hpp"

namespace {

std::size_t count_lines(std::string_view s) {
  std::size_t n = 0;
  for (const char c : s) n += c == '\n';
  return n;
}

bool is_feedback_field(std::string_view line) {
  static constexpr std::string_view kFields[] = {
      "Feedback-Type: ",      "User-Agent: ",  "Version: ",         "Original-Mail-From: ", "Arrival-Date: ",
      "Reporting-MTA: ",      "Source-IP: ",   "Reported-Domain: ", "Auth-Failure: ",       "Authentication-Results: ",
      "Identity-Alignment: ", "DKIM-Domain: ", "DKIM-Selector: ",   "Delivery-Result: "};
  for (const std::string_view f : kFields)
    if (line.starts_with(f)) return true;
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cachet::dmarc;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::size_t nl = in.find('\n');
  auto record = parse_record(in.substr(0, nl));
  if (!record) return 0;
  MessageInput msg;
  msg.queue_id = "Q1";
  msg.authserv_id = "mx.receiver.example";
  msg.envelope_from = "<a@b.example>";
  msg.client_ip = "192.0.2.1";
  if (nl != std::string_view::npos)
    for (const std::string_view line : cachet::split(in.substr(nl + 1), '\n')) {
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      msg.headers.emplace_back(std::string(line.substr(0, colon)), std::string(line.substr(colon + 1)));
    }
  Decision d;
  d.evaluated = true;
  d.result = "fail";
  d.policy = "reject";
  d.from_domain = d.policy_domain = "example.com";
  d.dkim_results = {{"x.example", std::string(in.substr(0, 20)), "fail"}};  // hostile selector
  d.published = std::move(*record);
  const auto job = failure_job({true, true}, msg, d, "mx.receiver.example", 0);
  if (!job) return 0;
  if (job->targets.size() > kMaxRuaTargets || job->report.original_headers.size() > kMaxReportedHeaderBytes)
    std::abort();
  FailureReport r = job->report;
  r.from = "dmarc@receiver.example";
  r.unique = "u";
  for (const RuaTarget& t : job->targets) {
    for (const char c : t.address)
      if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f || c == '<' || c == '>')
        std::abort();
    r.to = t.address;
    const std::string m = build_failure_report(r);
    // From, To, Date, Message-ID, Subject, MIME-Version, Content-Type, Auto-Submitted.
    if (count_lines(m.substr(0, m.find("\n\n") + 1)) != 8) std::abort();
    const std::string_view marker = "Content-Type: message/feedback-report\n\n";
    const std::size_t start = m.find(marker) + marker.size();
    const std::string_view feedback = std::string_view(m).substr(start, m.find("\n\n", start) - start);
    for (const std::string_view line : cachet::split(feedback, '\n'))
      if (!is_feedback_field(line)) std::abort();
  }
  return 0;
}

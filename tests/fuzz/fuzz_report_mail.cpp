// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_report_mail.cpp: the DMARC report mail reader: MIME walker, transfer
// decoders, gzip/zip unpacking and both report parsers behind it (scan_report_mail), and
// the bare-file path (parse_report_file), and the plain-text failure notice reader
// (parse_failure_notice). Invariants: never crash, hang, leak or throw; every found report
// either parsed or carries a reason; the walker never returns more than kMaxMimeParts
// parts; a recognised notice names a domain and an address.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/dmarc/import/failure.hpp"
#include "common/dmarc/import/mime.hpp"
#include "common/dmarc/import/report_mail.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cachet::dmarc::import;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto parts = walk_mime(in); parts && parts->size() > kMaxMimeParts) std::abort();
  if (auto mail = scan_report_mail(in)) {
    if (mail->reports.empty()) std::abort();
    for (const FoundReport& r : mail->reports)
      if (!r.aggregate && !r.failure && r.error.empty()) std::abort();
  }
  (void)parse_report_file(in);
  if (auto notice = parse_failure_notice(in))
    if (!notice->is_plain_text || notice->reported_domain.empty() || notice->source_ip.empty()) std::abort();
  return 0;
}

// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_aggregate_report.cpp: the aggregate report XML parser (libxml2 under our
// settings). Invariants: never crash, hang, leak or throw; a parsed report has a report id,
// a policy domain, and every record a source IP; no input with a DTD is ever accepted.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/dmarc/import/aggregate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto got = cachet::dmarc::import::parse_aggregate_report(in);
  if (!got) return 0;
  if (got->report_id.empty() || got->domain.empty()) std::abort();
  if (in.find("<!DOCTYPE") != std::string_view::npos) std::abort();
  for (const auto& r : got->records)
    if (r.source_ip.empty()) std::abort();
  return 0;
}

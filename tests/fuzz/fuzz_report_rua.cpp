// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_report_rua.cpp: the rua list parser (report_rua.hpp) over hostile rua
// text (a DMARC record's rua= as history stored it) and the report message built for each
// target it accepts. Invariants: never crash or throw; at most kMaxRuaTargets targets;
// every address is "local@domain" of printable ASCII without space, '<', '>' or ','; the
// message built for it has exactly the header fields we write (no value adds a line).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/dmarc/report_mail.hpp"
#include "common/dmarc/report_rua.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const cachet::dmarc::RuaList list = cachet::dmarc::parse_rua_list(in);
  if (list.targets.size() > cachet::dmarc::kMaxRuaTargets) std::abort();
  for (const cachet::dmarc::RuaTarget& t : list.targets) {
    if (t.address.find('@') == std::string::npos || t.address.find_first_of(" <>,\r\n") != std::string::npos)
      std::abort();
    for (const char c : t.address)
      if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) std::abort();
    cachet::dmarc::ReportMail m;
    m.from = "dmarc@receiver.example";
    m.to = t.address;
    m.receiver = "receiver.example";
    m.policy_domain = std::string(in.substr(0, 64));  // hostile too
    m.report_id = "1.2.x";
    m.period = {0, 86400};
    m.unique = "u";
    const std::string msg = cachet::dmarc::build_report_mail(m, "gz");
    const std::string head = msg.substr(0, msg.find("\n\n") + 1);
    std::size_t lines = 0;
    for (const char c : head) lines += c == '\n';
    // From, To, Date, Message-ID, Subject, MIME-Version, Content-Type, Auto-Submitted.
    if (lines != 8) std::abort();
  }
  return 0;
}

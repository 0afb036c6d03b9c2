// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/report_xml.hpp: XML element text for the aggregate reports
// (report_aggregate.hpp builds them): every string is XML-escaped (& < > " '); control
// characters and invalid UTF-8 (RFC 3629: no overlongs, no surrogates) become '?', so
// hostile domains or A-R values cannot break the document. Pure; any thread.
// See also: report_aggregate.hpp, tests/fuzz/fuzz_report_xml.cpp
#pragma once

#include <string>
#include <string_view>

namespace cachet::dmarc {

// Element text: escaped, control bytes and invalid UTF-8 replaced by '?'.
std::string xml_text(std::string_view in);

}  // namespace cachet::dmarc

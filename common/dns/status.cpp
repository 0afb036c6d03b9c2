// SPDX-License-Identifier: BSD-2-Clause
// common/dns/status.cpp: names of the DNS outcomes, as they appear in log lines.
#include "common/dns/resolver.hpp"

namespace cachet::dns {

const char* to_string(Status status) noexcept {
  switch (status) {
    case Status::answer: return "answer";
    case Status::nodata: return "nodata";
    case Status::nxdomain: return "nxdomain";
    case Status::servfail: return "servfail";
    case Status::timeout: return "timeout";
  }
  return "servfail";
}

}  // namespace cachet::dns

// SPDX-License-Identifier: BSD-2-Clause
//
// tests/lib/dmarc_failure_report.hpp: a DMARC failure report (report_failure.hpp) with
// every field set, for the unit test and the ARF oracle test. Header-only.
#pragma once

#include "common/dmarc/report_failure.hpp"

namespace cachet::testlib {

inline dmarc::FailureReport failure_report() {
  dmarc::FailureReport r;
  r.from = "dmarc-failures@receiver.example";
  r.to = "ruf@example.com";
  r.reporting_mta = "mx.receiver.example";
  r.policy_domain = "example.com";
  r.source_ip = "192.0.2.9";
  r.envelope_from = "<bounce@spoofer.example>";
  r.authentication_results = "mx.receiver.example; dmarc=fail (p=reject dis=reject) header.from=example.com";
  r.identity_alignment = "none";
  r.dkim_domain = "spoofer.example";
  r.dkim_selector = "s1";
  r.delivery_result = "reject";
  r.original_headers =
      "Received: from x\r\n\tby y\r\nFrom: <ceo@example.com>\r\nSubject: pay now\r\n\r\nsecret body\r\n";
  r.arrival = 1772510706;
  r.date = 1772510800;
  r.unique = "abc123";
  return r;
}

}  // namespace cachet::testlib

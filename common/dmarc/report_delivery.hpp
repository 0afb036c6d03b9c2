// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/report_delivery.hpp: the two ways a report leaves: the local MTA's
// sendmail(1) interface (`<sendmail> -i -f <from> -- <to>`, the message on stdin; exit 0 =
// accepted, anything else = failed, with the exit status and the first line of its
// stderr in the detail), or a directory of .eml files (`--out DIR`; written to a
// temporary name and renamed, so a full disk never leaves half a file behind).
// No shell is involved: the argument vector is built here, addresses come from
// parse_rua_target() (no spaces, no controls) and cannot become options ("--" first).
// Errors: Errc::temporary (spawn failure, non-zero exit, write error).
// SMTP submission (STARTTLS + AUTH) is report_smtp.hpp.
// One call at a time per object (it waits for its child), from any thread; cachetctl and
// cachet-dmarc's failure reporter use it. SIGPIPE must be ignored by the caller; the child
// gets it back at its default, with an empty signal mask.
// See also: report_run.hpp, tests/unit/common/dmarc/report_run_test.cpp,
//   tests/integration/dmarc_report_send_test.cpp
#pragma once

#include <string>

#include "common/dmarc/report_run.hpp"

namespace cachet::dmarc {

class SendmailDelivery final : public ReportDelivery {
 public:
  explicit SendmailDelivery(std::string sendmail) : sendmail_(std::move(sendmail)) {}
  Result<void> deliver(const std::string& from, const std::string& to, const std::string& file_stem,
                       const std::string& message) override;

 private:
  std::string sendmail_;
};

class DirectoryDelivery final : public ReportDelivery {
 public:
  explicit DirectoryDelivery(std::string dir) : dir_(std::move(dir)) {}
  // Writes DIR/<file_stem>.eml.
  Result<void> deliver(const std::string& from, const std::string& to, const std::string& file_stem,
                       const std::string& message) override;

 private:
  std::string dir_;
};

}  // namespace cachet::dmarc

// SPDX-License-Identifier: BSD-2-Clause
//
// tools/cachetctl/dmarc_import.hpp: what `cachetctl dmarc-import` does with its inputs, as
// functions the tests call: classify an input (a mail, an mbox, a Maildir, a folder, a bare
// .xml/.xml.gz/.zip), split mailboxes into mails, scan each mail for reports
// (common/dmarc/import/report_mail.hpp) and store them (store.hpp), one transaction per
// report. Every report and every refusal becomes one Outcome line for the admin.
// An input file is read whole, up to kMaxInputBytes (an mbox larger than that is refused).
// Not thread-safe (one store). Database errors stop the import (the caller exits 75); bad
// input is refused per mail or per attachment and the import goes on.
// See also: cmd_dmarc_import.cpp, tests/unit/tools/cachetctl/dmarc_import_test.cpp
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/dmarc/import/store.hpp"

namespace cachet::ctl {

inline constexpr std::size_t kMaxInputBytes = 1u << 30;

struct ImportOutcome {
  enum class Kind { imported, duplicate, refused } kind;
  std::string where;   // file, file:mail N, attachment name
  std::string detail;  // "aggregate org=... id=... records=N messages=M", or the reason
};

struct ImportTally {
  std::vector<ImportOutcome> outcomes;  // kept only without a sink
  std::uint64_t imported = 0, duplicates = 0, refused = 0;
};

// The mails of an mbox (mboxo/mboxrd: "From " lines after an empty line separate them;
// ">From " lines lose one '>').
std::vector<std::string> split_mbox(std::string_view mbox);

// Receives each outcome as it happens (the command prints it), so that memory stays flat
// over a mailbox of any size.
using OutcomeSink = std::function<void(const ImportOutcome&)>;

class Importer {
 public:
  Importer(dmarc::import::ReportStore& store, std::int64_t now, OutcomeSink sink = {})
      : store_(store), now_(now), sink_(std::move(sink)) {}

  // One mail (or a bare report, recognised by its first bytes) from memory.
  [[nodiscard]] Result<void> import_bytes(std::string_view bytes, const std::string& where);
  // A file (mail, mbox, bare report) or a folder (Maildir: cur/ and new/; else every file
  // below it, in name order). Errors: database trouble only; an unreadable file is refused.
  [[nodiscard]] Result<void> import_path(const std::filesystem::path& path);

  const ImportTally& tally() const { return tally_; }

 private:
  Result<void> import_mail(std::string_view raw, const std::string& where);
  Result<void> store_aggregate(const dmarc::import::AggregateReport& r, const std::string& where);
  void refuse(const std::string& where, const std::string& why);
  void record(ImportOutcome outcome);
  dmarc::import::ReportStore& store_;
  std::int64_t now_;
  OutcomeSink sink_;
  ImportTally tally_;
};

}  // namespace cachet::ctl

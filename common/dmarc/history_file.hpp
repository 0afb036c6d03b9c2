// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/history_file.hpp: opendmarc's HistoryFile, the text that opendmarc-import(8)
// reads, so that sites keeping opendmarc's MySQL reporting can switch milters only.
// One record per message, one "key value" line each, in opendmarc 1.4.2's order and with
// its numeric codes (observed from the Debian binary with `opendmarc -t`; codes from
// libopendmarc's dmarc.h and opendmarc-ar.h):
//   job QID / reporter MTA-NAME / received EPOCH / ipaddr IP / from DOMAIN / mfrom DOMAIN
//   dkim DOMAIN SELECTOR|- RESULT   one per trusted dkim result (ARES code: pass 0 ...)
//   spf RESULT                      ARES code, -1 when no SPF result was found
//   pdomain DOMAIN / policy CODE    14 absent, 15 pass, 16 reject, 17 quarantine, 18 none
//   rua URI (one per URI) or rua -
//   pct N / adkim C / aspf C / p C / sp C   characters as numbers ('r' 114, 's' 115,
//                                   'n' 110, 'q' 113), 0 = unspecified / no record
//   align_dkim N / align_spf N      4 pass, 5 fail, 0 no record
//   arc 7 / arc_policy 2 json:[]    what opendmarc writes without ARC (cachet has no ARC)
//   action N                        0 reject, 2 accept, 4 quarantine (held)
// Differences: a rua size limit is written in its canonical unit ("!10m" stays, "!10240k"
// becomes "!10m"); np (DMARCbis) has no line (opendmarc-import knows no key for it).
// format_history_record is pure; HistoryFileSink appends a batch with one write(2) under
// flock(LOCK_EX) (as opendmarc, so rotation and opendmarc-import can share the lock),
// opening the file per batch (log rotation needs no signal). Created mode 0640.
// Errors: Errc::temporary (open/lock/write), logged by the writer; never a verdict.
// See also: history.hpp, history_writer.hpp, opendmarc-import(8).
#pragma once

#include <string>

#include "common/dmarc/history.hpp"

namespace cachet::dmarc {

std::string format_history_record(const HistoryRecord& r);

class HistoryFileSink final : public HistorySink {
 public:
  explicit HistoryFileSink(std::string path) : path_(std::move(path)) {}
  Result<void> add_batch(std::span<const HistoryRecord> records) override;
  std::string describe() const override { return "file:" + path_; }

 private:
  std::string path_;
};

}  // namespace cachet::dmarc

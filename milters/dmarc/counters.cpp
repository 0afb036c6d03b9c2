// SPDX-License-Identifier: BSD-2-Clause
// milters/dmarc/counters.cpp: see counters.hpp.
#include "milters/dmarc/counters.hpp"

namespace cachet::dmarcd {
namespace {

// The writers' stats of the current snapshot, summed.
dmarc::HistoryWriter::Stats total(const std::function<std::shared_ptr<const DmarcState>()>& load) {
  dmarc::HistoryWriter::Stats sum;
  const auto st = load();
  if (!st) return sum;
  for (const auto& w : st->history) {
    const auto s = w->stats();
    sum.written += s.written;
    sum.dropped += s.dropped;
    sum.pending += s.pending;
  }
  return sum;
}

}  // namespace

std::vector<std::shared_ptr<void>> watch_history(metrics::Registry& r,
                                                 std::function<std::shared_ptr<const DmarcState>()> load) {
  using Kind = metrics::Registry::CallbackKind;
  return {
      r.add_callback("cachet_dmarc_history_pending", "history records queued, not yet written", Kind::gauge,
                     [load] { return static_cast<double>(total(load).pending); }),
      r.add_callback("cachet_dmarc_history_written_total", "history records written", Kind::counter,
                     [load] { return static_cast<double>(total(load).written); }),
      r.add_callback("cachet_dmarc_history_dropped_total", "history records dropped because the queue was full",
                     Kind::counter, [load] { return static_cast<double>(total(load).dropped); }),
  };
}

}  // namespace cachet::dmarcd

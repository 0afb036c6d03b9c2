// SPDX-License-Identifier: BSD-2-Clause
//
// milters/dmarc/history_outputs.hpp: where cachet-dmarc's per-message history goes:
// HistoryDatabase (SQLite path or PostgreSQL URI/conninfo, common/dmarc/history.hpp) and
// HistoryFile (opendmarc's text format, common/dmarc/history_file.hpp), each through its
// own HistoryWriter (a database outage never delays the file, nor mail).
// HistoryOutputs (owned by DmarcDaemon) hands out the writers of a configuration and gives
// the same writer again on reload while its target is unchanged, so a reload neither
// reconnects nor loses the queue; a writer whose target left the configuration ends with
// the last state that uses it.
// What is recorded (should_record): as opendmarc, messages whose author domain published a
// DMARC record; every evaluated message with RecordAllMessages.
// Thread-safety: HistoryOutputs is locked inside; history_record() is pure.
// See also: settings.hpp (DmarcState holds the writers), session.cpp (submits).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/base/guarded.hpp"
#include "common/base/result.hpp"
#include "common/config/config.hpp"
#include "common/dmarc/history_writer.hpp"
#include "common/dmarc/message.hpp"
#include "common/log/logger.hpp"

namespace cachet::dmarcd {

class HistoryOutputs {
 public:
  // The writers for cfg's HistoryDatabase and HistoryFile (an empty value: none).
  // Errors: Errc::config (a HistoryDatabase value naming no store).
  [[nodiscard]] Result<std::vector<std::shared_ptr<dmarc::HistoryWriter>>> writers_for(const config::Config& cfg,
                                                                                       log::Logger& logger);

 private:
  Guarded<std::map<std::string, std::weak_ptr<dmarc::HistoryWriter>>> cache_;  // by "db:"/"file:" target
};

bool should_record(const dmarc::Decision& d, bool record_all_messages);

// The record of one decided message. reporter: the MTA's name (milter macro j), as
// opendmarc writes it.
dmarc::HistoryRecord history_record(const dmarc::MessageInput& in, const dmarc::Decision& d, std::string reporter,
                                    std::int64_t now);

}  // namespace cachet::dmarcd

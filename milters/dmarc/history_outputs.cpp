// SPDX-License-Identifier: BSD-2-Clause
// milters/dmarc/history_outputs.cpp: see history_outputs.hpp.
#include "milters/dmarc/history_outputs.hpp"

#include "common/dmarc/history_file.hpp"

namespace cachet::dmarcd {

Result<std::vector<std::shared_ptr<dmarc::HistoryWriter>>> HistoryOutputs::writers_for(const config::Config& cfg,
                                                                                       log::Logger& logger) {
  const auto cache = cache_.lock();
  std::vector<std::shared_ptr<dmarc::HistoryWriter>> out;
  auto reuse_or = [&](const std::string& key, auto make) -> Result<void> {
    if (auto w = (*cache)[key].lock()) {
      out.push_back(std::move(w));
      return {};
    }
    auto sink = make();
    if (!sink) return Unexpected<Error>(sink.error());
    auto w = std::make_shared<dmarc::HistoryWriter>(std::move(*sink), logger);
    (*cache)[key] = w;
    out.push_back(std::move(w));
    return {};
  };
  if (const std::string& db = cfg.string("HistoryDatabase"); !db.empty() && !dmarc::is_history_off(db)) {
    auto r = reuse_or("db:" + db, [&]() -> Result<std::unique_ptr<dmarc::HistorySink>> {
      auto store = dmarc::open_history_store(db);
      if (!store) return fail(Errc::config, "HistoryDatabase: " + store.error().detail);
      return std::unique_ptr<dmarc::HistorySink>(std::move(*store));
    });
    if (!r) return Unexpected<Error>(r.error());
  }
  if (const std::string& file = cfg.string("HistoryFile"); !file.empty()) {
    auto r = reuse_or("file:" + file, [&]() -> Result<std::unique_ptr<dmarc::HistorySink>> {
      return std::unique_ptr<dmarc::HistorySink>(std::make_unique<dmarc::HistoryFileSink>(file));
    });
    if (!r) return Unexpected<Error>(r.error());
  }
  return out;
}

bool should_record(const dmarc::Decision& d, bool record_all_messages) {
  return d.evaluated && (d.published.has_value() || record_all_messages);
}

dmarc::HistoryRecord history_record(const dmarc::MessageInput& in, const dmarc::Decision& d, std::string reporter,
                                    std::int64_t now) {
  dmarc::HistoryRecord r;
  r.received = now;
  r.job_id = in.queue_id;
  r.reporter = std::move(reporter);
  r.source_ip = in.client_ip;
  r.header_from = d.from_domain;
  r.envelope_from = in.envelope_from;
  r.policy_domain = d.policy_domain.empty() ? d.from_domain : d.policy_domain;
  r.policy = d.policy;
  // RFC 7489 knows none/quarantine/reject: a message we tempfailed was not disposed of.
  r.disposition = d.disposition == "tempfail" ? "none" : d.disposition;
  r.result = d.result;
  r.dkim = dmarc::format_dkim_entries(d.dkim_results);
  r.spf_domain = d.spf_domain;
  r.spf_result = d.spf_result;
  r.dkim_aligned = d.dkim_aligned;
  r.spf_aligned = d.spf_aligned;
  if (d.published) dmarc::set_published_policy(r, *d.published);
  return r;
}

}  // namespace cachet::dmarcd

// SPDX-License-Identifier: BSD-2-Clause
//
// tests/bench/dmarc_report_bench.cpp: cachet-bench-dmarc-report [ROWS] [STORE] [CACHETCTL]:
// fills a history store (default: a SQLite file in a temp dir; or a PostgreSQL conninfo,
// whose messages/reports tables are emptied first) with ROWS records (default 1,000,000)
// spread over one UTC day, 1,000 policy domains and 250 source IPs, then times
// `cachetctl dmarc-report send --out DIR` over that day and prints the wall time and the
// peak memory (ru_maxrss of the child). No assertion: figures only (goal for a million
// rows: under 30 s and 200 MiB).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "common/dmarc/history.hpp"
#include "tests/lib/dmarc_history_records.hpp"
#include "tests/lib/run_command.hpp"
#include "tests/lib/temp_dir.hpp"

int main(int argc, char** argv) {
  const long rows = argc > 1 ? std::stol(argv[1]) : 1000000;
  cachet::testlib::TempDir dir("report-bench");
  const std::string store_spec = argc > 2 ? argv[2] : dir.file("history.sqlite");
  const std::string ctl = argc > 3 ? argv[3] : std::string(CACHET_BIN_DIR) + "/cachetctl";
  constexpr std::int64_t kDay = 86400;

  auto store = cachet::dmarc::open_history_store(store_spec);
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().detail.c_str());
    return 1;
  }
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<cachet::dmarc::HistoryRecord> batch;
  for (long i = 0; i < rows; ++i) {
    auto r = cachet::testlib::history_record(kDay + i % kDay, "192.0.2." + std::to_string(i % 250), i % 3 != 0);
    r.policy_domain = r.header_from = "d" + std::to_string(i % 1000) + ".example.com";
    r.rua = "mailto:rua@" + r.policy_domain;
    batch.push_back(std::move(r));
    if (batch.size() == 10000 || i + 1 == rows) {
      if (auto ok = (*store)->add_batch(batch); !ok) {
        std::fprintf(stderr, "%s\n", ok.error().detail.c_str());
        return 1;
      }
      batch.clear();
    }
  }
  const double fill = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::string conf = dir.write("dmarc.conf", "ReportEmail dmarc@receiver.example\nPublicSuffixList " +
                                                       dir.write("psl", "com\n") + "\nNameservers 127.0.0.1:9\n");
  std::filesystem::create_directory(dir.file("out"));
  const auto t1 = std::chrono::steady_clock::now();
  auto run =
      cachet::testlib::run_command({ctl, "dmarc-report", "send", "-c", conf, "--db", store_spec, "--since",
                                    std::to_string(kDay), "--now", std::to_string(2 * kDay), "--out", dir.file("out")},
                                   {}, std::chrono::minutes(30));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  rusage ru{};
  ::getrusage(RUSAGE_CHILDREN, &ru);
  if (!run || run->exit_code != 0) {
    std::fprintf(stderr, "cachetctl failed: %s\n", run ? run->err.c_str() : run.error().detail.c_str());
    return 1;
  }
  std::size_t reports = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.file("out"))) reports += e.is_regular_file();
  std::printf("dmarc-report bench: store=%s rows=%ld fill=%.1fs reports=%zu build+write=%.2fs peak_rss=%.1fMiB\n",
              (*store)->describe().c_str(), rows, fill, reports, secs, static_cast<double>(ru.ru_maxrss) / 1024.0);
  return 0;
}

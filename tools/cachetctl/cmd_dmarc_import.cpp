// SPDX-License-Identifier: BSD-2-Clause
//
// tools/cachetctl/cmd_dmarc_import.cpp: `cachetctl dmarc-import [--db STORE]
// [--domains LIST] [--accept-unreadable] [--quiet] [PATH...]`: imports DMARC aggregate and
// failure reports (dmarc_import.hpp) into the history database STORE (as HistoryDatabase:
// SQLite path or PostgreSQL URI/conninfo). No PATH: one mail (or bare report) on standard
// input, as a Postfix alias or pipe transport delivers it. LIST: the admin's own domains,
// comma-separated; reports for other domains are stored flagged as foreign.
// Output: one line per report on stdout ("imported ...", "duplicate ..."), one per refusal
// on stderr ("refused WHERE: reason").
// Exit: 0 every report imported or already there; 65 (EX_DATAERR) something was refused
// (0 with --accept-unreadable, so that Postfix does not bounce an unreadable report mail
// back to its sender); 64 usage; 75 (EX_TEMPFAIL) database trouble: Postfix keeps the mail
// and retries.
#include <cstdio>
#include <ctime>
#include <set>
#include <span>
#include <string>

#include "common/base/strings.hpp"
#include "common/dmarc/import/store.hpp"
#include "tools/cachetctl/args.hpp"
#include "tools/cachetctl/dmarc_import.hpp"
#include "tools/cachetctl/key_source.hpp"

namespace cachet::ctl {
namespace {

constexpr std::string_view kName = "dmarc-import";
enum { opt_db, opt_domains, opt_accept_unreadable, opt_quiet, opt_help };
constexpr OptionDef kDefs[] = {
    {opt_db, '\0', "db", true},
    {opt_domains, '\0', "domains", true},
    {opt_accept_unreadable, '\0', "accept-unreadable"},
    {opt_quiet, 'q', "quiet"},
    {opt_help, 'h', "help"},
};

void import_usage(std::FILE* out) {
  std::fprintf(out,
               "usage: cachetctl dmarc-import [options] [mail|mbox|Maildir|folder|report.xml[.gz]|report.zip ...]\n"
               "\t(no file: one mail on standard input, e.g. from a Postfix alias or pipe)\n"
               "\t--db STORE\tSQLite path or PostgreSQL URI/conninfo [/var/lib/cachet/dmarc-history.sqlite]\n"
               "\t--domains LIST\tyour domains, comma-separated: reports for others are flagged foreign\n"
               "\t--accept-unreadable\texit 0 even when a mail holds no readable report (no bounce)\n"
               "\t-q, --quiet\tprint refusals only\n");
}

}  // namespace

int cmd_dmarc_import(std::span<char* const> args) {
  auto parsed = parse_args(to_strings(args), kDefs);
  if (!parsed) return usage_error(kName, parsed.error().detail, &import_usage);
  std::string db = "/var/lib/cachet/dmarc-history.sqlite";
  std::set<std::string> ours;
  bool accept_unreadable = false, quiet = false;
  for (const ParsedOption& o : parsed->options) {
    if (o.id == opt_help) {
      import_usage(stdout);
      return 0;
    }
    if (o.id == opt_db) db = o.value;
    if (o.id == opt_accept_unreadable) accept_unreadable = true;
    if (o.id == opt_quiet) quiet = true;
    if (o.id == opt_domains)
      for (std::string_view d : split(o.value, ','))
        if (!trim(d).empty()) ours.insert(to_lower(trim(d)));
  }
  auto store = dmarc::import::open_report_store(db, ours);
  if (!store) return complain(kName, store.error().detail, store.error().code == Errc::config ? 64 : 75);
  Importer importer(**store, static_cast<std::int64_t>(std::time(nullptr)), [quiet](const ImportOutcome& o) {
    if (o.kind == ImportOutcome::Kind::refused) {
      std::fprintf(stderr, "refused %s: %s\n", o.where.c_str(), o.detail.c_str());
    } else if (!quiet) {
      std::printf("%s %s: %s\n", o.kind == ImportOutcome::Kind::imported ? "imported" : "duplicate", o.where.c_str(),
                  o.detail.c_str());
    }
  });
  Result<void> done;
  if (parsed->operands.empty()) {
    auto bytes = read_input("-", kMaxInputBytes);
    if (!bytes) return complain(kName, bytes.error().detail, 66);
    done = importer.import_bytes(*bytes, "stdin");
  } else {
    for (const std::string& path : parsed->operands)
      if (done = importer.import_path(path); !done) break;
  }
  const ImportTally& t = importer.tally();
  if (!done) return complain(kName, done.error().detail + " (nothing of the report in progress was stored)", 75);
  if (!quiet)
    std::fprintf(stderr, "cachetctl dmarc-import: %llu imported, %llu already there, %llu refused\n",
                 static_cast<unsigned long long>(t.imported), static_cast<unsigned long long>(t.duplicates),
                 static_cast<unsigned long long>(t.refused));
  return t.refused > 0 && !accept_unreadable ? 65 : 0;
}

}  // namespace cachet::ctl

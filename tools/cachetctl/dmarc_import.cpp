// SPDX-License-Identifier: BSD-2-Clause
// tools/cachetctl/dmarc_import.cpp: see dmarc_import.hpp.
#include "tools/cachetctl/dmarc_import.hpp"

#include <algorithm>

#include "common/dmarc/import/archive.hpp"
#include "common/dmarc/import/report_mail.hpp"
#include "tools/cachetctl/key_source.hpp"

namespace cachet::ctl {
namespace {

namespace fs = std::filesystem;
using dmarc::import::AddOutcome;

bool looks_like_xml(std::string_view b) {
  if (b.substr(0, 3) == "\xEF\xBB\xBF") b.remove_prefix(3);
  const auto first = b.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && b[first] == '<';
}

std::string aggregate_detail(const dmarc::import::AggregateReport& r) {
  std::uint64_t messages = 0;
  for (const auto& rec : r.records) messages += rec.count;
  std::string d = "aggregate org=" + dmarc::import::report_org(r) + " id=" + r.report_id + " domain=" + r.domain +
                  " records=" + std::to_string(r.records.size()) + " messages=" + std::to_string(messages) +
                  " shape=" + std::string(dmarc::import::to_string(r.shape));
  for (const std::string& repair : r.repairs) d += " repaired=\"" + repair + "\"";
  return d;
}

}  // namespace

std::vector<std::string> split_mbox(std::string_view mbox) {
  std::vector<std::string> mails;
  std::string current;
  bool in_mail = false, after_blank = true;
  std::size_t pos = 0;
  while (pos < mbox.size()) {
    const auto lf = mbox.find('\n', pos);
    const std::size_t next = lf == std::string_view::npos ? mbox.size() : lf + 1;
    std::string_view line = mbox.substr(pos, next - pos);
    pos = next;
    if (after_blank && line.substr(0, 5) == "From ") {
      if (in_mail) mails.push_back(std::move(current));
      current.clear();
      in_mail = true;
      after_blank = false;
      continue;
    }
    const std::string_view bare = line.substr(0, line.find_last_not_of("\r\n") + 1);
    after_blank = bare.empty();
    if (!in_mail) continue;  // text before the first "From " line
    const auto gt = line.find_first_not_of('>');
    if (gt != 0 && gt != std::string_view::npos && line.substr(gt, 5) == "From ") line.remove_prefix(1);
    current += line;
  }
  if (in_mail) mails.push_back(std::move(current));
  return mails;
}

void Importer::record(ImportOutcome outcome) {
  if (sink_)
    sink_(outcome);
  else
    tally_.outcomes.push_back(std::move(outcome));
}

void Importer::refuse(const std::string& where, const std::string& why) {
  ++tally_.refused;
  record({ImportOutcome::Kind::refused, where, why});
}

Result<void> Importer::store_aggregate(const dmarc::import::AggregateReport& r, const std::string& where) {
  auto added = store_.add_aggregate(r, where, now_);
  if (!added) return Unexpected<Error>(added.error());
  const bool is_new = *added == AddOutcome::added;
  ++(is_new ? tally_.imported : tally_.duplicates);
  record({is_new ? ImportOutcome::Kind::imported : ImportOutcome::Kind::duplicate, where, aggregate_detail(r)});
  return {};
}

Result<void> Importer::import_mail(std::string_view raw, const std::string& where) {
  auto mail = dmarc::import::scan_report_mail(raw);
  if (!mail) {
    refuse(where, mail.error().detail);
    return {};
  }
  for (const dmarc::import::FoundReport& found : mail->reports) {
    const std::string at = where + " [" + found.source + "]";
    if (!found.error.empty()) {
      refuse(at, found.error);
    } else if (found.aggregate) {
      if (auto s = store_aggregate(*found.aggregate, at); !s) return s;
    } else if (found.failure) {
      auto added = store_.add_failure(*found.failure, mail->from, mail->message_id, at, now_);
      if (!added) return Unexpected<Error>(added.error());
      const bool is_new = *added == AddOutcome::added;
      ++(is_new ? tally_.imported : tally_.duplicates);
      record({is_new ? ImportOutcome::Kind::imported : ImportOutcome::Kind::duplicate, at,
              "failure domain=" + found.failure->reported_domain + " source_ip=" + found.failure->source_ip});
    }
  }
  return {};
}

Result<void> Importer::import_bytes(std::string_view bytes, const std::string& where) {
  const bool is_bare = dmarc::import::detect_packing(bytes) != dmarc::import::Packing::plain || looks_like_xml(bytes);
  if (is_bare) {
    auto report = dmarc::import::parse_report_file(bytes);
    if (!report) {
      refuse(where, report.error().detail);
      return {};
    }
    return store_aggregate(*report, where);
  }
  if (bytes.substr(0, 5) == "From ") {
    const std::vector<std::string> mails = split_mbox(bytes);
    for (std::size_t i = 0; i < mails.size(); ++i)
      if (auto r = import_mail(mails[i], mails.size() == 1 ? where : where + ":" + std::to_string(i + 1)); !r) return r;
    return {};
  }
  const auto first = bytes.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    refuse(where, "empty input");
    return {};
  }
  if (bytes[first] == '{') {
    refuse(where, "a JSON document (an SMTP TLS report, RFC 8460?), not a DMARC report: not imported");
    return {};
  }
  return import_mail(bytes, where);
}

Result<void> Importer::import_path(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<fs::path> files;
    const bool is_maildir = fs::is_directory(path / "cur", ec) || fs::is_directory(path / "new", ec);
    if (is_maildir) {
      for (const char* sub : {"cur", "new"})
        if (fs::is_directory(path / sub, ec))
          for (const auto& e : fs::directory_iterator(path / sub, ec))
            if (e.is_regular_file()) files.push_back(e.path());
    } else {
      for (const auto& e : fs::recursive_directory_iterator(path, ec))
        if (e.is_regular_file()) files.push_back(e.path());
    }
    if (ec) refuse(path.string(), ec.message());
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files)
      if (auto r = import_path(f); !r) return r;
    return {};
  }
  auto bytes = read_input(path.string(), kMaxInputBytes);
  if (!bytes) {
    refuse(path.string(), bytes.error().detail);
    return {};
  }
  return import_bytes(*bytes, path.string());
}

}  // namespace cachet::ctl

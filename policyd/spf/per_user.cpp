// SPDX-License-Identifier: BSD-2-Clause
// policyd/spf/per_user.cpp: see per_user.hpp.
#include "policyd/spf/per_user.hpp"

#include "common/base/strings.hpp"
#include "common/config/file_reader.hpp"

namespace cachet::spfd {
namespace {

class LineParser {
 public:
  LineParser(std::string_view file, std::size_t line, std::vector<config::Problem>& problems)
      : file_(file), line_(line), problems_(problems) {}

  // One non-blank line (comment already cut). Returns false on an error.
  bool parse(std::string_view text, PerUserEntry& out);

 private:
  void report(std::string message, config::Severity sev = config::Severity::error, std::string_view option = {}) {
    config::Problem p;
    p.file = std::string(file_);
    p.line = line_;
    p.option = std::string(option);
    p.message = std::move(message);
    p.severity = sev;
    problems_.push_back(std::move(p));
  }
  bool parse_pair(std::string_view pair, PerUserEntry& out);

  std::string_view file_;
  std::size_t line_;
  std::vector<config::Problem>& problems_;
};

bool has_control_byte(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 && c != '\t') return true;
    if (u == 0x7f) return true;
  }
  return false;
}

bool LineParser::parse(std::string_view text, PerUserEntry& out) {
  if (text.size() > kMaxPerUserLineBytes) {
    report("line longer than " + std::to_string(kMaxPerUserLineBytes) + " bytes");
    return false;
  }
  if (has_control_byte(text)) {
    report("control character (NUL, CR, ...) in line");
    return false;
  }
  const std::size_t comma = text.find(',');
  if (comma == std::string_view::npos) {
    report("no ',' between the recipient and its settings (recipient,Name=value|Name=value)");
    return false;
  }
  const std::string_view rcpt = trim(text.substr(0, comma));
  if (rcpt.empty() || rcpt.find_first_of(" \t") != std::string_view::npos) {
    report("'" + std::string(rcpt) + "' is not a recipient address");
    return false;
  }
  out.line = line_;
  out.recipient = to_lower(rcpt);
  const std::vector<std::string_view> pairs = split(text.substr(comma + 1), '|');
  if (pairs.size() > kMaxPerUserPairs) {
    report("more than " + std::to_string(kMaxPerUserPairs) + " settings on one line");
    return false;
  }
  bool ok = true;
  for (std::string_view pair : pairs) ok = parse_pair(trim(pair), out) && ok;
  return ok;
}

bool LineParser::parse_pair(std::string_view pair, PerUserEntry& out) {
  const std::size_t eq = pair.find('=');
  if (eq == std::string_view::npos || pair.find('=', eq + 1) != std::string_view::npos) {
    report("'" + std::string(pair) + "' is not Name=value (values cannot contain '=' or '|')");
    return false;
  }
  const std::string_view name = trim(pair.substr(0, eq));
  const std::string_view value = trim(pair.substr(eq + 1));
  // policyd-spf's own spelling of Authserv_Id in its per-user name list.
  const config::OptionSpec* spec = config::find_option(kSpfOptions, name == "Authserv-Id" ? "Authserv_Id" : name);
  if (spec == nullptr) {
    report("unknown option", config::Severity::error, name);
    return false;
  }
  switch (per_user_use(spec->name)) {
    case PerUserUse::refused: report("cannot be set per user", config::Severity::error, name); return false;
    case PerUserUse::ignored:
      report("cannot be set per user (policyd-spf.peruser(5)); ignored", config::Severity::warning, name);
      return true;
    case PerUserUse::settable: break;
  }
  Settings probe;
  if (auto r = config::check_value(*spec, value); !r) {
    report(r.error().detail, config::Severity::error, name);
    return false;
  }
  if (auto r = apply_option(probe, spec->name, value); !r) {
    report(r.error().detail, config::Severity::error, name);
    return false;
  }
  if (spec->name == "TestOnly" && probe.test_mode) {
    report("0 is TEST MODE for this recipient: nothing is rejected or deferred", config::Severity::warning, name);
  }
  for (auto& [n, v] : out.values) {
    if (n == spec->name) {
      report("repeated on this line; the last value wins", config::Severity::warning, name);
      v = std::string(value);
      return true;
    }
  }
  out.values.emplace_back(std::string(spec->name), std::string(value));
  return true;
}

config::Problem file_problem(std::string_view file, std::size_t line, std::string message) {
  config::Problem p;
  p.file = std::string(file);
  p.line = line;
  p.message = std::move(message);
  return p;
}

}  // namespace

bool PerUserOutcome::ok() const noexcept {
  for (const config::Problem& p : problems) {
    if (p.severity == config::Severity::error) return false;
  }
  return true;
}

PerUserOutcome parse_per_user(std::string_view text, std::string_view file_name) {
  PerUserOutcome out;
  if (text.size() > kMaxPerUserBytes) {
    out.problems.push_back(file_problem(file_name, 0, "larger than " + std::to_string(kMaxPerUserBytes) + " bytes"));
    return out;
  }
  std::unordered_map<std::string, std::size_t> first_line;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size() && out.problems.size() < config::kMaxProblems) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    line = trim(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    PerUserEntry entry;
    if (!LineParser(file_name, line_no, out.problems).parse(line, entry)) continue;
    auto [it, inserted] = first_line.emplace(entry.recipient, line_no);
    if (!inserted) {
      config::Problem p = file_problem(file_name, line_no,
                                       "'" + entry.recipient + "' already has line " + std::to_string(it->second) +
                                           ", which wins (as in policyd-spf); this line is ignored");
      p.severity = config::Severity::warning;
      out.problems.push_back(std::move(p));
      continue;
    }
    if (out.entries.size() == kMaxPerUserEntries) {
      out.problems.push_back(
          file_problem(file_name, line_no, "more than " + std::to_string(kMaxPerUserEntries) + " recipients"));
      break;
    }
    out.entries.push_back(std::move(entry));
  }
  return out;
}

Result<std::shared_ptr<const PerUserTable>> PerUserTable::build(const Settings& global,
                                                                const std::vector<PerUserEntry>& entries) {
  auto table = std::make_shared<PerUserTable>();
  for (const PerUserEntry& e : entries) {
    Settings s = global;
    s.per_user = nullptr;
    for (const auto& [name, value] : e.values) {
      if (auto r = apply_option(s, name, value); !r) {
        return fail(Errc::config, "line " + std::to_string(e.line) + ": " + r.error().detail);
      }
    }
    table->by_recipient_.emplace(e.recipient, std::make_shared<const Settings>(std::move(s)));
  }
  return std::shared_ptr<const PerUserTable>(std::move(table));
}

const Settings* PerUserTable::find(std::string_view recipient) const {
  if (recipient.empty()) return nullptr;
  auto it = by_recipient_.find(std::string(recipient));
  return it == by_recipient_.end() ? nullptr : it->second.get();
}

namespace {

// Reads and parses the Per_User file; null path = option unset.
Result<PerUserOutcome> read_per_user(const config::Config& cfg, std::string* path_out) {
  auto path = per_user_path(cfg.string("Per_User"));
  if (!path) return fail(path.error().code, path.error().detail);
  *path_out = *path;
  if (path->empty()) return PerUserOutcome{};
  auto text = config::read_text_file(*path, kMaxPerUserBytes);
  if (!text) return fail(Errc::config, "Per_User: " + text.error().detail);
  return parse_per_user(*text, *path);
}

}  // namespace

Result<std::shared_ptr<const PerUserTable>> load_per_user(const config::Config& cfg, const Settings& global) {
  std::string path;
  auto parsed = read_per_user(cfg, &path);
  if (!parsed) return fail(parsed.error().code, parsed.error().detail);
  if (path.empty()) return std::shared_ptr<const PerUserTable>();
  for (const config::Problem& p : parsed->problems) {
    if (p.severity == config::Severity::error) return fail(Errc::config, p.to_string());
  }
  return PerUserTable::build(global, parsed->entries);
}

std::vector<config::Problem> check_per_user(const config::Config& cfg) {
  // A malformed Per_User value is check_settings' to report.
  if (!per_user_path(cfg.string("Per_User"))) return {};
  std::string path;
  auto parsed = read_per_user(cfg, &path);
  if (!parsed) {
    config::Problem p;
    if (auto at = cfg.origin("Per_User")) {
      p.file = at->file;
      p.line = at->line;
    }
    p.message = parsed.error().detail;
    return {std::move(p)};
  }
  return std::move(parsed->problems);
}

}  // namespace cachet::spfd

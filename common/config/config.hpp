// SPDX-License-Identifier: BSD-2-Clause
//
// common/config/config.hpp: the configuration file parser (both peer dialects), the
// immutable Config snapshot, the check-mode printer and ConfigHolder (hot reload).
//
// Syntax, per line: `Name value` (opendkim, opendmarc) or `Name = value` (policyd-spf),
// told apart per line by an '=' after the name. Names are ASCII letters, digits, '-', '_',
// '.', matched case-insensitively. '#' anywhere starts a comment (as opendkim: values cannot
// contain '#'). Blank lines are ignored; CRLF is accepted. A repeated option: the last line
// wins (with a warning), except Kind::list, whose lines append. `Include PATH` (only if the
// table declares an option named "Include") reads another file, nested at most
// kMaxIncludeDepth deep, through ParseOptions::read_include.
//
// parse_config is pure and collects every problem, each printable as
// `file:line: Name: what is wrong`: an unknown name, a bad value, a missing value and an
// obsolete name are errors; a peer option we accept without implementing gives the warning
// `file:line: Name: accepted but has no effect`. With any error, outcome.config is null.
//
// Config is immutable and shared (shared_ptr<const Config>); any thread may read it. Its
// getters take option names from code: a name missing from the table, or a getter of the
// wrong Kind, is a bug and throws std::logic_error. A Config refers to its OptionTable,
// which must outlive it (tables are `inline constexpr` arrays).
// See also: option_spec.hpp, dataset.hpp, tests/unit/common/config/config_test.cpp
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/base/swappable.hpp"
#include "common/config/option_spec.hpp"

namespace cachet::config {

inline constexpr std::size_t kMaxConfigBytes = 1u << 20;
inline constexpr std::size_t kMaxConfigLineBytes = 64u << 10;
inline constexpr int kMaxIncludeDepth = 5;  // opendkim's limit
inline constexpr std::size_t kMaxProblems = 1000;
inline constexpr int kExitConfig = 78;  // EX_CONFIG, sysexits.h

enum class Severity { error, warning };

struct Problem {
  std::string file;      // "dkim.conf", "command line", "option table"
  std::size_t line = 0;  // 1-based; 0 = not from a file line
  std::string option;    // as written; may be empty
  std::string message;
  Severity severity = Severity::error;
  std::string fix = {};  // what to do about it ("chmod 0640 /etc/cachet/keys/s.private"); may be empty

  // "file:line: Name: message; fix: FIX" (":line" left out for line 0, "Name: " for no
  // option, "; fix: ..." for no fix).
  std::string to_string() const;
};

struct SourceLocation {
  std::string file;
  std::size_t line = 0;
  std::string to_string() const;  // "file:line" or "file" for line 0
};

class Config {
 public:
  struct Value {
    bool is_set = false;
    std::string text;                // the value as written (list: items joined by ",")
    std::vector<std::string> items;  // Kind::list
    std::int64_t number = 0;         // boolean (0/1), integer, octal, seconds, action
    SourceLocation origin;
  };

  // Built by parse_config; public for tests that need a snapshot from defaults only.
  Config(OptionTable table, std::vector<Value> values, std::string source = {});

  const std::string& string(std::string_view name) const;  // any Kind: the text
  bool boolean(std::string_view name) const;
  std::int64_t integer(std::string_view name) const;  // integer or octal
  std::chrono::seconds seconds(std::string_view name) const;
  Action action(std::string_view name) const;
  const std::vector<std::string>& list(std::string_view name) const;

  bool has_option(std::string_view name) const noexcept;  // declared in the table?
  bool is_set(std::string_view name) const;               // set by file or override?
  std::optional<SourceLocation> origin(std::string_view name) const;
  OptionTable table() const noexcept { return table_; }
  // The file the snapshot was read from ("" for tests): where a problem with an option
  // left at its default is reported.
  const std::string& source() const noexcept { return source_; }

  // One line per option in table order: `Name value  # origin`, `Name value  # default`,
  // or `# Name (not set)`; no-effect options are marked. Secrets are never printed.
  std::string effective() const;

 private:
  const Value& get(std::string_view name, std::initializer_list<Kind> kinds) const;
  OptionTable table_;
  std::vector<Value> values_;  // parallel to table_
  std::string source_;
};

// A problem with `option` located where the option was set (file:line), else at the
// config's source file (line 0). For the cross-option checks and the files an option names.
Problem problem_at(const Config& cfg, std::string_view option, std::string message, std::string fix = {},
                   Severity severity = Severity::error);

// problem_at for a loader's error: a leading "OPTION: " in e.detail is dropped (the Problem
// names the option), a trailing "; fix: FIX" becomes the Problem's fix.
Problem problem_from(const Config& cfg, std::string_view option, const Error& e);
// problem_from for an error whose detail starts with the option it is about
// ("PublicSuffixList: cannot open ..."); located at the config's source when it names none.
Problem problem_from(const Config& cfg, const Error& e);
// The same for a row of a table file: `file:line: OPTION: detail; fix: FIX`.
Problem problem_in_file(std::string file, std::size_t line, std::string_view option, const Error& e);

struct ConfigOutcome {
  std::shared_ptr<const Config> config;  // null if any problem is an error
  std::vector<Problem> problems;
  // Check mode only: the snapshot built from the lines that parsed (a bad line leaves its
  // option at the default), so that cross-option checks and file loading still run and
  // every problem is reported in one pass. Set whenever parsing got that far; never serve
  // from it.
  std::shared_ptr<const Config> partial;
  bool ok() const noexcept { return config != nullptr; }
};

// A value given on the command line (`-p socket` → {"Socket", "..."}); applied after the
// file and validated like it, with origin "command line".
struct Override {
  std::string name;
  std::string value;
};

struct ParseOptions {
  std::vector<Override> overrides;
  // Reads an Include'd file; null = Include is reported as unavailable. load_config sets it.
  std::function<Result<std::string>(const std::string& path)> read_include;
};

ConfigOutcome parse_config(std::string_view text, std::string_view file_name, OptionTable table,
                           const ParseOptions& options = {});

// Reads path (at most kMaxConfigBytes) and parses it; a read failure is one error Problem.
ConfigOutcome load_config(const std::string& path, OptionTable table, ParseOptions options = {});

// Check mode: prints every problem (one a line) to out, then the effective configuration if
// print_effective and there are no errors. Returns kExitConfig if any error, else 0.
int check_config(const ConfigOutcome& outcome, std::ostream& out, bool print_effective = false);

// Holds the current snapshot (hot reload): load() hands out a snapshot that stays valid and
// unchanged however often store() runs, so a message keeps one snapshot throughout.
using ConfigHolder = Swappable<const Config>;

}  // namespace cachet::config

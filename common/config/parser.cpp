// SPDX-License-Identifier: BSD-2-Clause
// common/config/parser.cpp: parse_config, load_config and check_config; see config.hpp.
#include <algorithm>
#include <ostream>

#include "common/base/strings.hpp"
#include "common/config/config.hpp"
#include "common/config/file_reader.hpp"
#include "common/config/lines.hpp"
#include "common/config/suggest.hpp"

namespace cachet::config {
namespace {

bool is_name_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

bool has_control_byte(std::string_view s) noexcept {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return true;
  }
  return false;
}

class Parser {
 public:
  Parser(OptionTable table, const ParseOptions& options) : table_(table), options_(options), values_(table.size()) {}

  void parse_text(std::string_view text, const std::string& file, int depth);
  void apply_overrides();
  ConfigOutcome finish(const std::string& source);

 private:
  void add(const SourceLocation& at, std::string_view option, std::string message, Severity severity = Severity::error,
           std::string fix = {});
  void add_unknown(const SourceLocation& at, std::string_view name);
  void parse_line(std::string_view line, const SourceLocation& at, int depth);
  void set(const OptionSpec& spec, std::string_view value, const SourceLocation& at);
  void include(std::string_view path, const SourceLocation& at, int depth);

  OptionTable table_;
  const ParseOptions& options_;
  std::vector<Config::Value> values_;
  std::vector<Problem> problems_;
  bool truncated_ = false;
};

void Parser::add(const SourceLocation& at, std::string_view option, std::string message, Severity severity,
                 std::string fix) {
  if (problems_.size() >= kMaxProblems) {
    truncated_ = true;
    return;
  }
  problems_.push_back(Problem{at.file, at.line, std::string(option), std::move(message), severity, std::move(fix)});
}

// A typo must not pass silently (DESIGN.md s4); the nearest known name, if any, is the fix.
void Parser::add_unknown(const SourceLocation& at, std::string_view name) {
  const auto near = nearest_option(table_, name);
  add(at, name, "unknown option", Severity::error, near ? "did you mean " + std::string(*near) + "?" : std::string());
}

void Parser::parse_text(std::string_view text, const std::string& file, int depth) {
  if (text.size() > kMaxConfigBytes) {
    add({file, 0}, "", "larger than " + std::to_string(kMaxConfigBytes) + " bytes");
    return;
  }
  LineReader lines(text);
  std::string_view line;
  while (lines.next(line)) {
    const std::size_t line_no = lines.line_no();
    const SourceLocation at{file, line_no};
    if (line.size() > kMaxConfigLineBytes) {
      add(at, "", "line longer than " + std::to_string(kMaxConfigLineBytes) + " bytes");
      continue;
    }
    parse_line(line, at, depth);
  }
}

void Parser::parse_line(std::string_view line, const SourceLocation& at, int depth) {
  line = strip_comment(line);
  if (line.empty()) return;
  std::size_t n = 0;
  while (n < line.size() && is_name_char(line[n])) ++n;
  const std::string_view name = line.substr(0, n);
  std::string_view rest = line.substr(n);
  if (name.empty() || (!rest.empty() && rest[0] != ' ' && rest[0] != '\t' && rest[0] != '=')) {
    add(at, "", "malformed line (expected 'Name value' or 'Name = value')");
    return;
  }
  rest = trim(rest);
  if (!rest.empty() && rest[0] == '=') rest = trim(rest.substr(1));  // policyd-spf dialect
  const OptionSpec* spec = find_option(table_, name);
  if (spec == nullptr) {
    add_unknown(at, name);
    return;
  }
  if (has_control_byte(rest)) {
    add(at, spec->name, "control character in value");
    return;
  }
  if (spec->support == Support::obsolete) {
    add(at, spec->name, spec->doc.empty() ? "obsolete option" : std::string(spec->doc));
    return;
  }
  if (rest.empty()) {
    add(at, spec->name, "missing value");
    return;
  }
  if (spec->kind == Kind::path && iequals(spec->name, "Include")) {
    include(rest, at, depth);
    return;
  }
  set(*spec, rest, at);
}

void Parser::include(std::string_view path, const SourceLocation& at, int depth) {
  if (!options_.read_include) {
    add(at, "Include", "includes are not available here");
    return;
  }
  if (depth >= kMaxIncludeDepth) {
    add(at, "Include", "nested more than " + std::to_string(kMaxIncludeDepth) + " levels");
    return;
  }
  const std::string file(path);
  auto text = options_.read_include(file);
  if (!text) {
    add(at, "Include", text.error().detail);
    return;
  }
  parse_text(*text, file, depth + 1);
}

void Parser::set(const OptionSpec& spec, std::string_view value, const SourceLocation& at) {
  const std::size_t index = static_cast<std::size_t>(&spec - table_.data());
  Config::Value& v = values_[index];
  if (spec.support == Support::accepted_no_effect) {
    add(at, spec.name, "accepted but has no effect", Severity::warning);
  } else if (auto ok = check_value(spec, value); !ok) {
    add(at, spec.name, ok.error().detail);
    return;
  }
  if (v.is_set && spec.kind != Kind::list)
    add(at, spec.name, "overrides the value set at " + v.origin.to_string(), Severity::warning);
  if (spec.kind == Kind::list && v.is_set) {
    for (auto& item : parse_list(value)) v.items.push_back(std::move(item));
    v.text += "," + std::string(value);
  } else {
    v.text = std::string(value);
    v.items = spec.kind == Kind::list ? parse_list(value) : std::vector<std::string>{};
  }
  v.is_set = true;
  v.origin = at;
}

void Parser::apply_overrides() {
  for (const Override& o : options_.overrides) {
    const OptionSpec* spec = find_option(table_, o.name);
    const SourceLocation at{"command line", 0};
    if (spec == nullptr) {
      add_unknown(at, o.name);
      continue;
    }
    // A command-line value replaces, never extends, what the file said.
    values_[static_cast<std::size_t>(spec - table_.data())] = Config::Value{};
    set(*spec, trim(o.value), at);
  }
}

ConfigOutcome Parser::finish(const std::string& source) {
  for (const std::string& msg : validate_table(table_)) add({"option table", 0}, "", "internal: " + msg);
  if (truncated_) problems_.push_back(Problem{"", 0, "", "too many problems; the rest are not shown", Severity::error});
  ConfigOutcome out;
  out.partial = std::make_shared<const Config>(table_, std::move(values_), source);
  out.problems = std::move(problems_);
  const bool has_error = std::any_of(out.problems.begin(), out.problems.end(),
                                     [](const Problem& p) { return p.severity == Severity::error; });
  if (!has_error) out.config = out.partial;
  return out;
}

}  // namespace

ConfigOutcome parse_config(std::string_view text, std::string_view file_name, OptionTable table,
                           const ParseOptions& options) {
  Parser parser(table, options);
  const std::string file(file_name);
  parser.parse_text(text, file, 0);
  parser.apply_overrides();
  return parser.finish(file);
}

ConfigOutcome load_config(const std::string& path, OptionTable table, ParseOptions options) {
  auto text = read_text_file(path, kMaxConfigBytes);
  if (!text) {
    ConfigOutcome out;
    out.problems.push_back(Problem{path, 0, "", text.error().detail, Severity::error});
    return out;
  }
  if (!options.read_include)
    options.read_include = [](const std::string& p) { return read_text_file(p, kMaxConfigBytes); };
  return parse_config(*text, path, table, options);
}

int check_config(const ConfigOutcome& outcome, std::ostream& out, bool print_effective) {
  for (const Problem& p : outcome.problems) out << p.to_string() << '\n';
  if (!outcome.ok()) return kExitConfig;
  if (print_effective) out << outcome.config->effective();
  return 0;
}

}  // namespace cachet::config

// SPDX-License-Identifier: BSD-2-Clause
//
// common/tables/pcre_table.cpp: pcre_table(5) parser, compiler and matcher
// (pcre_table.hpp). The only file of the project that includes pcre2.h.
#include "common/tables/pcre_table.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "common/base/c_ptr.hpp"
#include "common/tables/lines.hpp"

namespace cachet::tables {
namespace {

using Pcre2Code = CPtr<pcre2_code, &pcre2_code_free>;
using Pcre2MatchContext = CPtr<pcre2_match_context, &pcre2_match_context_free>;
using Pcre2MatchData = CPtr<pcre2_match_data, &pcre2_match_data_free>;

std::string pcre2_message(int code) {
  PCRE2_UCHAR buf[256];
  const int n = pcre2_get_error_message(code, buf, sizeof buf);
  if (n < 0) return "PCRE2 error " + std::to_string(code);
  return std::string(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(n));
}

constexpr bool is_alnum(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// One piece of a result template: literal text, or the text of capture group `group`.
struct Segment {
  std::string literal;
  std::size_t group = 0;  // 0: literal
};

// NOLINTNEXTLINE(readability-identifier-naming): "if" is a keyword
enum class Op { match, if_, endif };

struct Rule {
  Op op = Op::match;
  std::size_t line = 0;
  bool negate = false;
  Pcre2Code code;
  std::vector<Segment> result;
  std::size_t endif_index = 0;  // if_: index of the matching endif; 0 = none
  std::string text;
};

struct Pattern {
  bool negate = false;
  std::string regex;
  std::uint32_t options = PCRE2_CASELESS | PCRE2_DOTALL;
};

// A rule that Postfix would skip: the message for the warning (or the strict error).
struct Skip {
  std::string message;
};

template <class T>
using Parsed = std::variant<T, Skip>;

// `!`s and spaces, delimiter, regex, delimiter, flags. Advances `p`.
Parsed<Pattern> parse_pattern(std::string_view& p, std::vector<std::string>& notes) {
  Pattern pat;
  std::size_t i = 0;
  for (; i < p.size(); ++i) {
    if (p[i] == '!')
      pat.negate = !pat.negate;
    else if (!is_table_space(p[i]))
      break;
  }
  if (i == p.size()) return Skip{"no regexp: skipping this rule"};
  const char delim = p[i++];
  const std::size_t start = i;
  for (; i < p.size() && p[i] != delim; ++i) {
    if (p[i] == '\\' && i + 1 < p.size()) ++i;  // the escaped char stays in the regex
  }
  if (i >= p.size()) return Skip{std::string("no closing regexp delimiter \"") + delim + "\": ignoring this rule"};
  pat.regex.assign(p.substr(start, i - start));
  for (++i; i < p.size() && !is_table_space(p[i]); ++i) {
    switch (p[i]) {
      case 'i': pat.options ^= PCRE2_CASELESS; break;
      case 'm': pat.options ^= PCRE2_MULTILINE; break;
      case 's': pat.options ^= PCRE2_DOTALL; break;
      case 'x': pat.options ^= PCRE2_EXTENDED; break;
      case 'A': pat.options ^= PCRE2_ANCHORED; break;
      case 'E': pat.options ^= PCRE2_DOLLAR_ENDONLY; break;
      case 'U': pat.options ^= PCRE2_UNGREEDY; break;
      case 'X': notes.emplace_back("ignoring obsolete regexp option \"X\""); break;
      default: return Skip{std::string("unknown regexp option \"") + p[i] + "\": skipping this rule"};
    }
  }
  p.remove_prefix(i);
  return pat;
}

// The group number named by `name` ($name, ${name}, $(name)), or a Skip.
Parsed<std::size_t> group_number(std::string_view name) {
  bool digits = !name.empty();
  for (char c : name) digits = digits && c >= '0' && c <= '9';
  if (!digits)
    return Skip{"non-numeric replacement index \"" + std::string(name) +
                "\": bad replacement syntax: skipping this rule"};
  std::size_t n = 0;
  for (char c : name) {
    n = n * 10 + static_cast<std::size_t>(c - '0');
    if (n > kMaxPcreGroup) break;
  }
  if (n < 1 || n > kMaxPcreGroup)
    return Skip{"out of range replacement index \"" + std::string(name) + "\": skipping this rule"};
  return n;
}

// Splits a result into literal and $n segments (Postfix mac_parse rules).
Parsed<std::vector<Segment>> parse_result(std::string_view s, std::size_t& max_group) {
  std::vector<Segment> out;
  std::string lit;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] != '$') {
      lit += s[i++];
      continue;
    }
    if (++i == s.size()) return Skip{"empty macro name: bad replacement syntax: skipping this rule"};
    if (s[i] == '$') {
      lit += '$';
      ++i;
      continue;
    }
    std::string_view name;
    if (s[i] == '{' || s[i] == '(') {
      const char open = s[i];
      const char close = open == '{' ? '}' : ')';
      int depth = 1;
      std::size_t j = i + 1;
      for (; j < s.size() && depth > 0; ++j) depth += s[j] == open ? 1 : s[j] == close ? -1 : 0;
      if (depth > 0) return Skip{std::string("unbalanced \"") + open + "\": skipping this rule"};
      name = s.substr(i + 1, j - i - 2);
      i = j;
    } else {
      std::size_t j = i;
      while (j < s.size() && (is_alnum(s[j]) || s[j] == '_')) ++j;
      if (j == i) return Skip{"empty macro name: bad replacement syntax: skipping this rule"};
      name = s.substr(i, j - i);
      i = j;
    }
    auto n = group_number(name);
    if (auto* skip = std::get_if<Skip>(&n)) return *skip;
    if (!lit.empty()) out.push_back(Segment{std::exchange(lit, {}), 0});
    const std::size_t g = std::get<std::size_t>(n);
    out.push_back(Segment{{}, g});
    if (g > max_group) max_group = g;
  }
  if (!lit.empty() || out.empty()) out.push_back(Segment{std::move(lit), 0});
  return out;
}

// Compiles, JIT-compiles when asked, and reports the capture count.
Parsed<Pcre2Code> compile(const Pattern& pat, bool jit, std::uint32_t& captures) {
  int code = 0;
  PCRE2_SIZE offset = 0;
  Pcre2Code re(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pat.regex.data()), pat.regex.size(), pat.options, &code,
                             &offset, nullptr));
  if (!re) return Skip{"error in regex at offset " + std::to_string(offset) + ": " + pcre2_message(code)};
  if (jit) (void)pcre2_jit_compile(re.get(), PCRE2_JIT_COMPLETE);  // falls back to interpreter
  captures = 0;
  (void)pcre2_pattern_info(re.get(), PCRE2_INFO_CAPTURECOUNT, &captures);
  return re;
}

bool is_match_outcome(int rc) { return rc >= 0 || rc == PCRE2_ERROR_NOMATCH; }

class PcreTable final : public Table {
 public:
  PcreTable(std::string name, std::vector<std::string> warnings, std::vector<Rule> rules, Pcre2MatchContext context,
            std::uint32_t pairs)
      : Table(std::move(name), std::move(warnings)),
        rules_(std::move(rules)),
        context_(std::move(context)),
        pairs_(pairs) {}

  TableKind kind() const noexcept override { return TableKind::pattern; }

  Result<std::optional<Match>> lookup_explained(std::string_view key) const override {
    if (auto ok = check_key(key); !ok) return Unexpected<Error>(ok.error());
    Pcre2MatchData data(pcre2_match_data_create(pairs_, nullptr));
    if (!data) return fail(Errc::temporary, name() + ": out of memory for match data");
    for (std::size_t i = 0; i < rules_.size(); ++i) {
      const Rule& rule = rules_[i];
      if (rule.op == Op::endif) continue;
      const int rc = run(rule, key, data.get());
      if (!is_match_outcome(rc))
        return fail(Errc::temporary, name() + ":" + std::to_string(rule.line) + ": " + pcre2_message(rc));
      const bool fires = (rc >= 0) != rule.negate;
      if (rule.op == Op::if_) {
        if (fires) continue;
        if (rule.endif_index == 0) return std::optional<Match>{};  // IF without ENDIF
        i = rule.endif_index;
        continue;
      }
      if (!fires) continue;
      return std::optional<Match>(
          Match{expand(rule, key, data.get()), source_prefix() + std::to_string(rule.line), rule.text});
    }
    return std::optional<Match>{};
  }

 private:
  int run(const Rule& rule, std::string_view key, pcre2_match_data* data) const {
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(key.data());
    int rc = pcre2_match(rule.code.get(), subject, key.size(), 0, 0, data, context_.get());
    // The JIT uses a small machine stack; retry in the interpreter, which has the
    // depth and heap limits, rather than failing a legitimate but deep match.
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
      rc = pcre2_match(rule.code.get(), subject, key.size(), 0, PCRE2_NO_JIT, data, context_.get());
    return rc;
  }

  static std::string expand(const Rule& rule, std::string_view key, pcre2_match_data* data) {
    std::string out;
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(data);
    const std::uint32_t count = pcre2_get_ovector_count(data);
    for (const Segment& seg : rule.result) {
      if (seg.group == 0) {
        out += seg.literal;
        continue;
      }
      if (seg.group >= count) continue;
      const PCRE2_SIZE b = ov[2 * seg.group], e = ov[2 * seg.group + 1];
      if (b == PCRE2_UNSET || e == PCRE2_UNSET || e <= b) continue;  // did not participate
      out.append(key.substr(b, e - b));
    }
    return out;
  }

  std::string source_prefix() const { return file_name_for_source() + ":"; }
  std::string file_name_for_source() const {
    // name() is "pcre:<file>" for files; the source names the file only.
    const std::string& n = name();
    return n.rfind("pcre:", 0) == 0 && n.size() > 5 && n[5] != '{' ? n.substr(5) : n;
  }

  std::vector<Rule> rules_;
  Pcre2MatchContext context_;
  std::uint32_t pairs_;
};

// Builds the rule list from logical lines; collects Postfix's warnings.
class Builder {
 public:
  Builder(std::string_view file_name, const PcreOptions& options) : file_(file_name), options_(options) {}

  Result<void> add(const LogicalLine& line) {
    std::string_view p = line.text;
    if (rules_.size() >= kMaxPcreRules)
      return fail(Errc::config, at(line.line) + "more than " + std::to_string(kMaxPcreRules) + " rules");
    if (!is_alnum(p.front())) return add_match(line, p);
    if (keyword(p, "if")) return add_if(line, p.substr(2));
    if (keyword(p, "endif")) return add_endif(line, p.substr(5));
    return skip(line.line, "ignoring unrecognized request");
  }

  Result<std::unique_ptr<Table>> finish(std::string name) {
    while (!open_ifs_.empty()) {
      auto r = skip(rules_[open_ifs_.back()].line, "IF has no matching ENDIF");
      if (!r) return Unexpected<Error>(r.error());
      open_ifs_.pop_back();
    }
    Pcre2MatchContext ctx(pcre2_match_context_create(nullptr));
    if (!ctx) return fail(Errc::internal, "out of memory for a PCRE2 match context");
    pcre2_set_match_limit(ctx.get(), kPcreMatchLimit);
    pcre2_set_depth_limit(ctx.get(), kPcreDepthLimit);
    pcre2_set_heap_limit(ctx.get(), kPcreHeapLimitKiB);
    return std::unique_ptr<Table>(std::make_unique<PcreTable>(std::move(name), std::move(warnings_), std::move(rules_),
                                                              std::move(ctx), max_pairs_));
  }

  void take_warnings(std::vector<std::string> w) {
    for (auto& s : w) warnings_.push_back(std::move(s));
  }

 private:
  static bool keyword(std::string_view p, std::string_view word) {
    if (p.size() < word.size()) return false;
    for (std::size_t i = 0; i < word.size(); ++i)
      if ((p[i] | 0x20) != word[i]) return false;
    return p.size() == word.size() || !is_alnum(p[word.size()]);
  }

  std::string at(std::size_t line) const { return std::string(file_) + ":" + std::to_string(line) + ": "; }

  Result<void> skip(std::size_t line, const std::string& message) {
    if (options_.strict) return fail(Errc::config, at(line) + message);
    warnings_.push_back(at(line) + message);
    return {};
  }

  Result<void> note(std::size_t line, std::vector<std::string>& notes) {
    for (const auto& n : notes) {
      auto r = skip(line, n);
      if (!r) return r;
    }
    notes.clear();
    return {};
  }

  Result<void> add_match(const LogicalLine& line, std::string_view p) {
    std::vector<std::string> notes;
    auto pat = parse_pattern(p, notes);
    if (auto* s = std::get_if<Skip>(&pat)) return skip(line.line, s->message);
    if (auto r = note(line.line, notes); !r) return r;
    while (!p.empty() && is_table_space(p.front())) p.remove_prefix(1);
    if (p.empty()) {
      if (auto r = skip(line.line, "no replacement text: using empty string"); !r) return r;
    }
    std::size_t max_group = 0;
    auto result = parse_result(p, max_group);
    if (auto* s = std::get_if<Skip>(&result)) return skip(line.line, s->message);
    const Pattern& pattern = std::get<Pattern>(pat);
    if (max_group > 0 && pattern.negate)
      return skip(line.line, "$number found in negative match replacement text: skipping this rule");
    std::uint32_t captures = 0;
    auto code = compile(pattern, options_.jit, captures);
    if (auto* s = std::get_if<Skip>(&code)) return skip(line.line, s->message);
    if (max_group > captures)
      return skip(line.line,
                  "out of range replacement index \"" + std::to_string(max_group) + "\": skipping this rule");
    if (captures + 1 > max_pairs_) max_pairs_ = captures + 1;
    Rule rule;
    rule.op = Op::match;
    rule.line = line.line;
    rule.negate = pattern.negate;
    rule.code = std::move(std::get<Pcre2Code>(code));
    rule.result = std::move(std::get<std::vector<Segment>>(result));
    rule.text = line.text;
    rules_.push_back(std::move(rule));
    return {};
  }

  Result<void> add_if(const LogicalLine& line, std::string_view p) {
    while (!p.empty() && is_table_space(p.front())) p.remove_prefix(1);
    std::vector<std::string> notes;
    auto pat = parse_pattern(p, notes);
    if (auto* s = std::get_if<Skip>(&pat)) return skip(line.line, s->message);
    if (auto r = note(line.line, notes); !r) return r;
    while (!p.empty() && is_table_space(p.front())) p.remove_prefix(1);
    if (!p.empty()) {
      auto r = skip(line.line, "ignoring extra text after IF statement: \"" + std::string(p) + "\"");
      if (!r) return r;
    }
    std::uint32_t captures = 0;
    auto code = compile(std::get<Pattern>(pat), options_.jit, captures);
    if (auto* s = std::get_if<Skip>(&code)) return skip(line.line, s->message);
    if (captures + 1 > max_pairs_) max_pairs_ = captures + 1;
    if (open_ifs_.size() >= kMaxPcreNesting)
      return fail(Errc::config, at(line.line) + "IF nested deeper than " + std::to_string(kMaxPcreNesting));
    Rule rule;
    rule.op = Op::if_;
    rule.line = line.line;
    rule.negate = std::get<Pattern>(pat).negate;
    rule.code = std::move(std::get<Pcre2Code>(code));
    rule.text = line.text;
    open_ifs_.push_back(rules_.size());
    rules_.push_back(std::move(rule));
    return {};
  }

  Result<void> add_endif(const LogicalLine& line, std::string_view p) {
    if (open_ifs_.empty()) return skip(line.line, "ignoring ENDIF without matching IF");
    while (!p.empty() && is_table_space(p.front())) p.remove_prefix(1);
    if (!p.empty()) {
      if (auto r = skip(line.line, "ignoring extra text after ENDIF"); !r) return r;
    }
    rules_[open_ifs_.back()].endif_index = rules_.size();
    open_ifs_.pop_back();
    Rule rule;
    rule.op = Op::endif;
    rule.line = line.line;
    rule.text = line.text;
    rules_.push_back(std::move(rule));
    return {};
  }

  std::string_view file_;
  PcreOptions options_;
  std::vector<Rule> rules_;
  std::vector<std::size_t> open_ifs_;
  std::vector<std::string> warnings_;
  std::uint32_t max_pairs_ = 1;
};

Result<std::unique_ptr<Table>> build(const std::vector<LogicalLine>& lines, std::vector<std::string> warnings,
                                     std::string_view file_name, std::string name, const PcreOptions& options) {
  Builder b(file_name, options);
  if (options.strict && !warnings.empty()) return fail(Errc::config, warnings.front());
  b.take_warnings(std::move(warnings));
  for (const LogicalLine& line : lines) {
    if (auto r = b.add(line); !r) return Unexpected<Error>(r.error());
  }
  return b.finish(std::move(name));
}

}  // namespace

Result<std::unique_ptr<Table>> parse_pcre_table(std::string_view text, std::string_view file_name,
                                                const PcreOptions& options) {
  auto lines = read_logical_lines(text, file_name);
  if (!lines) return Unexpected<Error>(std::move(lines).error());
  return build(lines->lines, std::move(lines->warnings), file_name, "pcre:" + std::string(file_name), options);
}

Result<std::unique_ptr<Table>> parse_inline_pcre_table(std::string_view braced, const PcreOptions& options) {
  const std::string name = "pcre:" + std::string(braced);
  auto inner = strip_braces(braced);
  if (!inner) return Unexpected<Error>(std::move(inner).error());
  if (braced.empty() || braced.front() != '{') return fail(Errc::config, name + ": expected pcre:{ {rule}, ... }");
  auto elements = split_brace_list(*inner);
  if (!elements) return Unexpected<Error>(std::move(elements).error());
  std::vector<LogicalLine> lines;
  for (std::string_view e : *elements) {
    auto rule = strip_braces(e);
    if (!rule) return Unexpected<Error>(std::move(rule).error());
    if (e.front() != '{') return fail(Errc::config, name + ": rule \"" + std::string(e) + "\" is not in braces");
    if (rule->empty()) continue;
    lines.push_back(LogicalLine{lines.size() + 1, std::string(*rule)});
  }
  return build(lines, {}, name, name, options);
}

}  // namespace cachet::tables

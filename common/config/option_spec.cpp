// SPDX-License-Identifier: BSD-2-Clause
// common/config/option_spec.cpp: the pure value parsers of each Kind; see option_spec.hpp.
#include "common/config/option_spec.hpp"

#include <charconv>

#include "common/base/strings.hpp"
#include "common/config/dataset.hpp"
#include "common/daemon/socket_spec.hpp"

namespace cachet::config {
namespace {

std::string quoted(std::string_view v) { return "'" + std::string(v) + "'"; }

Result<std::int64_t> check_range(std::int64_t n, std::string_view shown, Range r) {
  if (n < r.min) return fail(Errc::config, std::string(shown) + " is below minimum " + std::to_string(r.min));
  if (n > r.max) return fail(Errc::config, std::string(shown) + " exceeds maximum " + std::to_string(r.max));
  return n;
}

Result<std::int64_t> parse_number(std::string_view v, int base, Range r, std::string_view what) {
  std::int64_t n = 0;
  const char* first = v.data();
  const char* last = v.data() + v.size();
  // from_chars accepts '-' but not '+'; neither accepts blanks, so "1 2" is rejected.
  const auto [end, ec] = std::from_chars(first, last, n, base);
  if (v.empty() || ec == std::errc::invalid_argument || end != last)
    return fail(Errc::config, quoted(v) + " is not " + std::string(what));
  if (ec == std::errc::result_out_of_range) return fail(Errc::config, quoted(v) + " is out of range");
  return check_range(n, v, r);
}

}  // namespace

const char* to_string(Action a) noexcept {
  switch (a) {
    case Action::accept: return "accept";
    case Action::discard: return "discard";
    case Action::quarantine: return "quarantine";
    case Action::reject: return "reject";
    case Action::tempfail: return "tempfail";
  }
  return "tempfail";
}

const char* to_string(Kind k) noexcept {
  switch (k) {
    case Kind::string: return "string";
    case Kind::secret: return "secret";
    case Kind::boolean: return "boolean";
    case Kind::integer: return "integer";
    case Kind::octal: return "octal";
    case Kind::seconds: return "seconds";
    case Kind::path: return "path";
    case Kind::socket: return "socket";
    case Kind::action: return "action";
    case Kind::choice: return "choice";
    case Kind::list: return "list";
    case Kind::dataset: return "dataset";
  }
  return "string";
}

const OptionSpec* find_option(OptionTable table, std::string_view name) noexcept {
  for (const OptionSpec& o : table)
    if (iequals(o.name, name)) return &o;
  return nullptr;
}

Result<bool> parse_boolean(std::string_view v) {
  // opendkim looks only at the first byte; we accept the same words but reject other
  // text, so a typo cannot silently turn a security option off.
  static constexpr std::string_view kTrue[] = {"yes", "true", "on", "1", "y", "t"};
  static constexpr std::string_view kFalse[] = {"no", "false", "off", "0", "n", "f"};
  for (auto w : kTrue)
    if (iequals(v, w)) return true;
  for (auto w : kFalse)
    if (iequals(v, w)) return false;
  return fail(Errc::config, quoted(v) + " is not a boolean (yes/no, true/false, 1/0)");
}

Result<std::int64_t> parse_integer(std::string_view v, Range r) { return parse_number(v, 10, r, "an integer"); }

Result<std::int64_t> parse_octal(std::string_view v, Range r) {
  if (!v.empty() && v[0] == '-') return fail(Errc::config, quoted(v) + " is not an octal number");
  return parse_number(v, 8, r, "an octal number");
}

Result<std::int64_t> parse_seconds(std::string_view v, Range r) {
  std::int64_t unit = 1;
  std::string_view digits = v;
  if (!v.empty()) {
    switch (ascii_lower(v.back())) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 86400; break;
      default: unit = 0; break;
    }
    if (unit != 0)
      digits.remove_suffix(1);
    else
      unit = 1;
  }
  auto n = parse_number(digits, 10, Range{}, "a duration (N, Ns, Nm, Nh, Nd)");
  if (!n) return fail(Errc::config, quoted(v) + " is not a duration (N, Ns, Nm, Nh, Nd)");
  if (*n < 0) return fail(Errc::config, quoted(v) + " is negative");
  if (*n > std::numeric_limits<std::int64_t>::max() / unit) return fail(Errc::config, quoted(v) + " is out of range");
  return check_range(*n * unit, v, r);
}

Result<Action> parse_action(std::string_view v) {
  static constexpr Action kAll[] = {Action::accept, Action::discard, Action::quarantine, Action::reject,
                                    Action::tempfail};
  for (Action a : kAll) {
    const std::string_view word = to_string(a);
    if (iequals(v, word) || (v.size() == 1 && ascii_lower(v[0]) == word[0])) return a;
  }
  return fail(Errc::config, quoted(v) + " is not an action (accept, discard, quarantine, reject, tempfail)");
}

Result<std::string> parse_choice(std::string_view v, Choices c) {
  for (std::string_view alt : split(c.alternatives, '|'))
    if (!alt.empty() && iequals(v, alt)) return std::string(alt);
  std::string list(c.alternatives);
  for (char& ch : list)
    if (ch == '|') ch = ',';
  return fail(Errc::config, quoted(v) + " is not one of " + list);
}

std::vector<std::string> parse_list(std::string_view v) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < v.size()) {
    const auto start = v.find_first_not_of(", \t", i);
    if (start == std::string_view::npos) break;
    auto end = v.find_first_of(", \t", start);
    if (end == std::string_view::npos) end = v.size();
    out.emplace_back(v.substr(start, end - start));
    i = end;
  }
  return out;
}

Result<void> check_value(const OptionSpec& o, std::string_view v) {
  auto as_void = [](const auto& r) -> Result<void> {
    if (!r) return fail(r.error().code, r.error().detail);
    return {};
  };
  switch (o.kind) {
    case Kind::string: return {};
    case Kind::secret: return {};
    case Kind::list: return {};
    case Kind::boolean: return as_void(parse_boolean(v));
    case Kind::integer: return as_void(parse_integer(v, o.range));
    case Kind::octal: return as_void(parse_octal(v, o.range));
    case Kind::seconds: return as_void(parse_seconds(v, o.range));
    case Kind::action: return as_void(parse_action(v));
    case Kind::choice: return as_void(parse_choice(v, o.choices));
    case Kind::path:
      if (v.empty()) return fail(Errc::config, "empty path");
      return {};
    case Kind::socket: return as_void(daemon::parse_socket_spec(v));
    case Kind::dataset: return as_void(parse_dataset_spec(v));
  }
  return {};
}

std::vector<std::string> validate_table(OptionTable table) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < table.size(); ++i) {
    const OptionSpec& o = table[i];
    const std::string name(o.name);
    if (o.name.empty()) out.push_back("option #" + std::to_string(i) + " has no name");
    for (char c : o.name) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '_' || c == '.';
      if (!ok) {
        out.push_back(name + ": name has a character the parser cannot read");
        break;
      }
    }
    for (std::size_t j = 0; j < i; ++j)
      if (iequals(table[j].name, o.name)) out.push_back(name + ": declared twice");
    if (o.kind == Kind::choice && o.choices.alternatives.empty()) out.push_back(name + ": choice without alternatives");
    if (o.range.min > o.range.max) out.push_back(name + ": empty range");
    if (!o.default_value.empty() && o.support == Support::implemented) {
      if (auto r = check_value(o, o.default_value); !r) out.push_back(name + ": default " + r.error().detail);
    }
  }
  return out;
}

}  // namespace cachet::config

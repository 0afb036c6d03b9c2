// SPDX-License-Identifier: BSD-2-Clause
// common/config/config.cpp: the Config snapshot and its getters; see config.hpp.
#include "common/config/config.hpp"

#include <stdexcept>
#include <utility>

#include "common/base/strings.hpp"

namespace cachet::config {
namespace {

// The typed form of an already validated text; 0 for kinds without a number.
std::int64_t number_of(const OptionSpec& spec, std::string_view text) {
  auto pick = [](const auto& r) -> std::int64_t { return r ? static_cast<std::int64_t>(*r) : 0; };
  switch (spec.kind) {
    case Kind::boolean: return pick(parse_boolean(text));
    case Kind::integer: return pick(parse_integer(text, spec.range));
    case Kind::octal: return pick(parse_octal(text, spec.range));
    case Kind::seconds: return pick(parse_seconds(text, spec.range));
    case Kind::action: return pick(parse_action(text));
    default: return 0;
  }
}

}  // namespace

std::string SourceLocation::to_string() const { return line == 0 ? file : file + ":" + std::to_string(line); }

std::string Problem::to_string() const {
  std::string out = SourceLocation{file, line}.to_string();
  if (!out.empty()) out += ": ";
  if (!option.empty()) out += option + ": ";
  out += message;
  if (!fix.empty()) out += "; fix: " + fix;
  return out;
}

Config::Config(OptionTable table, std::vector<Value> values, std::string source)
    : table_(table), values_(std::move(values)), source_(std::move(source)) {
  values_.resize(table_.size());
  for (std::size_t i = 0; i < table_.size(); ++i) {
    const OptionSpec& spec = table_[i];
    Value& v = values_[i];
    if (!v.is_set) {
      v.text = std::string(spec.default_value);
      v.items = parse_list(v.text);
      v.origin = SourceLocation{};
    }
    if (spec.kind != Kind::list) v.items.clear();
    v.number = number_of(spec, v.text);
  }
}

const Config::Value& Config::get(std::string_view name, std::initializer_list<Kind> kinds) const {
  const OptionSpec* spec = find_option(table_, name);
  if (spec == nullptr) throw std::logic_error("config: option '" + std::string(name) + "' is not in the table");
  bool kind_ok = kinds.size() == 0;
  for (Kind k : kinds) kind_ok = kind_ok || k == spec->kind;
  if (!kind_ok)
    throw std::logic_error("config: option '" + std::string(name) + "' is of kind " + to_string(spec->kind));
  return values_[static_cast<std::size_t>(spec - table_.data())];
}

const std::string& Config::string(std::string_view name) const { return get(name, {}).text; }

bool Config::boolean(std::string_view name) const { return get(name, {Kind::boolean}).number != 0; }

std::int64_t Config::integer(std::string_view name) const { return get(name, {Kind::integer, Kind::octal}).number; }

std::chrono::seconds Config::seconds(std::string_view name) const {
  return std::chrono::seconds(get(name, {Kind::seconds}).number);
}

Action Config::action(std::string_view name) const { return static_cast<Action>(get(name, {Kind::action}).number); }

const std::vector<std::string>& Config::list(std::string_view name) const { return get(name, {Kind::list}).items; }

bool Config::has_option(std::string_view name) const noexcept { return find_option(table_, name) != nullptr; }

bool Config::is_set(std::string_view name) const { return get(name, {}).is_set; }

std::optional<SourceLocation> Config::origin(std::string_view name) const {
  const Value& v = get(name, {});
  if (!v.is_set) return std::nullopt;
  return v.origin;
}

Problem problem_at(const Config& cfg, std::string_view option, std::string message, std::string fix,
                   Severity severity) {
  SourceLocation at{cfg.source(), 0};
  if (cfg.has_option(option))
    if (auto o = cfg.origin(option)) at = *o;
  return Problem{at.file, at.line, std::string(option), std::move(message), severity, std::move(fix)};
}

namespace {

// Splits "OPTION: message; fix: FIX" into message and fix.
std::pair<std::string, std::string> message_and_fix(std::string_view option, std::string_view detail) {
  const std::string prefix = std::string(option) + ": ";
  if (detail.size() > prefix.size() && iequals(detail.substr(0, prefix.size()), prefix))
    detail.remove_prefix(prefix.size());
  constexpr std::string_view kFix = "; fix: ";
  const auto at = detail.rfind(kFix);
  if (at == std::string_view::npos) return {std::string(detail), {}};
  return {std::string(detail.substr(0, at)), std::string(detail.substr(at + kFix.size()))};
}

}  // namespace

Problem problem_from(const Config& cfg, std::string_view option, const Error& e) {
  auto [message, fix] = message_and_fix(option, e.detail);
  return problem_at(cfg, option, std::move(message), std::move(fix));
}

Problem problem_from(const Config& cfg, const Error& e) {
  const std::string_view d = e.detail;
  const std::string_view head = d.substr(0, d.find(": "));
  return problem_from(cfg, head.size() < d.size() && cfg.has_option(head) ? head : "", e);
}

Problem problem_in_file(std::string file, std::size_t line, std::string_view option, const Error& e) {
  auto [message, fix] = message_and_fix(option, e.detail);
  return Problem{std::move(file), line, std::string(option), std::move(message), Severity::error, std::move(fix)};
}

std::string Config::effective() const {
  std::string out;
  for (std::size_t i = 0; i < table_.size(); ++i) {
    const OptionSpec& spec = table_[i];
    const Value& v = values_[i];
    if (spec.support == Support::obsolete) continue;
    if (v.text.empty()) {
      out += "# " + std::string(spec.name) + " (not set)\n";
      continue;
    }
    const std::string shown = spec.kind == Kind::secret ? "********" : v.text;
    // A value that starts with '=' would read back as the "Name = value" dialect: write it
    // in that form, so what --check-config prints reads back as it was meant.
    out += std::string(spec.name) + (shown.front() == '=' ? " = " : " ") + shown;
    out += "  # " + (v.is_set ? v.origin.to_string() : std::string("default"));
    if (spec.support == Support::accepted_no_effect) out += ", no effect";
    out += '\n';
  }
  return out;
}

}  // namespace cachet::config

// SPDX-License-Identifier: BSD-2-Clause
//
// tools/cachetctl/args.cpp: Getopt::Long-style option reader (args.hpp).
#include "tools/cachetctl/args.hpp"

#include <optional>

namespace cachet::ctl {

namespace {

const OptionDef* find_short(std::span<const OptionDef> defs, char c) {
  for (const OptionDef& d : defs)
    if (d.short_name != '\0' && d.short_name == c) return &d;
  return nullptr;
}

const OptionDef* find_long(std::span<const OptionDef> defs, std::string_view name) {
  for (const OptionDef& d : defs)
    if (!d.long_name.empty() && d.long_name == name) return &d;
  return nullptr;
}

// "--name", "--name=value", "--noname", "--no-name". `i` may advance past a value.
Result<void> read_long(const std::vector<std::string>& args, std::size_t& i, std::span<const OptionDef> defs,
                       ParsedArgs& out) {
  std::string_view body = std::string_view(args[i]).substr(2);
  std::string_view name = body;
  std::optional<std::string> inline_value;
  if (const auto eq = body.find('='); eq != std::string_view::npos) {
    name = body.substr(0, eq);
    inline_value = std::string(body.substr(eq + 1));
  }
  bool is_negated = false;
  const OptionDef* def = find_long(defs, name);
  if (def == nullptr && name.starts_with("no")) {
    std::string_view base = name.substr(name.starts_with("no-") ? 3 : 2);
    def = find_long(defs, base);
    if (def == nullptr || !def->is_negatable) return fail(Errc::config, "unknown option --" + std::string(name));
    is_negated = true;
  }
  if (def == nullptr) return fail(Errc::config, "unknown option --" + std::string(name));
  if (!def->takes_value || is_negated) {
    if (inline_value) return fail(Errc::config, "option --" + std::string(name) + " takes no value");
    out.options.push_back({def->id, {}, is_negated});
    return {};
  }
  if (inline_value) {
    out.options.push_back({def->id, *inline_value, false});
    return {};
  }
  if (i + 1 >= args.size()) return fail(Errc::config, "option --" + std::string(name) + " needs a value");
  out.options.push_back({def->id, args[++i], false});
  return {};
}

// "-rt", "-b2048", "-b 2048".
Result<void> read_short(const std::vector<std::string>& args, std::size_t& i, std::span<const OptionDef> defs,
                        ParsedArgs& out) {
  const std::string& arg = args[i];
  for (std::size_t k = 1; k < arg.size(); ++k) {
    const OptionDef* def = find_short(defs, arg[k]);
    if (def == nullptr) return fail(Errc::config, std::string("unknown option -") + arg[k]);
    if (!def->takes_value) {
      out.options.push_back({def->id, {}, false});
      continue;
    }
    if (k + 1 < arg.size()) {
      out.options.push_back({def->id, arg.substr(k + 1), false});
    } else if (i + 1 < args.size()) {
      out.options.push_back({def->id, args[++i], false});
    } else {
      return fail(Errc::config, std::string("option -") + arg[k] + " needs a value");
    }
    return {};
  }
  return {};
}

}  // namespace

Result<ParsedArgs> parse_args(const std::vector<std::string>& args, std::span<const OptionDef> defs) {
  ParsedArgs out;
  bool options_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_done || arg.size() < 2 || arg[0] != '-') {
      out.operands.push_back(arg);  // "-" alone is an operand (stdin)
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    auto r = arg[1] == '-' ? read_long(args, i, defs, out) : read_short(args, i, defs, out);
    if (!r) return fail(r.error().code, r.error().detail);
  }
  return out;
}

std::vector<std::string> to_strings(std::span<char* const> args) {
  return std::vector<std::string>(args.begin(), args.end());
}

}  // namespace cachet::ctl

// SPDX-License-Identifier: BSD-2-Clause
// common/daemon/cli.cpp: the command-line parser; see cli.hpp.
#include "common/daemon/cli.hpp"

#include "common/config/suggest.hpp"

namespace cachet::daemon {
namespace {

enum class Opt { config, socket, user, pid_file, foreground, check, print, syslog, version, help, dump };

struct OptDef {
  char short_name;  // '\0' = long only; 'C' is replaced by the daemon's config letter
  std::string_view long_name;
  Opt opt;
  bool takes_arg;
};

constexpr OptDef kOpts[] = {
    {'C', "config", Opt::config, true},
    {'p', "socket", Opt::socket, true},
    {'u', "user", Opt::user, true},
    {'P', "pid-file", Opt::pid_file, true},
    {'f', "foreground", Opt::foreground, false},
    {'n', "check-config", Opt::check, false},
    {'\0', "print-config", Opt::print, false},
    {'l', "syslog", Opt::syslog, false},
    {'V', "version", Opt::version, false},
    {'h', "help", Opt::help, false},
    {'\0', "dump-options", Opt::dump, false},
};

const OptDef* find_short(const CliSpec& spec, char c) {
  for (const OptDef& d : kOpts) {
    const char letter = d.short_name == 'C' ? spec.config_flag : d.short_name;
    if (letter != '\0' && letter == c) return &d;
  }
  return nullptr;
}

const OptDef* find_long(std::string_view name) {
  for (const OptDef& d : kOpts)
    if (d.long_name == name) return &d;
  return nullptr;
}

// "; did you mean --check-config?" for a long option within two edits of a known one.
std::string near_long(std::string_view name) {
  std::string_view best;
  std::size_t best_distance = config::kMaxSuggestEdits + 1;
  for (const OptDef& d : kOpts) {
    if (d.opt == Opt::dump) continue;  // hidden
    const std::size_t dist = config::edit_distance(name, d.long_name);
    if (dist < best_distance) {
      best = d.long_name;
      best_distance = dist;
    }
  }
  return best.empty() ? std::string() : "; did you mean --" + std::string(best) + "?";
}

Result<void> apply(CommandLine& cl, Opt opt, std::string value) {
  switch (opt) {
    case Opt::config:
      if (cl.config_path) return fail(Errc::config, "configuration file given twice");
      cl.config_path = std::move(value);
      break;
    case Opt::socket: cl.socket = std::move(value); break;
    case Opt::user: cl.user = std::move(value); break;
    case Opt::pid_file: cl.pid_file = std::move(value); break;
    case Opt::foreground: cl.foreground = true; break;
    case Opt::check: cl.check_only = true; break;
    case Opt::print: cl.check_only = cl.print_config = true; break;
    case Opt::syslog: cl.syslog = true; break;
    case Opt::version: cl.version = true; break;
    case Opt::help: cl.help = true; break;
    case Opt::dump: cl.dump_options = true; break;
  }
  return {};
}

}  // namespace

Result<CommandLine> parse_command_line(const CliSpec& spec, std::span<const std::string_view> args) {
  CommandLine cl;
  bool options_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    auto next_arg = [&](std::string_view shown) -> Result<std::string> {
      if (i + 1 >= args.size()) return fail(Errc::config, "option " + std::string(shown) + " needs an argument");
      return std::string(args[++i]);
    };
    Result<void> applied;
    if (options_done || arg.size() < 2 || arg[0] != '-') {
      if (!spec.positional_config) return fail(Errc::config, "unexpected argument '" + std::string(arg) + "'");
      applied = apply(cl, Opt::config, std::string(arg));
    } else if (arg == "--") {
      options_done = true;
      continue;
    } else if (arg.starts_with("--")) {
      const auto eq = arg.find('=');
      const std::string_view name = arg.substr(2, eq == std::string_view::npos ? eq : eq - 2);
      const OptDef* d = find_long(name);
      if (d == nullptr) return fail(Errc::config, "unknown option '--" + std::string(name) + "'" + near_long(name));
      std::string value;
      if (d->takes_arg) {
        if (eq != std::string_view::npos) {
          value = std::string(arg.substr(eq + 1));
        } else {
          auto v = next_arg(arg);
          if (!v) return fail(v.error().code, v.error().detail);
          value = std::move(*v);
        }
      } else if (eq != std::string_view::npos) {
        return fail(Errc::config, "option '--" + std::string(name) + "' takes no argument");
      }
      applied = apply(cl, d->opt, std::move(value));
    } else {
      for (std::size_t k = 1; k < arg.size(); ++k) {
        const OptDef* d = find_short(spec, arg[k]);
        if (d == nullptr) return fail(Errc::config, "unknown option '-" + std::string(1, arg[k]) + "'");
        std::string value;
        if (d->takes_arg) {
          if (k + 1 < arg.size()) {
            value = std::string(arg.substr(k + 1));
          } else {
            auto v = next_arg("-" + std::string(1, arg[k]));
            if (!v) return fail(v.error().code, v.error().detail);
            value = std::move(*v);
          }
          k = arg.size();
        }
        applied = apply(cl, d->opt, std::move(value));
        if (!applied) break;
      }
    }
    if (!applied) return fail(applied.error().code, applied.error().detail);
  }
  return cl;
}

std::string usage(const CliSpec& spec) {
  const std::string c(1, spec.config_flag);
  std::string out =
      "usage: " + std::string(spec.program) + " [-fnlV] [-" + c + " config] [-p socket] [-u user[:group]] [-P pidfile]";
  if (spec.positional_config) out += " [config]";
  out +=
      "\n"
      "  -" +
      c +
      ", --config FILE    configuration file\n"
      "  -f, --foreground     stay in the foreground and log to stderr\n"
      "  -p, --socket SPEC    listen on SPEC (overrides Socket)\n"
      "  -u, --user U[:G]     run as user U, group G (overrides UserID)\n"
      "  -P, --pid-file FILE  write the process id to FILE (overrides PidFile)\n"
      "  -n, --check-config   check the configuration, list every problem, exit 0 or 78\n"
      "      --print-config   as --check-config, then print the effective configuration\n"
      "  -l, --syslog         log to syslog (overrides Syslog)\n"
      "  -V, --version        print the version and exit\n"
      "  -h, --help           print this help and exit\n";
  return out;
}

namespace {

const char* support_name(config::Support s) noexcept {
  switch (s) {
    case config::Support::implemented: return "implemented";
    case config::Support::accepted_no_effect: return "accepted_no_effect";
    case config::Support::obsolete: return "obsolete";
  }
  return "implemented";
}

// One field of a tab-separated line: tabs and line breaks would split it.
std::string field(std::string_view v) {
  std::string out(v);
  for (char& c : out)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return out;
}

}  // namespace

std::string dump_options(config::OptionTable table) {
  std::string out;
  for (const config::OptionSpec& o : table) {
    out += field(o.name) + '\t' + config::to_string(o.kind) + '\t' + field(o.default_value) + '\t' +
           support_name(o.support) + '\t' + field(o.doc) + '\n';
  }
  return out;
}

std::vector<config::Override> cli_overrides(const CommandLine& cli, config::OptionTable table) {
  std::vector<config::Override> out;
  if (cli.socket) out.push_back({"Socket", *cli.socket});
  if (cli.user) out.push_back({"UserID", *cli.user});
  if (cli.pid_file) out.push_back({"PidFile", *cli.pid_file});
  if (cli.syslog && config::find_option(table, "Syslog") != nullptr) out.push_back({"Syslog", "yes"});
  if (cli.foreground && config::find_option(table, "Background") != nullptr) out.push_back({"Background", "no"});
  return out;
}

}  // namespace cachet::daemon

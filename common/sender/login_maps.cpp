// SPDX-License-Identifier: BSD-2-Clause
// common/sender/login_maps.cpp: loading and searching the sender login maps (login_maps.hpp).
#include "common/sender/login_maps.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <climits>

#include "common/base/strings.hpp"

namespace cachet::sender {
namespace {

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += sep;
    out += i;
  }
  return out;
}

Result<postfix::LocalFacts> read_facts(const MapsSettings& s, const tables::FileReader& reader,
                                       std::string& maps_from_main_cf, std::vector<tables::FileStamp>& stamps) {
  postfix::MainCf cf;
  if (!s.main_cf.empty()) {
    auto content = reader(s.main_cf);
    if (!content) return Unexpected<Error>(std::move(content).error());
    if (content->bytes.size() > postfix::kMaxMainCfBytes)
      return fail(Errc::config, s.main_cf + ": larger than " + std::to_string(postfix::kMaxMainCfBytes) + " bytes");
    auto parsed = postfix::parse_main_cf(content->bytes, s.main_cf);
    if (!parsed) return Unexpected<Error>(std::move(parsed).error());
    cf = std::move(*parsed);
    stamps.push_back(content->stamp);
    auto maps = cf.expand("smtpd_sender_login_maps");
    if (!maps) return Unexpected<Error>(std::move(maps).error());
    maps_from_main_cf = std::move(*maps);
  }
  auto facts = postfix::local_facts(std::move(cf), s.system_hostname);
  if (!facts) return Unexpected<Error>(std::move(facts).error());
  for (const auto& d : s.local_domains) facts->domains.push_back(to_lower(d));
  if (!s.recipient_delimiter.empty()) facts->recipient_delimiter = s.recipient_delimiter;
  return facts;
}

}  // namespace

std::vector<config::Problem> validate_maps_options(const config::Config& cfg) {
  std::vector<config::Problem> problems;
  if (cfg.boolean("AllowAliasOwners") && cfg.list("AliasMaps").empty()) {
    const auto at = cfg.origin("AllowAliasOwners").value_or(config::SourceLocation{});
    problems.push_back(
        config::Problem{at.file, at.line, "AllowAliasOwners", "needs AliasMaps (the aliases files to read)"});
  }
  if (cfg.string("SenderLoginMaps").empty() && iequals(cfg.string("PostfixMainCf"), "none"))
    problems.push_back(config::Problem{"", 0, "SenderLoginMaps",
                                       "set SenderLoginMaps or PostfixMainCf (where "
                                       "smtpd_sender_login_maps is read)"});
  return problems;
}

MapsSettings settings_from(const config::Config& cfg, std::string hostname) {
  MapsSettings s;
  s.login_maps = cfg.string("SenderLoginMaps");
  s.main_cf = cfg.string("PostfixMainCf");
  if (iequals(s.main_cf, "none")) s.main_cf.clear();
  s.local_domains = cfg.list("LocalDomains");
  s.recipient_delimiter = cfg.string("RecipientDelimiter");
  s.alias_files = cfg.list("AliasMaps");
  s.allow_alias_owners = cfg.boolean("AllowAliasOwners");
  s.strict = cfg.boolean("StrictMaps");
  s.system_hostname = std::move(hostname);
  return s;
}

Result<std::shared_ptr<const SenderMaps>> SenderMaps::load(const MapsSettings& settings,
                                                           const tables::FileReader& reader,
                                                           std::vector<std::string>& warnings) {
  auto maps = std::make_shared<SenderMaps>();
  std::string from_main_cf;
  auto facts = read_facts(settings, reader, from_main_cf, maps->stamps_);
  if (!facts) return Unexpected<Error>(std::move(facts).error());
  maps->facts_ = std::move(*facts);
  for (const auto& u : maps->facts_.unresolved)
    warnings.push_back(settings.main_cf + ": " + u +
                       ": not evaluated (LIMITATION); list such "
                       "domains in LocalDomains");
  maps->login_maps_ = settings.login_maps.empty() ? from_main_cf : settings.login_maps;
  if (trim(maps->login_maps_).empty())
    return fail(Errc::config,
                "no sender login maps: set SenderLoginMaps, or "
                "smtpd_sender_login_maps in " +
                    (settings.main_cf.empty() ? "PostfixMainCf" : settings.main_cf));
  tables::LoadOptions options;
  options.strict = settings.strict;
  auto tables = tables::TableList::open(maps->login_maps_, reader, options);
  if (!tables) return Unexpected<Error>(std::move(tables).error());
  maps->tables_ = std::move(*tables);
  for (const auto& t : maps->tables_.tables())
    for (const auto& w : t->warnings()) warnings.push_back(w);
  maps->myorigin_ = maps->facts_.myorigin;
  maps->query_.recipient_delimiter = maps->facts_.recipient_delimiter;
  const postfix::LocalFacts* f = &maps->facts_;
  maps->query_.is_local_domain = [f](std::string_view d) { return postfix::is_local(*f, d); };
  if (settings.allow_alias_owners) {
    for (const auto& file : settings.alias_files) {
      auto content = reader(file);
      if (!content) return Unexpected<Error>(std::move(content).error());
      auto aliases = parse_aliases(content->bytes, file);
      if (!aliases) return Unexpected<Error>(std::move(aliases).error());
      for (const auto& w : aliases->warnings()) warnings.push_back(w);
      maps->stamps_.push_back(content->stamp);
      maps->aliases_.push_back(std::move(*aliases));
    }
  }
  return std::shared_ptr<const SenderMaps>(std::move(maps));
}

std::vector<SenderMaps::CheckProblem> SenderMaps::check(const MapsSettings& settings, const tables::FileReader& reader,
                                                        std::vector<std::string>& warnings) {
  using Source = CheckProblem::Source;
  auto loaded = load(settings, reader, warnings);
  if (loaded) return {};
  std::vector<CheckProblem> errors;
  std::string from_main_cf;
  std::vector<tables::FileStamp> stamps;
  auto facts = read_facts(settings, reader, from_main_cf, stamps);
  const std::string list = settings.login_maps.empty() ? from_main_cf : settings.login_maps;
  auto specs = tables::parse_table_list(list);
  if (facts && specs) {
    tables::LoadOptions options;
    options.strict = settings.strict;
    for (const tables::TableSpec& spec : *specs)
      if (auto t = tables::open_table(spec, reader, options); !t)
        errors.push_back({Source::login_maps, t.error().detail});
    for (const auto& file : settings.allow_alias_owners ? settings.alias_files : std::vector<std::string>{}) {
      auto content = reader(file);
      if (!content)
        errors.push_back({Source::aliases, content.error().detail});
      else if (auto a = parse_aliases(content->bytes, file); !a)
        errors.push_back({Source::aliases, a.error().detail});
    }
  }
  // load()'s own error comes first unless the walk above already named it.
  const std::string& first = loaded.error().detail;
  if (std::none_of(errors.begin(), errors.end(), [&](const CheckProblem& e) {
        // TableList::open names the table before the detail: "pcre:/x: /x:3: ..."
        return first == e.detail ||
               (first.size() > e.detail.size() + 2 &&
                first.compare(first.size() - e.detail.size() - 2, std::string::npos, ": " + e.detail) == 0);
      })) {
    const bool is_main_cf = !settings.main_cf.empty() && first.rfind(settings.main_cf + ":", 0) == 0;
    const bool is_alias = std::any_of(settings.alias_files.begin(), settings.alias_files.end(),
                                      [&](const std::string& f) { return first.rfind(f + ":", 0) == 0; });
    errors.insert(errors.begin(), {is_main_cf ? Source::main_cf
                                   : is_alias ? Source::aliases
                                              : Source::login_maps,
                                   first});
  }
  return errors;
}

namespace {

// "path:12: rest" -> {path, 12, rest}; "path: rest" -> {path, 0, rest}; else {"", 0, detail}.
struct Located {
  std::string file;
  std::size_t line = 0;
  std::string rest;
};
Located locate(std::string_view detail) {
  if (detail.empty() || detail.front() != '/') return {"", 0, std::string(detail)};
  const std::size_t colon = detail.find(": ");
  if (colon == std::string_view::npos) return {"", 0, std::string(detail)};
  std::string_view head = detail.substr(0, colon);
  const std::string rest(detail.substr(colon + 2));
  const std::size_t last = head.rfind(':');
  if (last != std::string_view::npos) {
    std::size_t line = 0;
    const std::string_view digits = head.substr(last + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), line);
    if (ec == std::errc() && end == digits.data() + digits.size() && !digits.empty())
      return {std::string(head.substr(0, last)), line, rest};
  }
  return {std::string(head), 0, rest};
}

}  // namespace

std::vector<config::Problem> check_maps_files(const config::Config& cfg, const MapsSettings& settings,
                                              const tables::FileReader& reader) {
  using Source = SenderMaps::CheckProblem::Source;
  std::vector<config::Problem> problems;
  std::vector<std::string> warnings;
  const auto errors = SenderMaps::check(settings, reader, warnings);
  // Where the maps were named: SenderLoginMaps in the daemon's file, else main.cf's
  // smtpd_sender_login_maps line (found again for its line number).
  const bool maps_in_main_cf = settings.login_maps.empty() && !settings.main_cf.empty();
  config::SourceLocation maps_at;
  if (maps_in_main_cf)
    if (auto content = reader(settings.main_cf))
      if (auto cf = postfix::parse_main_cf(content->bytes, settings.main_cf)) {
        const std::string o = cf->origin("smtpd_sender_login_maps");
        const Located l = locate(o + ": x");
        maps_at = l.line != 0 ? config::SourceLocation{l.file, l.line} : config::SourceLocation{settings.main_cf, 0};
      }
  const std::string maps_option = maps_in_main_cf ? "smtpd_sender_login_maps" : "SenderLoginMaps";
  auto at_option = [&](std::string_view option, std::string message, std::string fix, config::Severity severity) {
    if (option == "smtpd_sender_login_maps")
      return config::Problem{maps_at.file,       maps_at.line, std::string(option),
                             std::move(message), severity,     std::move(fix)};
    return config::problem_at(cfg, option, std::move(message), std::move(fix), severity);
  };
  auto add = [&](Source source, const std::string& detail, config::Severity severity) {
    const bool is_error = severity == config::Severity::error;
    const std::string option = source == Source::main_cf   ? "PostfixMainCf"
                               : source == Source::aliases ? "AliasMaps"
                                                           : maps_option;
    const Located l = locate(detail);
    if (l.line != 0) {  // a line of a file
      const std::string fix =
          !is_error ? std::string()
          : source == Source::main_cf
              ? "correct line " + std::to_string(l.line) + " of " + l.file + " (postconf -n shows how Postfix reads it)"
          : source == Source::aliases ? "correct line " + std::to_string(l.line) + " of " + l.file
                                      : "correct line " + std::to_string(l.line) + " of " + l.file +
                                            " (StrictMaps no skips such a line with a warning, as Postfix does)";
      problems.push_back(config::Problem{l.file, l.line, option, l.rest, severity, fix});
      return;
    }
    std::string fix;
    if (is_error && source == Source::main_cf)
      fix = "point PostfixMainCf at Postfix's main.cf, or set SenderLoginMaps (then main.cf is not read)";
    else if (is_error && source == Source::aliases)
      fix = "correct the path in AliasMaps, or create the file";
    else if (is_error && !l.file.empty())
      fix = "correct the path in " + option + ", or create " + l.file;
    else if (is_error && detail.rfind("no sender login maps", 0) == 0)
      fix = "set SenderLoginMaps, or smtpd_sender_login_maps in " +
            (settings.main_cf.empty() ? std::string("PostfixMainCf's main.cf") : settings.main_cf);
    else if (is_error)
      fix = "correct " + option + " (cachet-sender(8) lists the table types)";
    problems.push_back(at_option(source == Source::login_maps ? maps_option : option, detail, fix, severity));
  };
  for (const auto& w : warnings) {
    const bool is_main_cf = !settings.main_cf.empty() && w.rfind(settings.main_cf + ":", 0) == 0;
    add(is_main_cf ? Source::main_cf : Source::login_maps, w, config::Severity::warning);
  }
  for (const auto& e : errors) add(e.source, e.detail, config::Severity::error);
  return problems;
}

Result<std::vector<Owners>> SenderMaps::lookup(std::string_view sender) const {
  std::string address(sender);
  if (address.find('@') == std::string::npos && !myorigin_.empty()) address += "@" + myorigin_;
  std::vector<Owners> out;
  auto found = tables_.find_address(address, query_);
  if (!found) return Unexpected<Error>(std::move(found).error());
  if (found->has_value()) out.push_back(Owners{(*found)->match.value, (*found)->match.source, (*found)->match.rule});
  for (Owners& o : alias_owners(address)) out.push_back(std::move(o));
  return out;
}

// aliases(5) names are local parts of local domains; the members own the alias. A member
// written as user@<local domain> also counts as the login `user`.
std::vector<Owners> SenderMaps::alias_owners(std::string_view address) const {
  std::vector<Owners> out;
  if (aliases_.empty()) return out;
  const std::size_t at = address.rfind('@');
  if (at == std::string_view::npos || !postfix::is_local(facts_, address.substr(at + 1))) return out;
  const std::string_view local = address.substr(0, at);
  const std::optional<std::string> bare = tables::strip_extension(local, query_);
  for (const Aliases& a : aliases_) {
    const AliasEntry* e = a.find(local);
    if (!e && bare) e = a.find(*bare);
    if (!e) continue;
    std::vector<std::string> owners;
    for (const std::string& m : e->members) {
      owners.push_back(m);
      const std::size_t mat = m.rfind('@');
      if (mat != std::string::npos && postfix::is_local(facts_, std::string_view(m).substr(mat + 1)))
        owners.push_back(m.substr(0, mat));
    }
    out.push_back(Owners{join(owners, ", "), a.file_name() + ":" + std::to_string(e->line),
                         std::string(local) + ": " + join(e->members, ", ")});
  }
  return out;
}

bool SenderMaps::changed_on_disk() const {
  if (tables_.changed_on_disk()) return true;
  for (const auto& old : stamps_) {
    auto now = tables::stamp_file(old.path);
    if (!now || !(*now == old)) return true;
  }
  return false;
}

std::string system_hostname() {
  char buf[HOST_NAME_MAX + 1] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

}  // namespace cachet::sender

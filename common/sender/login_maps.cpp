// SPDX-License-Identifier: BSD-2-Clause
// common/sender/login_maps.cpp: loading and searching the sender login maps (login_maps.hpp).
#include "common/sender/login_maps.hpp"

#include <unistd.h>

#include <algorithm>
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

std::vector<std::string> SenderMaps::check(const MapsSettings& settings, const tables::FileReader& reader,
                                           std::vector<std::string>& warnings) {
  auto loaded = load(settings, reader, warnings);
  if (loaded) return {};
  std::vector<std::string> errors;
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
        errors.push_back(spec.text() + ": " + t.error().detail);
    for (const auto& file : settings.allow_alias_owners ? settings.alias_files : std::vector<std::string>{}) {
      auto content = reader(file);
      if (!content)
        errors.push_back(content.error().detail);
      else if (auto a = parse_aliases(content->bytes, file); !a)
        errors.push_back(a.error().detail);
    }
  }
  // load()'s own error comes first unless the walk above already named it.
  if (std::find(errors.begin(), errors.end(), loaded.error().detail) == errors.end())
    errors.insert(errors.begin(), loaded.error().detail);
  return errors;
}

std::vector<config::Problem> check_maps_files(const MapsSettings& settings, const tables::FileReader& reader) {
  std::vector<config::Problem> problems;
  std::vector<std::string> warnings;
  auto errors = SenderMaps::check(settings, reader, warnings);
  for (auto& w : warnings) problems.push_back(config::Problem{"", 0, "", std::move(w), config::Severity::warning});
  for (auto& e : errors) problems.push_back(config::Problem{"", 0, "", std::move(e)});
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

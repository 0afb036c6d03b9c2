// SPDX-License-Identifier: BSD-2-Clause
// common/postfix/main_cf.cpp: main.cf reading and $name expansion (main_cf.hpp).
#include "common/postfix/main_cf.hpp"

#include "common/base/strings.hpp"
#include "common/tables/lines.hpp"

namespace cachet::postfix {
namespace {

bool is_name_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

std::string strip_dot_lower(std::string_view d) {
  if (!d.empty() && d.back() == '.') d.remove_suffix(1);
  return to_lower(d);
}

}  // namespace

std::optional<std::string_view> MainCf::raw(std::string_view name) const {
  const auto it = params_.find(name);
  if (it == params_.end()) return std::nullopt;
  return std::string_view(it->second.value);
}

void MainCf::set(std::string name, std::string value, std::size_t line) {
  params_[std::move(name)] = Param{std::move(value), line};
}

void MainCf::set_default(std::string name, std::string value) { defaults_[std::move(name)] = std::move(value); }

std::string MainCf::origin(std::string_view name) const {
  const auto it = params_.find(name);
  if (it == params_.end()) return "";
  return file_name + ":" + std::to_string(it->second.line);
}

Result<std::string> MainCf::expand(std::string_view name) const {
  std::string out;
  if (const auto it = params_.find(name); it != params_.end()) {
    if (auto r = expand_into(it->second.value, out, 0); !r) return Unexpected<Error>(r.error());
  } else if (const auto d = defaults_.find(name); d != defaults_.end()) {
    if (auto r = expand_into(d->second, out, 0); !r) return Unexpected<Error>(r.error());
  }
  return out;
}

Result<std::string> MainCf::expand_text(std::string_view text) const {
  std::string out;
  if (auto r = expand_into(text, out, 0); !r) return Unexpected<Error>(r.error());
  return out;
}

// One pass over text; each $reference recurses with depth + 1 (mac_expand semantics).
Result<void> MainCf::expand_into(std::string_view text, std::string& out, int depth) const {
  if (depth > kMaxExpansionDepth)
    return fail(Errc::config, file_name + ": parameter expansion nested too deeply (a loop?)");
  for (std::size_t i = 0; i < text.size();) {
    if (out.size() > kMaxExpandedBytes)
      return fail(Errc::config,
                  file_name + ": expanded value longer than " + std::to_string(kMaxExpandedBytes) + " bytes");
    const char c = text[i];
    if (c != '$' || i + 1 >= text.size()) {
      out.push_back(c);
      ++i;
      continue;
    }
    const char n = text[i + 1];
    if (n == '$') {
      out.push_back('$');
      i += 2;
      continue;
    }
    std::string_view name, cond;
    char op = 0;
    if (n == '{' || n == '(') {
      const char close = n == '{' ? '}' : ')';
      const std::size_t end = text.find(close, i + 2);
      if (end == std::string_view::npos)
        return fail(Errc::config,
                    file_name + ": unbalanced '" + std::string(1, n) + "' in \"" + std::string(text) + "\"");
      std::string_view inner = text.substr(i + 2, end - i - 2);
      const std::size_t q = inner.find_first_of("?:");
      if (q != std::string_view::npos) {
        op = inner[q];
        cond = inner.substr(q + 1);
        inner = inner.substr(0, q);
      }
      name = inner;
      i = end + 1;
    } else {
      std::size_t j = i + 1;
      while (j < text.size() && is_name_char(text[j])) ++j;
      name = text.substr(i + 1, j - i - 1);
      i = j;
    }
    if (name.empty()) {
      out.push_back('$');  // a lone '$' is kept, as Postfix warns and keeps it
      continue;
    }
    std::string value;
    if (const auto it = params_.find(name); it != params_.end()) {
      if (auto r = expand_into(it->second.value, value, depth + 1); !r) return r;
    } else if (const auto d = defaults_.find(name); d != defaults_.end()) {
      if (auto r = expand_into(d->second, value, depth + 1); !r) return r;
    }
    if (op == '?') {
      if (!value.empty())
        if (auto r = expand_into(cond, out, depth + 1); !r) return r;
    } else if (op == ':') {
      if (value.empty())
        if (auto r = expand_into(cond, out, depth + 1); !r) return r;
    } else {
      out += value;
    }
  }
  return {};
}

Result<MainCf> parse_main_cf(std::string_view text, std::string_view file_name) {
  auto lines = tables::read_logical_lines(text, file_name);
  if (!lines) return Unexpected<Error>(std::move(lines).error());
  MainCf cf;
  cf.file_name = std::string(file_name);
  for (const auto& l : lines->lines) {
    const std::string_view line = l.text;
    std::size_t j = 0;
    // Per-service parameters carry the master.cf service name, which may hold '-'
    // (policy-spf_time_limit); $name expansion takes only letters, digits and '_'.
    while (j < line.size() && (is_name_char(line[j]) || line[j] == '-')) ++j;
    const std::string_view name = line.substr(0, j);
    std::string_view rest = trim(line.substr(j));
    if (name.empty() || rest.empty() || rest[0] != '=')
      return fail(Errc::config, std::string(file_name) + ":" + std::to_string(l.line) + ": expected \"name = value\"");
    cf.set(std::string(name), std::string(trim(rest.substr(1))), l.line);
  }
  return cf;
}

std::vector<std::string> split_list(std::string_view value, bool keep_quoted) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (const char c : value) {
    if (keep_quoted && c == '"') quoted = !quoted;
    if (!quoted && (c == ',' || tables::is_table_space(c))) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

Result<LocalFacts> local_facts(MainCf cf, std::string_view system_hostname) {
  cf.set_default("myhostname", std::string(system_hostname));
  const std::string_view host = system_hostname;
  const std::size_t dot = host.find('.');
  cf.set_default("mydomain", dot == std::string_view::npos ? "localdomain" : std::string(host.substr(dot + 1)));
  cf.set_default("myorigin", "$myhostname");
  cf.set_default("mydestination", "$myhostname, localhost.$mydomain, localhost");
  cf.set_default("inet_interfaces", "all");
  LocalFacts facts;
  auto origin = cf.expand("myorigin");
  if (!origin) return Unexpected<Error>(origin.error());
  facts.myorigin = strip_dot_lower(trim(*origin));
  if (!facts.myorigin.empty()) facts.domains.push_back(facts.myorigin);
  auto dest = cf.expand("mydestination");
  if (!dest) return Unexpected<Error>(dest.error());
  for (const std::string& d : split_list(*dest)) {
    if (d.find(':') != std::string::npos || d.find('/') != std::string::npos)
      facts.unresolved.push_back("mydestination: " + d);
    else
      facts.domains.push_back(strip_dot_lower(d));
  }
  for (const char* p : {"inet_interfaces", "proxy_interfaces"}) {
    auto v = cf.expand(p);
    if (!v) return Unexpected<Error>(v.error());
    for (std::string a : split_list(*v)) {
      if (a.size() > 2 && a.front() == '[' && a.back() == ']') a = a.substr(1, a.size() - 2);
      if (iequals(a, "all"))
        continue;  // LIMITATION: [address] literals of every interface are not enumerated
      else if (iequals(a, "loopback-only"))
        facts.domains.push_back("[127.0.0.1]");
      else if (a.find_first_not_of("0123456789.:abcdefABCDEF") == std::string::npos)
        facts.domains.push_back("[" + to_lower(a) + "]");
      else
        facts.unresolved.push_back(std::string(p) + ": " + a);  // a host name
    }
  }
  auto delim = cf.expand("recipient_delimiter");
  if (!delim) return Unexpected<Error>(delim.error());
  facts.recipient_delimiter = std::string(trim(*delim));
  return facts;
}

bool is_local(const LocalFacts& facts, std::string_view domain) noexcept {
  if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
  for (const std::string& d : facts.domains)
    if (iequals(d, domain)) return true;
  return false;
}

}  // namespace cachet::postfix

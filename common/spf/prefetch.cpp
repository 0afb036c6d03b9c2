// SPDX-License-Identifier: BSD-2-Clause
// common/spf/prefetch.cpp: see prefetch.hpp.
#include "common/spf/prefetch.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <iterator>

#include "common/base/strings.hpp"
#include "common/dns/name.hpp"

namespace cachet::spf {
namespace {

using Kind = PrefetchTarget::Kind;

bool has_macro(std::string_view spec) { return spec.find('%') != std::string_view::npos; }

// True when the ip4/ip6 mechanism `t` matches the client (same family, prefix equal).
bool network_matches(const Term& t, const PrefetchClient& client) {
  const bool is_v6 = t.kind == TermKind::ip6;
  if (is_v6 != client.is_v6 || client.addr == nullptr) return false;
  std::uint8_t net[16] = {};
  const std::string text(t.value);
  if (inet_pton(is_v6 ? AF_INET6 : AF_INET, text.c_str(), net) != 1) return false;
  const int cidr = is_v6 ? t.cidr6 : t.cidr4;
  const int bits = cidr < 0 ? (is_v6 ? 128 : 32) : cidr;
  const int whole = bits / 8;
  if (std::memcmp(net, client.addr, static_cast<std::size_t>(whole)) != 0) return false;
  if (bits % 8 == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - bits % 8));
  return (net[whole] & mask) == (client.addr[whole] & mask);
}

bool is_walked(const PrefetchState& st, std::string_view domain) {
  return std::any_of(st.walked.begin(), st.walked.end(), [&](const std::string& d) { return iequals(d, domain); });
}

// The hosts of an MX answer libspf2 will look up: null MX dropped, the first kMaxMxHosts.
void add_mx_hosts(const dns::Answer& a, bool is_v6, std::vector<PrefetchTarget>& out) {
  std::size_t n = 0;
  for (const dns::Record& r : a.records) {
    if (r.value.empty() || r.value == ".") continue;  // RFC 7505 null MX
    std::string host = r.value;
    if (!to_dotted_name(host)) continue;  // the DNS layer drops it too
    if (++n > kMaxMxHosts) break;
    out.push_back({std::move(host), is_v6 ? dns::RrType::aaaa : dns::RrType::a, Kind::address});
  }
}

// Moves the wave's usable answers into state.answers, for take_prefetched().
void keep_answers(std::vector<PrefetchTarget>& wave, std::vector<dns::Answer>& answers, PrefetchState& state) {
  for (std::size_t i = 0; i < wave.size() && i < answers.size(); ++i) {
    if (dns::is_temporary(answers[i].status) || answers[i].is_invalid_name) continue;
    std::string& name = wave[i].name;
    if (!name.empty() && name.back() == '.') name.pop_back();
    for (char& c : name) c = ascii_lower(c);
    state.answers.push_back({std::move(name), wave[i].type, std::move(answers[i])});
  }
}

}  // namespace

bool to_dotted_name(std::string& name) {
  if (name.find('\\') == std::string::npos) return true;  // no escape: already dotted text
  auto dotted = dns::unescape_name(name);
  if (!dotted || dotted->find('\0') != std::string::npos) return false;
  name = std::move(*dotted);
  return true;
}

std::optional<dns::Answer> take_prefetched(PrefetchState& state, std::string_view name, dns::RrType type) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  for (auto it = state.answers.begin(); it != state.answers.end(); ++it) {
    if (it->type != type || !iequals(it->name, name)) continue;
    dns::Answer a = std::move(it->answer);
    if (it != state.answers.end() - 1) *it = std::move(state.answers.back());
    state.answers.pop_back();
    return a;
  }
  return std::nullopt;
}

const dns::Record* find_spf1_record(const std::vector<dns::Record>& records, int* count) {
  const dns::Record* found = nullptr;
  *count = 0;
  for (const dns::Record& r : records) {
    if (!is_spf1_record(r.value)) continue;
    found = &r;
    ++*count;
  }
  return found;
}

std::vector<PrefetchTarget> record_targets(const Record& record, std::string_view domain, const PrefetchClient& client,
                                           PrefetchState& state) {
  std::vector<PrefetchTarget> out;
  auto add = [&](const Term& t, dns::RrType type, Kind kind) {
    if (state.terms_left <= 0) return;
    --state.terms_left;  // a DNS term of the evaluation, fetched here or not
    const std::string_view target = t.value.empty() ? domain : std::string_view(t.value);
    if (!has_macro(target)) out.push_back({std::string(target), type, kind});
  };
  const dns::RrType addr_type = client.is_v6 ? dns::RrType::aaaa : dns::RrType::a;
  bool is_ended = false;  // "all" or a matching ip4/ip6: nothing after it is evaluated
  for (const Term& t : record.terms) {
    if (is_ended) break;
    switch (t.kind) {
      case TermKind::a: add(t, addr_type, Kind::address); break;
      case TermKind::mx: add(t, dns::RrType::mx, Kind::mx); break;
      case TermKind::include: add(t, dns::RrType::txt, Kind::record); break;
      case TermKind::exists: add(t, dns::RrType::a, Kind::exists); break;  // A for every client (s5.7)
      case TermKind::ptr:  // asked by the evaluation (a term), never fetched here
        if (state.terms_left > 0) --state.terms_left;
        break;
      case TermKind::all: is_ended = true; break;
      case TermKind::ip4:
      case TermKind::ip6: is_ended = network_matches(t, client); break;
      case TermKind::redirect:  // a modifier: followed after the mechanisms, see below
      case TermKind::exp:
      case TermKind::unknown_modifier: break;
    }
  }
  // s6.1: redirect= is followed only when no mechanism matched and there is no "all".
  if (!is_ended && !record.has_all && record.redirect_index >= 0)
    add(record.terms[static_cast<std::size_t>(record.redirect_index)], dns::RrType::txt, Kind::record);
  return out;
}

void prefetch(dns::Resolver& r, const Record& record, std::string_view domain, const PrefetchClient& client,
              PrefetchState& state, const std::function<bool()>& is_expired) {
  if (is_walked(state, domain)) return;
  state.walked.push_back(to_lower(domain));
  std::vector<PrefetchTarget> wave = record_targets(record, domain, client, state);
  std::vector<dns::Question> questions;
  std::vector<std::string> escaped;  // presentation forms the questions point into
  while (!wave.empty() && !is_expired()) {
    // One name alone gains nothing from a batch: libspf2 asks it when it gets there (an
    // include's record is then walked from get_spf). Only an MX answer's hosts must come
    // from here, or libspf2 would ask them one after another.
    if (wave.size() == 1 && wave.front().kind != Kind::mx) break;
    questions.clear();
    escaped.assign(wave.size(), std::string());  // sized before any view into it is taken
    for (std::size_t i = 0; i < wave.size(); ++i)
      questions.push_back({dns::escape_name(wave[i].name, escaped[i]), wave[i].type});
    std::vector<dns::Answer> answers = r.query_many(questions);
    ++state.waves;
    state.names += static_cast<int>(questions.size());
    std::vector<PrefetchTarget> next;
    for (std::size_t i = 0; i < wave.size() && i < answers.size(); ++i) {
      const dns::Answer& a = answers[i];
      if (a.status != dns::Status::answer) continue;
      if (wave[i].kind == Kind::mx) add_mx_hosts(a, client.is_v6, next);
      if (wave[i].kind != Kind::record || is_walked(state, wave[i].name)) continue;
      int count = 0;
      const dns::Record* found = find_spf1_record(a.records, &count);
      if (count != 1) continue;
      const auto rec = validate_spf_record(found->value);
      if (!rec) continue;
      state.walked.push_back(to_lower(wave[i].name));
      auto more = record_targets(*rec, wave[i].name, client, state);
      std::move(more.begin(), more.end(), std::back_inserter(next));
    }
    keep_answers(wave, answers, state);
    // A name asked twice in one batch is sent once (CachingResolver::query_many).
    wave = std::move(next);
  }
}

}  // namespace cachet::spf

// SPDX-License-Identifier: BSD-2-Clause
// common/metrics/domain_label.cpp: see domain_label.hpp.
#include "common/metrics/domain_label.hpp"

#include <algorithm>

#include "common/base/strings.hpp"
#include "common/mail/address.hpp"

namespace cachet::metrics {
namespace {

constexpr std::string_view kOther = "other";

// Lower case, one trailing dot dropped; empty when it is not an LDH host name.
std::string normalize(std::string_view domain) {
  if (!mail::is_ldh_domain(domain)) return {};
  if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
  return to_lower(domain);
}

}  // namespace

Result<std::vector<std::string>> parse_metrics_domains(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (const std::string& item : items) {
    const std::string d = normalize(trim(item));
    if (d.empty()) return fail(Errc::config, "'" + item + "' is not a domain name");
    out.push_back(d);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  if (out.size() > kMaxMetricsDomains)
    return fail(Errc::config, std::to_string(out.size()) + " domains: at most " + std::to_string(kMaxMetricsDomains) +
                                  " get their own label");
  return out;
}

const std::string* find_listed(const std::vector<std::string>& listed, std::string_view domain) noexcept {
  if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
  // The list is lower case and sorted: compare lower-cased bytes.
  const auto less = [](std::string_view a, std::string_view b) {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                        [](char x, char y) { return ascii_lower(x) < ascii_lower(y); });
  };
  const auto it = std::lower_bound(listed.begin(), listed.end(), domain,
                                   [&](const std::string& e, std::string_view d) { return less(e, d); });
  if (it == listed.end() || less(domain, *it)) return nullptr;
  return &*it;
}

std::string domain_label(const std::vector<std::string>& listed, std::string_view domain) {
  const std::string* hit = find_listed(listed, domain);
  return hit != nullptr ? *hit : std::string(kOther);
}

DomainCounter::DomainCounter(Registry& r, const std::string& name, const std::string& help, const std::string& label,
                             std::initializer_list<std::string_view> values)
    : family_(r.counter_family(name, help, {"domain", label})) {
  for (std::string_view v : values) values_.emplace_back(v);
}

void DomainCounter::inc(const std::vector<std::string>& listed, std::string_view domain, std::string_view value) const {
  if (listed.empty()) return;
  const std::string* hit = find_listed(listed, domain);
  const std::string_view label = hit != nullptr ? std::string_view(*hit) : kOther;
  std::size_t index = 0;
  while (index < values_.size() && values_[index] != value) ++index;  // values_.size(): other
  Counter c;
  {
    auto series = series_->lock();
    auto it = series->find(label);
    if (it == series->end()) {
      std::vector<Counter> handles;
      for (const std::string& v : values_) handles.push_back(family_.with_labels({label, v}));
      handles.push_back(family_.with_labels({label, kOther}));
      it = series->emplace(std::string(label), std::move(handles)).first;
    }
    c = it->second[index];
  }
  c.inc();
}

}  // namespace cachet::metrics

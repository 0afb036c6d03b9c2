// SPDX-License-Identifier: BSD-2-Clause
// common/metrics/metrics.cpp: see metrics.hpp.
#include "common/metrics/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <exception>
#include <map>
#include <mutex>
#include <sstream>

#include "common/base/strings.hpp"

namespace cachet::metrics {

void Counter::inc(double v) const noexcept {
  if (c_ != nullptr) c_->Increment(v);
}
void Gauge::inc(double v) const noexcept {
  if (g_ != nullptr) g_->Increment(v);
}
void Gauge::dec(double v) const noexcept {
  if (g_ != nullptr) g_->Decrement(v);
}
void Gauge::set(double v) const noexcept {
  if (g_ != nullptr) g_->Set(v);
}
void Histogram::observe(double v) const noexcept {
  if (h_ != nullptr) h_->Observe(v);
}

Counter CounterFamily::with_labels(std::initializer_list<std::string_view> values) const {
  if (f_ == nullptr) return Counter();
  prometheus::Labels labels;
  std::size_t i = 0;
  for (std::string_view v : values) {
    if (i >= names_.size()) break;
    labels.emplace(names_[i++], std::string(v));
  }
  return Counter(&f_->Add(labels));  // Family::Add is locked inside and returns the existing series
}

FixedLabelCounter::FixedLabelCounter(Registry& r, const std::string& name, const std::string& help,
                                     const std::string& label, std::initializer_list<std::string_view> values) {
  const CounterFamily f = r.counter_family(name, help, {label});
  for (std::string_view v : values) series_.emplace_back(std::string(v), f.with_labels({v}));
  other_ = f.with_labels({"other"});
}

void FixedLabelCounter::inc(std::string_view value) const noexcept {
  for (const auto& [v, c] : series_)
    if (v == value) {
      c.inc();
      return;
    }
  other_.inc();
}

namespace {

// The add_callback series, read under a lock at each scrape.
class CallbackCollector final : public prometheus::Collectable {
 public:
  struct Entry {
    std::string name, help;
    Registry::CallbackKind kind;
    std::function<double()> read;
  };
  int add(Entry e) {
    const std::lock_guard lock(mu_);
    entries_.emplace(next_id_, std::move(e));
    return next_id_++;
  }
  void remove(int id) {
    const std::lock_guard lock(mu_);
    entries_.erase(id);
  }
  std::vector<prometheus::MetricFamily> Collect() const override {
    const std::lock_guard lock(mu_);
    std::vector<prometheus::MetricFamily> out;
    for (const auto& [id, e] : entries_) {
      prometheus::MetricFamily f;
      f.name = e.name;
      f.help = e.help;
      prometheus::ClientMetric m;
      if (e.kind == Registry::CallbackKind::counter) {
        f.type = prometheus::MetricType::Counter;
        m.counter.value = e.read();
      } else {
        f.type = prometheus::MetricType::Gauge;
        m.gauge.value = e.read();
      }
      f.metric.push_back(std::move(m));
      out.push_back(std::move(f));
    }
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::map<int, Entry> entries_;
  int next_id_ = 0;
};

}  // namespace

struct Registry::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::shared_ptr<CallbackCollector> callbacks = std::make_shared<CallbackCollector>();
  std::unique_ptr<prometheus::Exposer> exposer;
};

std::shared_ptr<void> Registry::add_callback(const std::string& name, const std::string& help, CallbackKind kind,
                                             std::function<double()> read) {
  const std::shared_ptr<CallbackCollector> c = impl_->callbacks;
  const int id = c->add({name, help, kind, std::move(read)});
  return std::shared_ptr<void>(nullptr, [c, id](void*) { c->remove(id); });
}

Registry::Registry() : impl_(std::make_unique<Impl>()) {}
Registry::~Registry() = default;

CounterFamily Registry::counter_family(const std::string& name, const std::string& help,
                                       std::vector<std::string> label_names) {
  auto& f = prometheus::BuildCounter().Name(name).Help(help).Register(*impl_->registry);
  return CounterFamily(&f, std::move(label_names));
}

Counter Registry::counter(const std::string& name, const std::string& help) {
  auto& f = prometheus::BuildCounter().Name(name).Help(help).Register(*impl_->registry);
  return Counter(&f.Add({}));
}

Gauge Registry::gauge(const std::string& name, const std::string& help) {
  auto& f = prometheus::BuildGauge().Name(name).Help(help).Register(*impl_->registry);
  return Gauge(&f.Add({}));
}

Histogram Registry::histogram(const std::string& name, const std::string& help, std::vector<double> buckets) {
  auto& f = prometheus::BuildHistogram().Name(name).Help(help).Register(*impl_->registry);
  return Histogram(&f.Add({}, prometheus::Histogram::BucketBoundaries(std::move(buckets))));
}

std::string Registry::scrape() const {
  std::ostringstream out;
  auto families = impl_->registry->Collect();
  for (auto& f : impl_->callbacks->Collect()) families.push_back(std::move(f));
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

Result<void> Registry::listen(std::string_view address) {
  auto where = parse_listen_address(address);
  if (!where) return Unexpected<Error>(std::move(where).error());
  try {
    impl_->exposer = std::make_unique<prometheus::Exposer>(*where, 2);
  } catch (const std::exception& e) {
    return fail(Errc::temporary, "MetricsListen " + std::string(address) + ": cannot listen: " + e.what());
  }
  impl_->exposer->RegisterCollectable(impl_->registry);
  impl_->exposer->RegisterCollectable(impl_->callbacks);
  return {};
}

int Registry::listening_port() const {
  if (!impl_->exposer) return 0;
  const auto ports = impl_->exposer->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

Result<std::string> parse_listen_address(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == text.size())
    return fail(Errc::config, "'" + std::string(text) + "' is not host:port");
  const std::string_view host = text.substr(0, colon);
  const auto port = parse_uint(text.substr(colon + 1));
  if (!port || *port > 65535) return fail(Errc::config, "'" + std::string(text) + "': bad port");
  if (host.empty() || host == "[]") return fail(Errc::config, "'" + std::string(text) + "': empty host");
  if (host.front() == '[' && host.back() != ']') return fail(Errc::config, "'" + std::string(text) + "': unclosed [");
  if (host.front() != '[' && host.find(':') != std::string_view::npos)
    return fail(Errc::config, "'" + std::string(text) + "': write an IPv6 address as [addr]:port");
  return std::string(text);
}

}  // namespace cachet::metrics

// SPDX-License-Identifier: BSD-2-Clause
//
// common/metrics/metrics.hpp: the one Prometheus registry of a daemon process and its
// opt-in HTTP endpoint (MetricsListen), over prometheus-cpp. The only code that includes
// prometheus-cpp headers (metrics.cpp).
//
// A daemon declares its series once (counter/gauge/histogram families with fixed label
// names) and keeps the handles; per message it calls inc()/observe() on a handle, which is
// an atomic add (no lookup, no lock). Label values come from small fixed sets (results,
// actions, algorithms): never a domain, address or login, so the number of series is
// bounded. Handles from a family are created at startup (with_labels) or lazily (thread-safe,
// one lock); a default-constructed handle does nothing, so code paths without metrics need
// no branch.
// Failure: listen() returns Errc::config for an address that is not host:port, and
// Errc::temporary when the port cannot be bound. Thread-safety: everything here is safe
// from any thread. The Registry outlives every handle taken from it.
// See also: common/daemon (MetricsListen), tests/unit/common/metrics/metrics_test.cpp
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/config/option_spec.hpp"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace cachet::metrics {

// The option, as each daemon's table lists it (common/daemon reads it): empty = off.
inline constexpr config::OptionSpec kMetricsListenOption{
    "MetricsListen", config::Kind::string, "",
    "host:port of the Prometheus /metrics endpoint (e.g. 127.0.0.1:9120); empty: off"};

class Counter {
 public:
  Counter() = default;
  explicit Counter(prometheus::Counter* c) : c_(c) {}
  void inc(double v = 1) const noexcept;

 private:
  prometheus::Counter* c_ = nullptr;
};

class Gauge {
 public:
  Gauge() = default;
  explicit Gauge(prometheus::Gauge* g) : g_(g) {}
  void inc(double v = 1) const noexcept;
  void dec(double v = 1) const noexcept;
  void set(double v) const noexcept;

 private:
  prometheus::Gauge* g_ = nullptr;
};

class Histogram {
 public:
  Histogram() = default;
  explicit Histogram(prometheus::Histogram* h) : h_(h) {}
  void observe(double v) const noexcept;

 private:
  prometheus::Histogram* h_ = nullptr;
};

// A family with fixed label names; with_labels(values) gives the series for those values
// (same order as the names), creating it on first use.
class CounterFamily {
 public:
  CounterFamily() = default;
  CounterFamily(prometheus::Family<prometheus::Counter>* f, std::vector<std::string> names)
      : f_(f), names_(std::move(names)) {}
  Counter with_labels(std::initializer_list<std::string_view> values) const;

 private:
  prometheus::Family<prometheus::Counter>* f_ = nullptr;
  std::vector<std::string> names_;
};

class Registry;

// A counter family with one label whose values are a fixed list, all created up front:
// inc(value) is a linear search among them and an atomic add; a value not in the list counts
// under "other", so peer-influenced text can never create a series.
class FixedLabelCounter {
 public:
  FixedLabelCounter() = default;
  FixedLabelCounter(Registry& r, const std::string& name, const std::string& help, const std::string& label,
                    std::initializer_list<std::string_view> values);
  void inc(std::string_view value) const noexcept;

 private:
  std::vector<std::pair<std::string, Counter>> series_;
  Counter other_;
};

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Names follow Prometheus conventions: cachet_<daemon>_<what>_total for counters.
  CounterFamily counter_family(const std::string& name, const std::string& help, std::vector<std::string> label_names);
  Counter counter(const std::string& name, const std::string& help);
  Gauge gauge(const std::string& name, const std::string& help);
  // Seconds; buckets in increasing order.
  Histogram histogram(const std::string& name, const std::string& help, std::vector<double> buckets);

  // A series whose value is read at scrape time from `read` (a state that already keeps its
  // own count, such as the milter layer's live sessions). The series disappears when the
  // returned handle is destroyed: keep it no longer than what `read` looks at.
  enum class CallbackKind { counter, gauge };
  [[nodiscard]] std::shared_ptr<void> add_callback(const std::string& name, const std::string& help, CallbackKind kind,
                                                   std::function<double()> read);

  // The text exposition format (what GET /metrics returns).
  std::string scrape() const;

  // Starts the HTTP endpoint (GET /metrics) on host:port ("127.0.0.1:9120", "[::1]:9120").
  // Starts threads: call after the runtime forked into the background.
  [[nodiscard]] Result<void> listen(std::string_view address);
  // The port actually bound (0 before listen; useful with port 0 in tests).
  int listening_port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Parses MetricsListen: "host:port" or "[v6]:port" with port 0..65535 and a non-empty
// host. Returns the civetweb listening-port form ("127.0.0.1:9120", "[::1]:9120").
// Errors (Errc::config): missing colon or port, bad port, empty host.
[[nodiscard]] Result<std::string> parse_listen_address(std::string_view text);

}  // namespace cachet::metrics

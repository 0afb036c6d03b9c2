// SPDX-License-Identifier: BSD-2-Clause
//
// common/dns/primed_resolver.hpp: a Resolver in front of another that gives answers the
// caller already fetched, each once, for their question, and passes everything else on
// (query, query_many, cache_capacity). For a caller that fetched a record in a batch of
// its own and hands it to an engine as the engine's own fresh answer: cachet-dmarc asks
// the SPF record together with the DMARC records, and the SPF layer still walks that
// record's targets (it skips records found in the cache, Answer::is_cached).
// Names compare without case and trailing dot. Not thread-safe (one evaluation at a
// time); the resolver behind must outlive each evaluation, and reset() aims a kept
// instance (and the engine built on it) at the next one.
// See also: common/dmarc/message.cpp, tests/unit/common/dns/primed_resolver_test.cpp
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/strings.hpp"
#include "common/dns/resolver.hpp"

namespace cachet::dns {

class PrimedResolver final : public Resolver {
 public:
  struct Primed {
    std::string name;
    RrType type;
    Answer answer;
  };

  PrimedResolver(Resolver& behind, std::vector<Primed> primed) : behind_(&behind), primed_(std::move(primed)) {}

  // The next evaluation's resolver and answers; what the last one left unasked is dropped.
  void reset(Resolver& behind, std::vector<Primed> primed) {
    behind_ = &behind;
    primed_ = std::move(primed);
  }

  Answer query(std::string_view name, RrType type) override {
    if (auto a = take(name, type)) return std::move(*a);
    return behind_->query(name, type);
  }
  // The primed answers, and the rest in one batch behind.
  std::vector<Answer> query_many(std::span<const Question> questions) override {
    std::vector<Answer> out(questions.size());
    std::vector<Question> rest;
    std::vector<std::size_t> rest_at;
    for (std::size_t i = 0; i < questions.size(); ++i) {
      if (auto a = take(questions[i].name, questions[i].type)) {
        out[i] = std::move(*a);
      } else {
        rest.push_back(questions[i]);
        rest_at.push_back(i);
      }
    }
    if (rest.empty()) return out;
    std::vector<Answer> fetched = behind_->query_many(rest);
    for (std::size_t k = 0; k < fetched.size() && k < rest_at.size(); ++k) out[rest_at[k]] = std::move(fetched[k]);
    return out;
  }
  std::size_t cache_capacity() const noexcept override { return behind_->cache_capacity(); }

 private:
  std::optional<Answer> take(std::string_view name, RrType type) {
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    for (auto it = primed_.begin(); it != primed_.end(); ++it) {
      if (it->type != type || !iequals(it->name, name)) continue;
      Answer a = std::move(it->answer);
      primed_.erase(it);
      return a;
    }
    return std::nullopt;
  }

  Resolver* behind_;
  std::vector<Primed> primed_;
};

}  // namespace cachet::dns

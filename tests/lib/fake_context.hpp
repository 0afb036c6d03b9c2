// SPDX-License-Identifier: BSD-2-Clause
//
// tests/lib/fake_context.hpp: a milter::Context for unit tests of daemon glue (no server, no
// socket): macros come from a map, modifications are recorded in order. Same rules as the
// real one: modifications only when at_eom, only for the declared actions.
// Header-only; one test at a time (not thread-safe).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/milter/session.hpp"

namespace cachet::testlib {

class FakeContext final : public milter::Context {
 public:
  struct Change {
    char command;  // milter::wire::kRep* of what the real Context would send
    std::string name, value;
    int index = 0;
  };

  std::map<std::string, std::string> macros;  // keys as asked: "i", "{auth_authen}"
  std::uint32_t actions = milter::wire::kActAll;
  bool at_eom = true;
  bool leading_space = false;
  std::vector<Change> changes;
  int progress_calls = 0;

  std::optional<std::string> macro(std::string_view name) const override {
    auto it = macros.find(std::string(name));
    if (it == macros.end() && name.size() == 3 && name.front() == '{') it = macros.find(std::string(name.substr(1, 1)));
    if (it == macros.end() && name.size() == 1) it = macros.find("{" + std::string(name) + "}");
    if (it == macros.end()) return std::nullopt;
    return it->second;
  }
  bool has_leading_space() const override { return leading_space; }
  Result<void> add_header(std::string_view n, std::string_view v) override {
    return record(milter::wire::kActAddHdrs, {milter::wire::kRepAddHeader, std::string(n), std::string(v)});
  }
  Result<void> insert_header(int i, std::string_view n, std::string_view v) override {
    return record(milter::wire::kActAddHdrs, {milter::wire::kRepInsHeader, std::string(n), std::string(v), i});
  }
  Result<void> change_header(std::string_view n, int i, std::string_view v) override {
    return record(milter::wire::kActChgHdrs, {milter::wire::kRepChgHeader, std::string(n), std::string(v), i});
  }
  Result<void> quarantine(std::string_view reason) override {
    return record(milter::wire::kActQuarantine, {milter::wire::kRepQuarantine, std::string(reason), {}});
  }
  Result<void> add_rcpt(std::string_view r, std::string_view args) override {
    return record(
        args.empty() ? milter::wire::kActAddRcpt : milter::wire::kActAddRcptPar,
        {args.empty() ? milter::wire::kRepAddRcpt : milter::wire::kRepAddRcptPar, std::string(r), std::string(args)});
  }
  Result<void> del_rcpt(std::string_view r) override {
    return record(milter::wire::kActDelRcpt, {milter::wire::kRepDelRcpt, std::string(r), {}});
  }
  Result<void> change_from(std::string_view f, std::string_view args) override {
    return record(milter::wire::kActChgFrom, {milter::wire::kRepChgFrom, std::string(f), std::string(args)});
  }
  Result<void> replace_body(std::string_view body) override {
    return record(milter::wire::kActChgBody, {milter::wire::kRepReplBody, {}, std::string(body)});
  }
  Result<void> progress() override {
    if (!at_eom) return fail(Errc::internal, "progress outside end-of-message");
    ++progress_calls;
    return {};
  }

 private:
  Result<void> record(std::uint32_t action, Change c) {
    if (!at_eom) return fail(Errc::internal, "modification outside end-of-message");
    if ((actions & action) == 0) return fail(Errc::config, "action not negotiated");
    changes.push_back(std::move(c));
    return {};
  }
};

}  // namespace cachet::testlib

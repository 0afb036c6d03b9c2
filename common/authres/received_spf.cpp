// SPDX-License-Identifier: BSD-2-Clause
//
// common/authres/received_spf.cpp: see received_spf.hpp.
#include "common/authres/received_spf.hpp"

#include "common/authres/lexer.hpp"
#include "common/base/strings.hpp"

namespace cachet::authres {
namespace {

constexpr std::pair<std::string_view, SpfResult> kResults[] = {
    {"pass", SpfResult::pass},           {"fail", SpfResult::fail}, {"softfail", SpfResult::softfail},
    {"neutral", SpfResult::neutral},     {"none", SpfResult::none}, {"temperror", SpfResult::temperror},
    {"permerror", SpfResult::permerror},
};

}  // namespace

const char* to_string(SpfResult r) noexcept {
  for (const auto& [name, value] : kResults) {
    if (value == r) return name.data();
  }
  return "none";
}

const std::string* ReceivedSpf::find(std::string_view key) const noexcept {
  for (const auto& [k, v] : pairs) {
    if (iequals(k, key)) return &v;
  }
  return nullptr;
}

Result<ReceivedSpf> parse_received_spf(std::string_view value) {
  if (value.size() > kMaxReceivedSpfBytes) return fail(Errc::bad_input, "Received-SPF too long");
  if (value.find('\0') != std::string_view::npos) return fail(Errc::bad_input, "NUL in Received-SPF");
  Lexer lx(value, 16);
  ReceivedSpf out;
  if (!lx.skip_cfws()) return lx.error("unterminated comment");
  const std::string_view result = lx.keyword();
  bool known = false;
  for (const auto& [name, r] : kResults) {
    if (iequals(name, result)) {
      out.result = r;
      known = true;
    }
  }
  if (!known) return lx.error("unknown SPF result '" + std::string(result) + "'");
  if (!lx.at_end() && lx.peek() != ' ' && lx.peek() != '\t' && lx.peek() != '\r' && lx.peek() != '\n' &&
      lx.peek() != '(') {
    return lx.error("junk after result");
  }
  if (!lx.skip_cfws(&out.comment)) return lx.error("unterminated comment");
  while (!lx.at_end()) {
    std::string key = to_lower(lx.keyword());
    if (key.empty()) return lx.error("expected key");
    lx.skip_cfws();
    if (!lx.eat('=')) return lx.error("expected '=' after " + key);
    lx.skip_cfws();
    auto v = lx.loose_value();
    if (!v) return fail(v.error().code, v.error().detail);
    if (out.find(key) != nullptr) return lx.error("duplicate key " + key);
    if (out.pairs.size() >= kMaxReceivedSpfPairs) return lx.error("too many key=value pairs");
    out.pairs.emplace_back(std::move(key), std::move(*v));
    if (!lx.skip_cfws()) return lx.error("unterminated comment");
    if (lx.at_end()) break;
    if (!lx.eat(';')) return lx.error("expected ';'");
    if (!lx.skip_cfws()) return lx.error("unterminated comment");
  }
  return out;
}

}  // namespace cachet::authres

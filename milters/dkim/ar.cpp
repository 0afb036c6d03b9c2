// SPDX-License-Identifier: BSD-2-Clause
// milters/dkim/ar.cpp: see ar.hpp.
#include "milters/dkim/ar.hpp"

#include "common/base/strings.hpp"

namespace cachet::dkimd {
namespace {

// Printable ASCII without any of `specials`.
bool is_plain(std::string_view v, std::string_view specials) {
  if (v.empty()) return false;
  for (const unsigned char c : v)
    if (c <= 0x20 || c >= 0x7f || specials.find(static_cast<char>(c)) != std::string_view::npos) return false;
  return true;
}
// RFC 2045 token; header.i values are addresses, where '@' '.' '/' '=' '?' are fine in an
// RFC 8601 pvalue. Any other value that is not a token is quoted (a signature's a= tag may
// hold anything: "ed2=519-sha256" unquoted would not parse back, found by fuzz_dkim_session).
bool is_token(std::string_view v) { return is_plain(v, "()<>@,;:\\\"/[]?="); }
bool is_pvalue_safe(std::string_view v) { return is_plain(v, "()<>,;:\\\"[]"); }

std::string quoted(std::string_view v) {
  std::string out = "\"";
  for (const char c : v) {
    if (c == '\r' || c == '\n') continue;
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

void prop(std::string& out, std::string_view name, std::string_view value, bool is_address) {
  if (value.empty()) return;
  out += ' ';
  out += name;
  out += '=';
  const bool safe = is_address ? is_pvalue_safe(value) : is_token(value);
  out += safe ? std::string(value) : quoted(value);
}

}  // namespace

std::string format_auth_results(std::string_view authserv_id, const std::vector<dkim::SignatureResult>& results,
                                bool include_header_b) {
  std::string out(authserv_id);
  if (results.empty()) return out + "; dkim=none";
  out += ';';
  for (std::size_t i = 0; i < results.size(); ++i) {
    const dkim::SignatureResult& r = results[i];
    out += "\n\tdkim=";
    out += dkim::to_string(r.result);
    if (r.result == dkim::VerifyResult::fail && !r.reason.empty()) out += " reason=" + quoted(r.reason);
    if (r.key_bits > 0) out += " (" + std::to_string(r.key_bits) + "-bit key)";
    prop(out, "header.d", r.domain, false);
    prop(out, "header.i", r.identity == "@" ? "" : r.identity, true);
    prop(out, "header.a", r.algorithm, false);
    prop(out, "header.s", r.selector, false);
    if (include_header_b) prop(out, "header.b", r.b_prefix, true);
    if (i + 1 < results.size()) out += ';';
  }
  return out;
}

bool claims_id(std::string_view claimed, std::string_view ours) {
  if (ours.empty()) return false;
  if (iequals(claimed, ours)) return true;
  return claimed.size() > ours.size() && claimed[ours.size()] == '/' && iequals(claimed.substr(0, ours.size()), ours);
}

}  // namespace cachet::dkimd

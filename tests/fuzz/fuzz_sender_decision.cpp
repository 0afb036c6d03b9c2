// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_sender_decision.cpp: cachet-sender's decision (common/sender/login_check)
// over address x login x map answer. Input: the first byte picks the restriction (2 bits),
// OnTableError (1 bit) and where the answer comes from (2 bits: a texthash table, a pcre
// table, owner lists as given, a lookup error; bit 5: temporary or not); then
// '\n'-separated lines: the sender (MAIL FROM), the login (sasl_username), and the rest:
// the table's text or one owner list per line.
// Invariants: never crash, hang or throw; the lookup runs at most once and never for the
// null sender; a lookup error is never an allow; allowed is exactly "DUNNO" with no client
// reply, anything else a one-line reply without control bytes and in valid UTF-8; an
// owner allow names a source whose owners hold the login, a not-owned verdict has a login,
// a not-logged-in one has none; owners compare ASCII case-insensitively.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/strings.hpp"
#include "common/sender/login_check.hpp"
#include "common/tables/fixed_table.hpp"
#include "common/tables/pcre_table.hpp"
#include "common/tables/table_list.hpp"

namespace {

using namespace cachet::sender;

bool is_clean_line(std::string_view s) {
  for (const char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  return cachet::is_valid_utf8(s);
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const unsigned bits = data[0];
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const auto nl1 = rest.find('\n');
  const std::string_view sender = rest.substr(0, nl1);
  const std::string_view after1 = nl1 == std::string_view::npos ? std::string_view() : rest.substr(nl1 + 1);
  const auto nl2 = after1.find('\n');
  const std::string_view login = after1.substr(0, nl2);
  const std::string_view table_text = nl2 == std::string_view::npos ? std::string_view() : after1.substr(nl2 + 1);

  const auto policy = static_cast<MismatchPolicy>(bits & 3);
  const auto on_error = (bits & 4) ? TableErrorAction::defer : TableErrorAction::defer_if_permit;
  const unsigned source = (bits >> 3) & 3;

  cachet::tables::TableList list;
  if (source == 0 || source == 1) {
    auto table = source == 0 ? cachet::tables::parse_text_table(table_text, "fuzz", "texthash:fuzz")
                             : cachet::tables::parse_pcre_table(table_text, "fuzz.pcre");
    if (!table) return 0;
    list = cachet::tables::TableList({std::shared_ptr<const cachet::tables::Table>(std::move(*table))});
  }
  cachet::tables::AddressQuery query;
  query.recipient_delimiter = "+";
  query.is_local_domain = [](std::string_view d) { return cachet::iequals(d, "example.test"); };

  int calls = 0;
  bool lookup_erred = false;
  const OwnerLookup lookup = [&](std::string_view address) -> cachet::Result<std::vector<Owners>> {
    ++calls;
    std::vector<Owners> out;
    if (source == 3) {
      lookup_erred = true;
      return cachet::fail((bits & 32) ? cachet::Errc::temporary : cachet::Errc::config, "fuzz");
    }
    if (source == 2) {
      for (std::string_view l : cachet::split(table_text, '\n')) out.push_back(Owners{std::string(l), "fuzz", ""});
      return out;
    }
    auto found = list.find_address(address, query);
    if (!found) {
      lookup_erred = true;
      return cachet::fail(found.error().code, found.error().detail);
    }
    if (*found) out.push_back(Owners{(*found)->match.value, (*found)->match.source, (*found)->match.rule});
    return out;
  };

  const Decision d = decide(policy, on_error, LoginFacts{sender, login}, lookup);
  if (calls > 1) std::abort();
  if (sender.empty() && (calls != 0 || d.verdict != Verdict::allowed)) std::abort();
  if (lookup_erred && d.verdict != Verdict::lookup_failed) std::abort();
  if (d.verdict == Verdict::lookup_failed && !lookup_erred) std::abort();
  const std::string reply = client_reply(d, sender);
  if (d.verdict == Verdict::allowed) {
    if (d.action != "DUNNO" || !reply.empty()) std::abort();
    if (d.why == "owner" && !is_owner(d.owners, login)) std::abort();
  } else {
    if (d.action == "DUNNO" || !is_clean_line(d.action) || !is_clean_line(reply)) std::abort();
  }
  if (d.verdict == Verdict::not_owned && login.empty()) std::abort();
  if (d.verdict == Verdict::not_logged_in && !login.empty()) std::abort();
  if (is_owner(d.owners, login) != is_owner(d.owners, upper(login))) std::abort();
  const std::string safe = reply_safe(login);
  if (!is_clean_line(safe) || reply_safe(safe) != safe) std::abort();
  return 0;
}

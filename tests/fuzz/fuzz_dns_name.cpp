// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_dns_name.cpp: dns::normalize_query_name, the gate every name passes before
// a backend looks it up (its input comes from mail: From domains, d= and s= tags, SPF
// targets after macro expansion, HELO names), the strict dns::normalize_name beside it,
// and the query builder and text conversions behind them. Invariants: never crash or
// throw; a name normalize_name() accepts is lower case, within the RFC 1035 limits, and the
// resolver's gate accepts it the same; a name normalize_query_name() accepts normalizes to
// itself (idempotent, with or without a trailing dot, in any letter case: letter case
// never decides validity); the query built for it carries exactly that name in its
// question (name -> wire -> text round trip), so the name asked is the name checked;
// query_name_to_wire()'s flag is true exactly for the names normalize_query_name() returns
// unchanged; its text is the wire form rendered back; dotted text from unescape_name()
// escapes back to the same name.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "common/base/strings.hpp"
#include "common/dns/name.hpp"
#include "common/dns/reply.hpp"

namespace {

using cachet::dns::kMaxLabelLength;
using cachet::dns::kMaxNameLength;

void check_shape(std::string_view n) {
  if (n.empty() || n.size() > kMaxNameLength || n.back() == '.' || n.front() == '.') std::abort();
  std::size_t label = 0;
  for (const char ch : n) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '.') {
      if (label == 0) std::abort();
      label = 0;
      continue;
    }
    if (c < 0x21 || c > 0x7e || c == '\\' || (c >= 'A' && c <= 'Z')) std::abort();
    if (++label > kMaxLabelLength) std::abort();
  }
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  return out;
}

void check_strict(std::string_view in) {
  const auto n = cachet::dns::normalize_name(in);
  if (!n) {
    if (cachet::dns::normalize_name(cachet::to_lower(in))) std::abort();
    return;
  }
  check_shape(*n);
  const auto q = cachet::dns::normalize_query_name(in);
  if (!q || *q != *n) std::abort();
  const auto again = cachet::dns::normalize_name(*n);
  if (!again || *again != *n) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  check_strict(in);
  const auto n = cachet::dns::normalize_query_name(in);
  // The normalized text is the wire form rendered back (normalize_query_name() takes a
  // shortcut: the input lowered); the encoder's flag and the appending form agree.
  cachet::dns::WireNameBuffer wire{};
  bool is_normalized = false;
  const auto wire_size = cachet::dns::query_name_to_wire(in, wire, is_normalized);
  if (wire_size.has_value() != n.has_value()) std::abort();
  std::string appended = "k";
  if (cachet::dns::append_normalized_query_name(in, appended) != n.has_value()) std::abort();
  if (n) {
    const auto rendered = cachet::dns::wire_name_to_text({wire.data(), *wire_size});
    if (!rendered || *rendered != *n || appended != "k" + *n) std::abort();
    if (is_normalized != (*n == in)) std::abort();
  } else if (appended != "k") {
    std::abort();
  }
  if (!n) {
    // Letter case never decides validity.
    if (cachet::dns::normalize_query_name(cachet::to_lower(in))) std::abort();
    return 0;
  }
  for (const char c : *n)
    if (c >= 'A' && c <= 'Z') std::abort();
  const auto again = cachet::dns::normalize_query_name(*n);
  if (!again || *again != *n) std::abort();
  const auto dotted = cachet::dns::normalize_query_name(*n + ".");
  if (!dotted || *dotted != *n) std::abort();
  const auto from_upper = cachet::dns::normalize_query_name(upper(*n));
  if (!from_upper || *from_upper != *n) std::abort();

  const auto query = cachet::dns::build_query(*n, cachet::dns::RrType::txt, 0x1234, 0);
  if (!query || query->size() < cachet::dns::kDnsHeaderSize) std::abort();
  const std::span<const std::uint8_t> question(query->data() + cachet::dns::kDnsHeaderSize,
                                               query->size() - cachet::dns::kDnsHeaderSize);
  const auto asked = cachet::dns::wire_name_to_text(question);
  if (!asked || *asked != *n) std::abort();

  if (const auto plain = cachet::dns::unescape_name(*n)) {
    const auto back = cachet::dns::normalize_query_name(cachet::dns::escape_name(*plain));
    if (!back || *back != *n) std::abort();
  }
  return 0;
}

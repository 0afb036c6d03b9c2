// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_texthash_table.cpp: postmap/texthash source parser, inline: and
// static: specs, and the table-list spec parser. The first word of the input is also
// looked up. Must not crash, hang, leak or throw. Properties: a table whose first line is
// a plain `key value` entry finds that key; with folding (Postfix's default) a key finds
// the same entry in any letter case; a table without upper-case letters answers the same
// with and without folding.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "common/tables/fixed_table.hpp"
#include "common/tables/table_list.hpp"
#include "common/tables/table_spec.hpp"

namespace {

using namespace cachet::tables;

bool is_plain(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '@' || c == '.' || c == '-' || c == '_'))
      return false;
  return true;
}

// The first line as (key, value) when it is plainly one entry (and not continued).
std::optional<std::string_view> plain_first_key(std::string_view in) {
  const auto nl = in.find('\n');
  const std::string_view line = in.substr(0, nl);
  const auto sp = line.find(' ');
  if (sp == std::string_view::npos || !is_plain(line.substr(0, sp)) || !is_plain(line.substr(sp + 1)))
    return std::nullopt;
  if (nl != std::string_view::npos && nl + 1 < in.size() && (in[nl + 1] == ' ' || in[nl + 1] == '\t'))
    return std::nullopt;
  return line.substr(0, sp);
}

std::optional<std::string> answer(const Table& t, std::string_view key) {
  auto got = t.lookup_explained(key);
  if (!got) return std::string("error");
  if (!*got) return std::nullopt;
  return (*got)->value + "\n" + (*got)->source;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::string_view first = in.substr(0, in.find_first_of(" \t\n"));
  auto folded = parse_text_table(in, "fuzz", "texthash:fuzz", LoadOptions{false, true});
  auto exact = parse_text_table(in, "fuzz", "texthash:fuzz", LoadOptions{false, false});
  if (folded.has_value() != exact.has_value()) std::abort();
  if (folded) {
    std::string upper(first);
    for (char& c : upper) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    const auto a = answer(**folded, first);
    if (a != answer(**folded, upper)) std::abort();
    if (in.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == std::string_view::npos && a != answer(**exact, first))
      std::abort();
    if (const auto key = plain_first_key(in); key && !answer(**folded, *key)) std::abort();
  }
  if (auto t = parse_inline_table(in)) (void)(*t)->lookup(first);
  if (auto t = make_static_table(in)) (void)(*t)->lookup(first);
  const FileReader none = [](const std::string&) -> cachet::Result<FileContent> {
    return cachet::fail(cachet::Errc::config, "no files while fuzzing");
  };
  if (auto list = TableList::open(in, none)) {
    AddressQuery q;
    q.recipient_delimiter = "+-";
    q.is_local_domain = [](std::string_view d) { return d == "example.com"; };
    (void)list->find_address("user+ext@example.com", q);
    (void)list->find_address(first, q);
  }
  return 0;
}

// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_texthash_table.cpp: postmap/texthash source parser, inline: and
// static: specs, and the table-list spec parser. The first word of the input is also
// looked up. Must not crash, hang, leak or throw.
#include <cstdint>
#include <string_view>

#include "common/tables/fixed_table.hpp"
#include "common/tables/table_list.hpp"
#include "common/tables/table_spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cachet::tables;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::string_view first = in.substr(0, in.find_first_of(" \t\n"));
  for (bool fold : {true, false}) {
    auto table = parse_text_table(in, "fuzz", "texthash:fuzz", LoadOptions{false, fold});
    if (table) (void)(*table)->lookup_explained(first);
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

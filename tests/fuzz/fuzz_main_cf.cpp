// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_main_cf.cpp: parse_main_cf, $name expansion and local_facts over
// arbitrary bytes, and the aliases(5) reader over the same bytes (both feed cachet-sender's
// decisions). Must not crash, hang (expansion loops are bounded), leak or throw. Properties:
// $name, ${name} and $(name) expand alike and equal expand(name); an expanded value without
// '$' expands to itself; $myorigin is a local domain; an alias that is found has a name.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/postfix/main_cf.hpp"
#include "common/sender/aliases.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto cf = cachet::postfix::parse_main_cf(in, "main.cf")) {
    const auto maps = cf->expand("smtpd_sender_login_maps");
    for (const char* form : {"$smtpd_sender_login_maps", "${smtpd_sender_login_maps}", "$(smtpd_sender_login_maps)"}) {
      const auto text = cf->expand_text(form);
      if (maps.has_value() != text.has_value() || (maps && *maps != *text)) std::abort();
    }
    if (maps && maps->find('$') == std::string::npos) {
      const auto again = cf->expand_text(*maps);
      if (!again || *again != *maps) std::abort();
    }
    (void)cf->expand_text(in.substr(0, 256));
    if (auto facts = cachet::postfix::local_facts(*cf, "mail.example.test")) {
      (void)cachet::postfix::is_local(*facts, "example.test");
      if (!facts->myorigin.empty() && !cachet::postfix::is_local(*facts, facts->myorigin)) std::abort();
    }
  }
  if (auto a = cachet::sender::parse_aliases(in, "aliases")) (void)a->find("root");
  return 0;
}

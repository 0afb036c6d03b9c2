// SPDX-License-Identifier: BSD-2-Clause
//
// tools/cachetctl/key_source.hpp: the I/O shared by the DKIM subcommands: the key lookup
// behind testkey and verify (DNS through LdnsResolver, or a record file named with
// --key-file), reading a message or a file, and writing usage errors.
// Single-threaded tool code. Errors: Errc::config (files, resolver setup).
// See also: dkim_tools.hpp
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "common/base/result.hpp"
#include "common/dkim/verify.hpp"
#include "common/dns/resolver.hpp"
#include "tools/cachetctl/dkim_tools.hpp"

namespace cachet::ctl {

class KeyFetcher {
 public:
  // Creates the resolver only when a lookup needs DNS (no /etc/resolv.conf read when
  // every key comes from --key-file). Errors: none here; resolver errors surface as
  // temporary answers with the reason in last_error().
  explicit KeyFetcher(KeySource source) : source_(std::move(source)) {}
  dkim::KeyAnswer lookup(std::string_view name);
  dkim::KeyLookup as_lookup() {
    return [this](std::string_view name) { return lookup(name); };
  }
  const std::string& last_error() const noexcept { return last_error_; }
  // Where the key for `name` comes from: "file PATH" or "DNS via NS[,NS]".
  std::string origin(std::string_view name) const;

 private:
  KeySource source_;
  std::unique_ptr<dns::Resolver> resolver_;
  std::string last_error_;
};

// The few dkim.conf / opendkim.conf values the key tools use (testkey, doctor); the other
// lines are not their business (no option table: any opendkim.conf reads).
struct DkimConfValues {
  std::string domain, selector, key_file, key_table, nameservers, user_id;
};
// Errors: config (the file cannot be read).
[[nodiscard]] Result<DkimConfValues> read_dkim_conf(const std::string& path);

// Reads a whole file ("" or "-": standard input). Errors: config.
[[nodiscard]] Result<std::string> read_input(const std::string& path, std::size_t max_bytes);

inline constexpr std::size_t kMaxMessageBytes = 64u << 20;

// "cachetctl NAME: MESSAGE" on stderr; returns `status`.
int complain(std::string_view command, std::string_view message, int status);
// complain() plus the subcommand's usage text on stderr; returns kExitUsage (64).
int usage_error(std::string_view command, std::string_view message, void (*usage)(std::FILE*));

}  // namespace cachet::ctl

// SPDX-License-Identifier: BSD-2-Clause
//
// tools/cachetctl/dkim_tools.hpp: the options of the DKIM subcommands (keygen, testkey,
// sign, verify) and their pure parts: command-line readers and the result-line writer.
// The I/O (files, DNS, stdout) is in cmd_<name>.cpp. Pure; any thread. Parse errors are
// Errc::config with a message for the usage line (exit 64).
// See also: args.hpp, cachetctl.1.md, tests/unit/tools/cachetctl/dkim_tools_test.cpp
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/base/result.hpp"
#include "common/dkim/key_zone.hpp"
#include "common/dkim/sign.hpp"
#include "common/dkim/verify.hpp"

namespace cachet::ctl {

inline constexpr int kMinRsaBits = 1024;  // RFC 8301 s3.2: signers MUST use >= 1024
inline constexpr int kMaxRsaBits = 4096;  // what the engine is tested with

struct KeygenOptions {
  dkim::KeyZoneParams zone;  // selector, domain, flags, key type (no key yet)
  int bits = 2048;           // Debian's opendkim-genkey default
  std::string directory = ".";
  int verbose = 0;
  bool is_forced = false;  // --force: replace an existing sel.private
  std::string user;        // --user: the daemon's user; its group may read the key (0640 root:GROUP)
  bool wants_help = false;
  bool wants_version = false;
};
[[nodiscard]] Result<KeygenOptions> parse_keygen_args(const std::vector<std::string>& args);

// Where testkey/verify get keys: DNS through these nameservers (empty: /etc/resolv.conf),
// or, for names listed in key_files, the record in that file (keygen's .txt or bare text).
struct KeySource {
  std::vector<std::string> nameservers;
  std::map<std::string, std::string> key_files;  // "sel._domainkey.domain" -> path
  unsigned timeout_seconds = 5;
};

struct TestkeyOptions {
  std::string domain;
  std::string selector;
  std::string key_path;
  std::string config_path;  // -x: Domain, Selector, KeyFile, KeyTable, Nameservers
  std::string user;         // -u/--user: the daemon's user (over the config's UserID)
  KeySource keys;
  int verbose = 0;
  bool wants_help = false;
};
[[nodiscard]] Result<TestkeyOptions> parse_testkey_args(const std::vector<std::string>& args);

struct SignOptions {
  dkim::SignParams params;  // key left null; filled by cmd_sign
  std::string key_path;
  std::string message_path;          // empty or "-": stdin
  bool is_algorithm_given = false;   // else the key's type picks it
  std::optional<std::uint64_t> ttl;  // x= = t= + ttl
  bool wants_help = false;
};
[[nodiscard]] Result<SignOptions> parse_sign_args(const std::vector<std::string>& args);

struct VerifyCliOptions {
  KeySource keys;
  std::string message_path;
  std::string authserv_id;  // when set, the output is a whole Authentication-Results field
  bool allow_rsa_sha1 = false;
  int min_rsa_bits = 1024;
  bool wants_help = false;
};
[[nodiscard]] Result<VerifyCliOptions> parse_verify_args(const std::vector<std::string>& args);

// "dkim=pass (2048-bit key) header.d=example.com header.i=@example.com
// header.a=rsa-sha256 header.s=sel header.b=abcdefgh", as opendkim writes each result in
// Authentication-Results (peers.md s2.2): reason="..." after fail/policy/permerror/
// temperror results, the key-size comment only when a key was loaded.
std::string format_result_line(const dkim::SignatureResult& r);

// "sel._domainkey.example.com=/path/sel.txt" -> {name, path}. Errors: config.
[[nodiscard]] Result<std::pair<std::string, std::string>> parse_key_file_spec(std::string_view spec);

}  // namespace cachet::ctl

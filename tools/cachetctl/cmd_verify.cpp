// SPDX-License-Identifier: BSD-2-Clause
//
// tools/cachetctl/cmd_verify.cpp: `cachetctl verify`: verifies every DKIM-Signature of a
// message file (or standard input) with cachet-dkim's verifier and prints one line per
// signature as opendkim writes it into Authentication-Results ("dkim=pass (2048-bit key)
// header.d=... header.i=... header.a=... header.s=... header.b=..."), or "dkim=none".
// With --authserv-id the lines form one whole Authentication-Results field. Keys come
// from DNS (-n nameservers, default /etc/resolv.conf) or from --key-file records.
// Exit: 0 when at least one signature passes, 1 otherwise, 64 usage.
#include <cstdio>
#include <ctime>
#include <span>
#include <string>

#include "common/dkim/verify.hpp"
#include "common/mail/header.hpp"
#include "tools/cachetctl/args.hpp"
#include "tools/cachetctl/dkim_tools.hpp"
#include "tools/cachetctl/key_source.hpp"

namespace cachet::ctl {

namespace {

constexpr std::string_view kName = "verify";

void verify_usage(std::FILE* out) {
  std::fprintf(out,
               "usage: cachetctl verify [options] [message|-]\n"
               "\t-n addr[:port]\tnameserver to ask (repeatable; default /etc/resolv.conf)\n"
               "\t-T seconds  \tDNS timeout per attempt [5]\n"
               "\t--key-file SEL._domainkey.DOMAIN=FILE\ttake that record from FILE, not DNS\n"
               "\t--authserv-id ID\tprint a whole Authentication-Results field\n"
               "\t--allow-sha1\taccept rsa-sha1 signatures (RFC 8301 forbids it)\n"
               "\t--min-key-bits N\tsmallest RSA key accepted [1024]\n");
}

}  // namespace

int cmd_verify(std::span<char* const> args) {
  auto parsed = parse_verify_args(to_strings(args));
  if (!parsed) return usage_error(kName, parsed.error().detail, &verify_usage);
  const VerifyCliOptions& o = *parsed;
  if (o.wants_help) {
    verify_usage(stdout);
    return 0;
  }
  auto raw = read_input(o.message_path, kMaxMessageBytes);
  if (!raw) return complain(kName, raw.error().detail, 1);

  KeyFetcher fetcher(o.keys);
  dkim::VerifyOptions options;
  options.allow_rsa_sha1 = o.allow_rsa_sha1;
  options.min_rsa_bits = o.min_rsa_bits;
  options.now = static_cast<std::uint64_t>(std::time(nullptr));
  auto results = dkim::verify_message(mail::lf_to_crlf(*raw), fetcher.as_lookup(), options);
  if (!results) return complain(kName, "malformed message: " + results.error().detail, 1);

  std::vector<std::string> lines;
  bool any_pass = false;
  for (const dkim::SignatureResult& r : *results) {
    lines.push_back(format_result_line(r));
    any_pass = any_pass || r.result == dkim::VerifyResult::pass;
  }
  if (lines.empty()) lines.push_back("dkim=none");
  if (!fetcher.last_error().empty()) complain(kName, "key lookup: " + fetcher.last_error(), 0);
  if (o.authserv_id.empty()) {
    for (const std::string& l : lines) std::printf("%s\n", l.c_str());
  } else {
    std::printf("Authentication-Results: %s", o.authserv_id.c_str());
    for (const std::string& l : lines) std::printf(";\n\t%s", l.c_str());
    std::printf("\n");
  }
  return any_pass ? 0 : 1;
}

}  // namespace cachet::ctl

// SPDX-License-Identifier: BSD-2-Clause
//
// tools/cachetctl/cmd_sign.cpp: `cachetctl sign`: signs a message file (or standard input)
// with the engine cachet-dkim uses and prints the message with the DKIM-Signature field
// on top, as opendkim inserts it. The message is signed as it would travel over SMTP (bare
// LF line ends read as CRLF); the output keeps the input's bytes and writes the new field
// with the input's line ends (LF in, LF out). The algorithm follows the key unless -a is
// given; t= is now unless -t is given. Unsafe key file permissions are reported on stderr
// (the signature is still made: this is an offline tool). Exit: 0 signed, 1 failure, 64 usage.
#include <cstdio>
#include <ctime>
#include <span>
#include <string>

#include "common/crypto/crypto.hpp"
#include "common/dkim/key_file.hpp"
#include "common/dkim/sign.hpp"
#include "common/mail/header.hpp"
#include "tools/cachetctl/args.hpp"
#include "tools/cachetctl/dkim_tools.hpp"
#include "tools/cachetctl/key_source.hpp"

namespace cachet::ctl {

namespace {

constexpr std::string_view kName = "sign";

void sign_usage(std::FILE* out) {
  std::fprintf(out,
               "usage: cachetctl sign -d domain -s selector -k keyfile [options] [message|-]\n"
               "\t-a alg      \trsa-sha256 or ed25519-sha256 [from the key]\n"
               "\t-c canon    \theader/body canonicalization [relaxed/simple]\n"
               "\t-H h1:h2    \tsign exactly these header names (h=)\n"
               "\t-o h1:h2    \toversign these names (one more entry each in h=)\n"
               "\t-i identity \tadd i=\n"
               "\t-t seconds  \tt= value [now]\n"
               "\t-x seconds  \tadd x= that many seconds after t=\n"
               "\t-l          \tadd l= (body length)\n");
}

// True when the header section uses bare LF line ends (a file written on Unix).
bool uses_bare_lf(std::string_view raw) {
  const auto lf = raw.find('\n');
  return lf != std::string_view::npos && (lf == 0 || raw[lf - 1] != '\r');
}

std::string with_lf(std::string_view crlf_text) {
  std::string out;
  for (std::size_t i = 0; i < crlf_text.size(); ++i)
    if (!(crlf_text[i] == '\r' && i + 1 < crlf_text.size() && crlf_text[i + 1] == '\n')) out += crlf_text[i];
  return out;
}

}  // namespace

int cmd_sign(std::span<char* const> args) {
  auto parsed = parse_sign_args(to_strings(args));
  if (!parsed) return usage_error(kName, parsed.error().detail, &sign_usage);
  SignOptions& o = *parsed;
  if (o.wants_help) {
    sign_usage(stdout);
    return 0;
  }
  auto file = dkim::read_key_file(o.key_path, dkim::key_user());
  if (!file) return complain(kName, file.error().detail, 1);
  for (const dkim::KeyFileProblem& p : file->problems)
    complain(kName, "WARNING: unsafe permissions: " + dkim::describe(p), 0);
  auto key = crypto::PrivateKey::load(file->text);
  if (!key) return complain(kName, o.key_path + ": " + key.error().detail, 1);
  if (!o.is_algorithm_given && key->type() == crypto::KeyType::ed25519)
    o.params.algorithm = dkim::Algorithm::ed25519_sha256;
  o.params.key = &*key;
  if (!o.params.timestamp) o.params.timestamp = static_cast<std::uint64_t>(std::time(nullptr));
  if (o.ttl) o.params.expiry = *o.params.timestamp + *o.ttl;

  auto raw = read_input(o.message_path, kMaxMessageBytes);
  if (!raw) return complain(kName, raw.error().detail, 1);
  auto value = dkim::sign_message(mail::lf_to_crlf(*raw), o.params);
  if (!value) return complain(kName, value.error().detail, 1);
  std::string field = "DKIM-Signature: " + *value + "\r\n";
  if (uses_bare_lf(*raw)) field = with_lf(field);
  std::fwrite(field.data(), 1, field.size(), stdout);
  std::fwrite(raw->data(), 1, raw->size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace cachet::ctl

// SPDX-License-Identifier: BSD-2-Clause
//
// tools/cachetctl/dkim_tools.cpp: command-line readers of keygen, testkey, sign and verify
// and the verify result line (dkim_tools.hpp). Pure.
#include "tools/cachetctl/dkim_tools.hpp"

#include <cctype>

#include "common/base/strings.hpp"
#include "common/dkim/signature.hpp"
#include "tools/cachetctl/args.hpp"

namespace cachet::ctl {

namespace {

Result<int> parse_int(std::string_view flag, std::string_view text, int lo, int hi) {
  const auto v = parse_uint(text);
  if (!v || *v < static_cast<std::uint64_t>(lo) || *v > static_cast<std::uint64_t>(hi))
    return fail(Errc::config, std::string(flag) + ": '" + std::string(text) + "' is not a number from " +
                                  std::to_string(lo) + " to " + std::to_string(hi));
  return static_cast<int>(*v);
}

Result<std::string> single_operand(const ParsedArgs& parsed) {
  if (parsed.operands.size() > 1) return fail(Errc::config, "more than one message file given");
  return parsed.operands.empty() ? std::string() : parsed.operands.front();
}

// Options shared by testkey and verify: where keys come from.
enum SharedId { opt_nameserver = 1000, opt_key_file, opt_timeout };

// Options shared by testkey and verify; nullopt when `o` is not one of them.
std::optional<Result<void>> read_key_source(const ParsedOption& o, KeySource& keys) {
  if (o.id == opt_nameserver) {
    for (std::string_view ns : split(o.value, ','))
      if (!trim(ns).empty()) keys.nameservers.emplace_back(trim(ns));
  } else if (o.id == opt_key_file) {
    auto spec = parse_key_file_spec(o.value);
    if (!spec) return Result<void>(fail(spec.error().code, spec.error().detail));
    keys.key_files[spec->first] = spec->second;
  } else if (o.id == opt_timeout) {
    auto t = parse_int("-T", o.value, 1, 60);
    if (!t) return Result<void>(fail(t.error().code, t.error().detail));
    keys.timeout_seconds = static_cast<unsigned>(*t);
  } else {
    return std::nullopt;
  }
  return Result<void>();
}

constexpr OptionDef kSharedKeyOptions[] = {
    {opt_nameserver, 'n', "nameserver", true},
    {opt_key_file, '\0', "key-file", true},
    {opt_timeout, 'T', "timeout", true},
};

// Letters, digits, '-', '_' and '.'-separated non-empty labels: safe as a DNS name and
// as a file name (no '/').
bool is_name_text(std::string_view s) {
  if (s.empty() || s.size() > dkim::kMaxDomainBytes) return false;
  for (std::string_view label : split(s, '.')) {
    if (label.empty() || label.size() > 63) return false;
    for (const char c : label)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  }
  return true;
}

template <std::size_t N>
std::vector<OptionDef> with_key_options(const OptionDef (&own)[N]) {
  std::vector<OptionDef> defs(std::begin(own), std::end(own));
  defs.insert(defs.end(), std::begin(kSharedKeyOptions), std::end(kSharedKeyOptions));
  return defs;
}

}  // namespace

Result<KeygenOptions> parse_keygen_args(const std::vector<std::string>& args) {
  enum Id {
    opt_append,
    opt_bits,
    opt_dir,
    opt_domain,
    opt_hash,
    opt_help,
    opt_note,
    opt_restrict,
    opt_selector,
    opt_no_sub,
    opt_sub,
    opt_test,
    opt_verbose,
    opt_version,
    opt_type,
    opt_force,
    opt_user
  };
  static constexpr OptionDef kDefs[] = {
      {opt_append, 'a', "append-domain", false, true},
      {opt_bits, 'b', "bits", true},
      {opt_dir, 'D', "directory", true},
      {opt_domain, 'd', "domain", true},
      {opt_hash, 'h', "hash-algorithms", true},
      {opt_help, '\0', "help"},
      {opt_note, 'n', "note", true},
      {opt_restrict, 'r', "restrict", false, true},
      {opt_selector, 's', "selector", true},
      {opt_no_sub, 'S', ""},
      {opt_sub, '\0', "subdomains", false, true},
      {opt_test, 't', "testmode", false, true},
      {opt_verbose, 'v', "verbose"},
      {opt_version, 'V', "version"},
      {opt_type, 'k', "type", true},
      {opt_force, '\0', "force"},
      {opt_user, '\0', "user", true},
  };
  auto parsed = parse_args(args, kDefs);
  if (!parsed) return fail(parsed.error().code, parsed.error().detail);
  if (!parsed->operands.empty()) return fail(Errc::config, "unexpected argument '" + parsed->operands.front() + "'");
  KeygenOptions o;
  bool bits_given = false;
  for (const ParsedOption& p : parsed->options) {
    const bool on = !p.is_negated;
    switch (p.id) {
      case opt_append: o.zone.append_domain = on; break;
      case opt_bits: {
        auto b = parse_int("-b", p.value, kMinRsaBits, kMaxRsaBits);
        if (!b) return fail(b.error().code, b.error().detail + " (RFC 8301: at least 1024)");
        o.bits = *b;
        bits_given = true;
        break;
      }
      case opt_dir: o.directory = p.value; break;
      case opt_domain: o.zone.domain = p.value; break;
      case opt_hash: o.zone.hash_algs = p.value; break;
      case opt_help: o.wants_help = true; break;
      case opt_note: o.zone.note = p.value; break;
      case opt_restrict: o.zone.is_restricted = on; break;
      case opt_selector: o.zone.selector = p.value; break;
      case opt_no_sub: o.zone.allows_subdomains = false; break;
      case opt_sub: o.zone.allows_subdomains = on; break;
      case opt_test: o.zone.is_testing = on; break;
      case opt_verbose: ++o.verbose; break;
      case opt_version: o.wants_version = true; break;
      case opt_force: o.is_forced = true; break;
      case opt_user: o.user = p.value; break;
      case opt_type:
        if (iequals(p.value, "rsa"))
          o.zone.key_type = crypto::KeyType::rsa;
        else if (iequals(p.value, "ed25519"))
          o.zone.key_type = crypto::KeyType::ed25519;
        else
          return fail(Errc::config, "-k: key type must be rsa or ed25519");
        break;
    }
  }
  if (o.zone.key_type == crypto::KeyType::ed25519 && bits_given)
    return fail(Errc::config, "-b applies to rsa keys only (ed25519 keys have a fixed size)");
  // The selector becomes a file name and a DNS label: no '/', no empty name.
  if (!is_name_text(o.zone.selector))
    return fail(Errc::config, "-s: '" + o.zone.selector + "' is not a valid selector");
  if (!o.zone.domain.empty() && !is_name_text(o.zone.domain))
    return fail(Errc::config, "-d: '" + o.zone.domain + "' is not a valid domain");
  if (o.zone.note && o.zone.note->find_first_of("\"\\\n") != std::string::npos)
    return fail(Errc::config, "-n: the note may not contain quotes, backslashes or newlines");
  return o;
}

Result<TestkeyOptions> parse_testkey_args(const std::vector<std::string>& args) {
  enum Id { opt_domain, opt_selector, opt_key, opt_conf, opt_verbose, opt_help, opt_user };
  static constexpr OptionDef kOwn[] = {
      {opt_domain, 'd', "domain", true}, {opt_selector, 's', "selector", true}, {opt_key, 'k', "key", true},
      {opt_conf, 'x', "config", true},   {opt_verbose, 'v', "verbose"},         {opt_help, 'h', "help"},
      {opt_user, 'u', "user", true},
  };
  const auto defs = with_key_options(kOwn);
  auto parsed = parse_args(args, defs);
  if (!parsed) return fail(parsed.error().code, parsed.error().detail);
  if (!parsed->operands.empty()) return fail(Errc::config, "unexpected argument '" + parsed->operands.front() + "'");
  TestkeyOptions o;
  for (const ParsedOption& p : parsed->options) {
    if (auto shared = read_key_source(p, o.keys)) {
      if (!*shared) return fail(shared->error().code, shared->error().detail);
      continue;
    }
    switch (p.id) {
      case opt_domain: o.domain = p.value; break;
      case opt_selector: o.selector = p.value; break;
      case opt_key: o.key_path = p.value; break;
      case opt_conf: o.config_path = p.value; break;
      case opt_verbose: ++o.verbose; break;
      case opt_help: o.wants_help = true; break;
      case opt_user: o.user = p.value; break;
    }
  }
  return o;
}

Result<SignOptions> parse_sign_args(const std::vector<std::string>& args) {
  enum Id {
    opt_domain,
    opt_selector,
    opt_key,
    opt_alg,
    opt_canon,
    opt_headers,
    opt_oversign,
    opt_identity,
    opt_time,
    opt_ttl,
    opt_length,
    opt_help
  };
  static constexpr OptionDef kDefs[] = {
      {opt_domain, 'd', "domain", true},
      {opt_selector, 's', "selector", true},
      {opt_key, 'k', "key", true},
      {opt_alg, 'a', "algorithm", true},
      {opt_canon, 'c', "canonicalization", true},
      {opt_headers, 'H', "headers", true},
      {opt_oversign, 'o', "oversign", true},
      {opt_identity, 'i', "identity", true},
      {opt_time, 't', "timestamp", true},
      {opt_ttl, 'x', "ttl", true},
      {opt_length, 'l', "body-length"},
      {opt_help, 'h', "help"},
  };
  auto parsed = parse_args(args, kDefs);
  if (!parsed) return fail(parsed.error().code, parsed.error().detail);
  SignOptions o;
  for (const ParsedOption& p : parsed->options) {
    switch (p.id) {
      case opt_domain: o.params.domain = p.value; break;
      case opt_selector: o.params.selector = p.value; break;
      case opt_key: o.key_path = p.value; break;
      case opt_alg: {
        const auto a = dkim::parse_algorithm(p.value);
        if (!a || *a == dkim::Algorithm::rsa_sha1)
          return fail(Errc::config, "-a: algorithm must be rsa-sha256 or ed25519-sha256");
        o.params.algorithm = *a;
        o.is_algorithm_given = true;
        break;
      }
      case opt_canon: {
        const auto parts = split(p.value, '/');
        if (parts.size() > 2) return fail(Errc::config, "-c: expected header[/body]");
        dkim::Canon c[2] = {dkim::Canon::simple, dkim::Canon::simple};
        for (std::size_t i = 0; i < parts.size(); ++i) {
          if (iequals(parts[i], "relaxed"))
            c[i] = dkim::Canon::relaxed;
          else if (!iequals(parts[i], "simple"))
            return fail(Errc::config, "-c: '" + std::string(parts[i]) + "' is not simple or relaxed");
        }
        o.params.header_canon = c[0];
        o.params.body_canon = c[1];
        break;
      }
      case opt_headers:
      case opt_oversign: {
        std::vector<std::string> names;
        for (std::string_view n : split(p.value, p.value.find(':') != std::string::npos ? ':' : ','))
          if (!trim(n).empty()) names.emplace_back(trim(n));
        (p.id == opt_headers ? o.params.explicit_headers : o.params.oversign_headers) = names;
        break;
      }
      case opt_identity: o.params.identity = p.value; break;
      case opt_time: {
        const auto t = parse_uint(p.value);
        if (!t) return fail(Errc::config, "-t: not a number of seconds since the epoch");
        o.params.timestamp = *t;
        break;
      }
      case opt_ttl: {
        o.ttl = parse_uint(p.value);
        if (!o.ttl || *o.ttl == 0) return fail(Errc::config, "-x: not a positive number of seconds");
        break;
      }
      case opt_length: o.params.include_body_length = true; break;
      case opt_help: o.wants_help = true; break;
    }
  }
  auto file = single_operand(*parsed);
  if (!file) return fail(file.error().code, file.error().detail);
  o.message_path = *file;
  if (!o.wants_help && (o.params.domain.empty() || o.params.selector.empty() || o.key_path.empty()))
    return fail(Errc::config, "-d domain, -s selector and -k keyfile are required");
  return o;
}

Result<VerifyCliOptions> parse_verify_args(const std::vector<std::string>& args) {
  enum Id { opt_authserv, opt_sha1, opt_min_bits, opt_help };
  static constexpr OptionDef kOwn[] = {
      {opt_authserv, '\0', "authserv-id", true},
      {opt_sha1, '\0', "allow-sha1"},
      {opt_min_bits, '\0', "min-key-bits", true},
      {opt_help, 'h', "help"},
  };
  const auto defs = with_key_options(kOwn);
  auto parsed = parse_args(args, defs);
  if (!parsed) return fail(parsed.error().code, parsed.error().detail);
  VerifyCliOptions o;
  for (const ParsedOption& p : parsed->options) {
    if (auto shared = read_key_source(p, o.keys)) {
      if (!*shared) return fail(shared->error().code, shared->error().detail);
      continue;
    }
    switch (p.id) {
      case opt_authserv: o.authserv_id = p.value; break;
      case opt_sha1: o.allow_rsa_sha1 = true; break;
      case opt_min_bits: {
        auto b = parse_int("--min-key-bits", p.value, 512, dkim::kMaxRsaBits);
        if (!b) return fail(b.error().code, b.error().detail);
        o.min_rsa_bits = *b;
        break;
      }
      case opt_help: o.wants_help = true; break;
    }
  }
  auto file = single_operand(*parsed);
  if (!file) return fail(file.error().code, file.error().detail);
  o.message_path = *file;
  return o;
}

std::string format_result_line(const dkim::SignatureResult& r) {
  std::string out = "dkim=";
  out += dkim::to_string(r.result);
  if (r.result != dkim::VerifyResult::pass && !r.reason.empty()) {
    std::string reason;
    for (const char c : r.reason) reason += (c == '"' || c == '\\') ? '\'' : c;
    out += " reason=\"" + reason + "\"";
  }
  if (r.key_bits > 0) out += " (" + std::to_string(r.key_bits) + "-bit key)";
  if (r.domain.empty()) return out;
  out += " header.d=" + r.domain;
  out += " header.i=" + r.identity;
  out += " header.a=" + r.algorithm;
  out += " header.s=" + r.selector;
  if (!r.b_prefix.empty()) out += " header.b=" + r.b_prefix;
  return out;
}

Result<std::pair<std::string, std::string>> parse_key_file_spec(std::string_view spec) {
  const auto eq = spec.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == spec.size())
    return fail(Errc::config, "--key-file: expected SELECTOR._domainkey.DOMAIN=FILE, got '" + std::string(spec) + "'");
  std::string name = to_lower(spec.substr(0, eq));
  if (!name.empty() && name.back() == '.') name.pop_back();
  if (name.find("._domainkey.") == std::string::npos || !is_name_text(name))
    return fail(Errc::config, "--key-file: '" + name + "' is not SELECTOR._domainkey.DOMAIN");
  return std::pair{name, std::string(spec.substr(eq + 1))};
}

}  // namespace cachet::ctl

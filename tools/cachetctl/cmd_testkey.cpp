// SPDX-License-Identifier: BSD-2-Clause
//
// tools/cachetctl/cmd_testkey.cpp: `cachetctl testkey`, like opendkim-testkey: fetches the
// published key record (DNS via -n nameservers or /etc/resolv.conf; or --key-file), checks
// that it parses, is not revoked and allows sha256, and, given the private key (-k, KeyFile
// or the KeyTable's path), that the two belong together (a test signature made with the
// private key verifies with the published key) and that the file is safe (key_file.hpp:
// each problem names the path and the chmod/chown that fixes it).
// -x reads Domain, Selector, KeyFile, KeyTable and Nameservers from an opendkim.conf and
// ignores every other line (as opendkim-testkey uses only these values); with a KeyTable
// every key in it is checked. Output: "key OK" on stdout per good key, problems on
// stderr. Exit: 0 every key good, 1 any problem, 64 usage.
// LIMITATION: no DNSSEC, so like opendkim-testkey without a trust anchor, -v reports
// "key not secure".
#include <unistd.h>

#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "common/base/strings.hpp"
#include "common/config/dataset.hpp"
#include "common/crypto/crypto.hpp"
#include "common/dkim/key_file.hpp"
#include "common/dkim/key_match.hpp"
#include "common/dkim/key_record.hpp"
#include "tools/cachetctl/args.hpp"
#include "tools/cachetctl/dkim_tools.hpp"
#include "tools/cachetctl/key_source.hpp"

namespace cachet::ctl {

namespace {

constexpr std::string_view kName = "testkey";

struct KeyToTest {
  std::string domain;
  std::string selector;
  std::string key_path;  // may be empty: only the record is checked
  dkim::KeyUser user;    // whom the file rule protects the key for
};

void testkey_usage(std::FILE* out) {
  std::fprintf(out,
               "usage: cachetctl testkey [options]\n"
               "\t-d domain   \tdomain name\n"
               "\t-k keypath  \tpath to private key\n"
               "\t-s selector \tselector name\n"
               "\t-v          \tincrease verbose output\n"
               "\t-x conffile \tconfiguration file (Domain, Selector, KeyFile, KeyTable, Nameservers, UserID)\n"
               "\t-u user     \tthe daemon's user, whom the key files are judged for [UserID; as root: cachet-dkim]\n"
               "\t-n addr[:port]\tnameserver to ask (repeatable; default /etc/resolv.conf)\n"
               "\t-T seconds  \tDNS timeout per attempt [5]\n"
               "\t--key-file SEL._domainkey.DOMAIN=FILE\ttake that record from FILE, not DNS\n");
}

// The keys to check: -d/-s/-k (over Domain/Selector/KeyFile), else every KeyTable row.
Result<std::vector<KeyToTest>> keys_to_test(TestkeyOptions& o) {
  DkimConfValues conf;
  if (!o.config_path.empty()) {
    auto c = read_dkim_conf(o.config_path);
    if (!c) return fail(c.error().code, c.error().detail);
    conf = std::move(*c);
    if (o.keys.nameservers.empty())
      for (std::string_view ns : split(conf.nameservers, ','))
        if (!trim(ns).empty()) o.keys.nameservers.emplace_back(trim(ns));
  }
  // The file rule protects the key for the daemon's user: --user, UserID, the packaged
  // user when run as root, else whoever runs us (key_file.hpp, tool_key_user).
  auto resolved = dkim::tool_key_user(o.user.empty() ? conf.user_id : o.user);
  if (!resolved)
    return fail(resolved.error().code, (o.user.empty() ? "UserID: " : "--user: ") + resolved.error().detail);
  const dkim::KeyUser user = std::move(*resolved);
  if (o.verbose > 0) complain(kName, "judging key files for user " + user.name, 0);
  KeyToTest single{o.domain.empty() ? conf.domain : o.domain, o.selector.empty() ? conf.selector : o.selector,
                   o.key_path.empty() ? conf.key_file : o.key_path, user};
  // Domain may be a data set ("a.example,b.example"); testkey checks one domain.
  if (single.domain.find(',') != std::string::npos)
    return fail(Errc::config, "Domain lists several domains; give one with -d");
  if (!single.domain.empty() && !single.selector.empty()) return std::vector<KeyToTest>{single};
  if (conf.key_table.empty()) return fail(Errc::config, "domain (-d) and selector (-s) are required");
  auto table = config::load_dataset(conf.key_table);
  if (!table) return fail(table.error().code, table.error().detail);
  std::vector<KeyToTest> keys;
  for (const config::DatasetEntry& e : table->entries()) {
    const auto fields = split(e.value, ':');
    if (fields.size() < 3)
      return fail(Errc::config, table->origin() + ":" + std::to_string(e.line) + ": expected domain:selector:keypath");
    keys.push_back({std::string(fields[0]), std::string(fields[1]), std::string(fields[2]), user});
  }
  if (keys.empty()) return fail(Errc::config, "the KeyTable is empty");
  return keys;
}

// One published record: exactly one parsable DKIM key record among the TXT strings.
Result<dkim::KeyRecord> fetch_record(KeyFetcher& fetcher, const std::string& name) {
  const dkim::KeyAnswer a = fetcher.lookup(name);
  if (a.status == dkim::KeyAnswer::Status::temporary)
    return fail(Errc::temporary, "'" + name + "' query failed: " + fetcher.last_error());
  if (a.status == dkim::KeyAnswer::Status::not_found)
    return fail(Errc::permanent, "'" + name + "' record not found (" + fetcher.last_error() + ")");
  std::vector<dkim::KeyRecord> valid;
  std::string why;
  for (const std::string& txt : a.records) {
    auto r = dkim::parse_key_record(txt);
    if (r)
      valid.push_back(std::move(*r));
    else
      why = r.error().detail;
  }
  if (valid.size() > 1) return fail(Errc::permanent, "'" + name + "': multiple keys found");
  if (valid.empty()) return fail(Errc::permanent, "'" + name + "': bad key record: " + why);
  return std::move(valid.front());
}

bool problem(const std::string& message) {
  complain(kName, message, 1);
  return false;
}

// Checks one key; prints problems; returns true when it is good.
bool test_one(const KeyToTest& k, KeyFetcher& fetcher, int verbose) {
  const std::string name = k.selector + "._domainkey." + k.domain;
  if (verbose > 0) complain(kName, "checking key '" + name + "' (" + fetcher.origin(name) + ")", 0);
  auto rec = fetch_record(fetcher, name);
  if (!rec) return problem(rec.error().detail);
  bool ok = true;
  if (rec->is_revoked) return problem("'" + name + "': key revoked (empty p=)");
  if (!rec->allows_hash("sha256")) ok = problem("'" + name + "': h= does not allow sha256");
  if (!rec->allows_email()) ok = problem("'" + name + "': s= does not allow email");
  if (rec->is_testing && verbose > 0) complain(kName, "'" + name + "': key is in test mode (t=y)", 0);
  if (verbose > 0) complain(kName, "key not secure (no DNSSEC validation)", 0);
  if (!k.key_path.empty()) {
    auto file = dkim::read_key_file(k.key_path, k.user);
    if (!file) return problem(file.error().detail);
    for (const dkim::KeyFileProblem& p : file->problems)
      ok = problem("WARNING: unsafe permissions: " + dkim::describe(p));
    auto priv = crypto::PrivateKey::load(file->text);
    if (!priv) return problem(k.key_path + ": private key load failed: " + priv.error().detail);
    if (verbose > 0) complain(kName, "key loaded from " + k.key_path, 0);
    if (priv->type() == crypto::KeyType::rsa && priv->bits() < kMinRsaBits)
      ok = problem(k.key_path + ": key too small (" + std::to_string(priv->bits()) + " bits)");
    if (auto m = dkim::check_key_match(*priv, *rec); !m) ok = problem("'" + name + "': " + m.error().detail);
  }
  if (ok) std::printf("key OK\n");
  return ok;
}

}  // namespace

int cmd_testkey(std::span<char* const> args) {
  auto parsed = parse_testkey_args(to_strings(args));
  if (!parsed) return usage_error(kName, parsed.error().detail, &testkey_usage);
  if (parsed->wants_help) {
    testkey_usage(stdout);
    return 0;
  }
  auto keys = keys_to_test(*parsed);
  if (!keys) {
    const int status = keys.error().code == Errc::config && parsed->config_path.empty() ? kExitUsage : 1;
    complain(kName, keys.error().detail, status);
    if (status == kExitUsage) testkey_usage(stderr);
    return status;
  }
  KeyFetcher fetcher(parsed->keys);
  std::size_t pass = 0;
  for (const KeyToTest& k : *keys)
    if (test_one(k, fetcher, parsed->verbose)) ++pass;
  if (keys->size() > 1 || parsed->verbose > 0)
    complain(kName,
             std::to_string(keys->size()) + " key" + (keys->size() == 1 ? "" : "s") + " checked; " +
                 std::to_string(pass) + " pass, " + std::to_string(keys->size() - pass) + " fail",
             0);
  return pass == keys->size() ? 0 : 1;
}

}  // namespace cachet::ctl

// SPDX-License-Identifier: BSD-2-Clause
//
// tools/cachetctl/cmd_keygen.cpp: `cachetctl keygen`, opendkim-genkey's drop-in: writes
// SELECTOR.private (PKCS#8 PEM, "BEGIN PRIVATE KEY" as openssl genrsa 3.x writes it for
// opendkim-genkey, mode 0600; with --user NAME 0640 in NAME's primary group, the packaged
// layout root:cachet-dkim) and SELECTOR.txt (the zone stub, mode 0600 as genkey's umask 077
// leaves it) in the -D directory, and prints the TXT value on one line on stdout. Differences (cachetctl.1.md): -k
// ed25519; RSA sizes outside 1024..4096 are refused (genkey only warns under 1024); an existing SELECTOR.private is not
// replaced without --force (genkey overwrites it). Exit: 0 written, 1 failure, 64 usage.
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <optional>
#include <span>
#include <string>

#include "common/base/fd.hpp"
#include "common/crypto/crypto.hpp"
#include "common/dkim/key_zone.hpp"
#include "tools/cachetctl/args.hpp"
#include "tools/cachetctl/dkim_tools.hpp"
#include "tools/cachetctl/key_source.hpp"

namespace cachet::ctl {

namespace {

constexpr std::string_view kName = "keygen";

void keygen_usage(std::FILE* out) {
  std::fprintf(out,
               "usage: cachetctl keygen [options]\n"
               "\t-a, --append-domain      include domain name in zone file stub\n"
               "\t-b, --bits=n             use n bits to generate an rsa key [2048]\n"
               "\t-D, --directory=path     leave output in the named directory\n"
               "\t-d, --domain=name        generate data for the named domain [localhost]\n"
               "\t-h, --hash-algorithms=l  limit to use of the named algorithm(s) [sha256]\n"
               "\t-k, --type=rsa|ed25519   key type [rsa]\n"
               "\t-n, --note=string        include specified note in zone data\n"
               "\t-r, --restrict           restrict key to email use only\n"
               "\t-s, --selector=name      selector name [default]\n"
               "\t-S, --nosubdomains       disallow signing of subdomains (t=s)\n"
               "\t-t, --testmode           indicate key is in test mode\n"
               "\t-v, --verbose            increased output\n"
               "\t    --force              replace an existing SELECTOR.private\n"
               "\t    --user=name          the daemon's user: key 0640, group its group [0600]\n"
               "\t    --help               print help and exit\n");
}

// Who may read the private key besides its owner: nobody (0600), or the daemon user's
// primary group (0640 root:GROUP, the packaged layout: packaging/README.md).
struct KeyAccess {
  mode_t mode = 0600;
  std::optional<gid_t> group;
  std::string group_name;
};

// --user NAME: the packaged layout for that user. Errors: config (no such user).
Result<KeyAccess> access_for(const std::string& user) {
  KeyAccess a;
  if (user.empty()) return a;
  const passwd* pw = ::getpwnam(user.c_str());
  if (pw == nullptr) return fail(Errc::config, "--user: no such user: " + user);
  a.mode = 0640;
  a.group = pw->pw_gid;
  const group* gr = ::getgrgid(pw->pw_gid);
  a.group_name = gr != nullptr ? gr->gr_name : std::to_string(pw->pw_gid);
  return a;
}

// Writes `bytes` to `path` with access.mode whatever the umask, in access.group if any.
// `exclusive`: fail if the file exists. Errors: config.
Result<void> write_private_file(const std::string& path, std::string_view bytes, bool exclusive,
                                const KeyAccess& access = {}) {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (exclusive ? O_EXCL : O_TRUNC);
  Fd fd(::open(path.c_str(), flags, 0600));
  if (fd.get() < 0) {
    const int err = errno;
    if (err == EEXIST) return fail(Errc::config, path + " exists; use --force to replace it");
    return fail(Errc::config, "cannot create " + path + ": " + std::strerror(err));
  }
  // The group first, the group read bit after: no moment where the wrong group may read.
  if (access.group && ::fchown(fd.get(), static_cast<uid_t>(-1), *access.group) != 0) {
    const int err = errno;
    return fail(Errc::config, "cannot give " + path + " to group " + access.group_name + ": " + std::strerror(err) +
                                  " (run as root)");
  }
  if (::fchmod(fd.get(), access.mode) != 0) {
    const int err = errno;
    return fail(Errc::config, "cannot chmod " + path + ": " + std::strerror(err));
  }
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      return fail(Errc::config, "cannot write " + path + ": " + std::strerror(err));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd.release()) != 0) {
    const int err = errno;
    return fail(Errc::config, "cannot write " + path + ": " + std::strerror(err));
  }
  return {};
}

void say(int verbose, const std::string& text) {
  if (verbose > 0) std::fprintf(stderr, "cachetctl keygen: %s\n", text.c_str());
}

}  // namespace

int cmd_keygen(std::span<char* const> args) {
  auto parsed = parse_keygen_args(to_strings(args));
  if (!parsed) return usage_error(kName, parsed.error().detail, &keygen_usage);
  KeygenOptions& o = *parsed;
  if (o.wants_help) {
    keygen_usage(stdout);
    return 0;
  }
  if (o.wants_version) {
    std::printf("cachetctl keygen %s\n", CACHET_VERSION);
    return 0;
  }
  const std::string dir = o.directory.empty() ? "." : o.directory;
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return complain(kName, dir + ": not a directory", 1);
  const std::string base = dir + "/" + o.zone.selector;

  auto access = access_for(o.user);
  if (!access) return complain(kName, access.error().detail, 1);

  say(o.verbose, "generating private key");
  auto key = crypto::PrivateKey::generate(o.zone.key_type, o.bits);
  if (!key) return complain(kName, "key generation failed: " + key.error().detail, 1);
  auto pem = key->to_pem();
  if (!pem) return complain(kName, "cannot encode the key: " + pem.error().detail, 1);
  if (auto w = write_private_file(base + ".private", pem->view(), !o.is_forced, *access); !w)
    return complain(kName, w.error().detail, 1);
  say(o.verbose, "private key written to " + o.zone.selector + ".private");

  say(o.verbose, "extracting public key");
  auto pub = key->public_key_for_dns();
  if (!pub) return complain(kName, "cannot extract the public key: " + pub.error().detail, 1);
  o.zone.public_key = std::move(*pub);
  if (auto w = write_private_file(base + ".txt", dkim::format_key_zone(o.zone), false); !w)
    return complain(kName, w.error().detail, 1);
  say(o.verbose, "DNS TXT record written to " + o.zone.selector + ".txt");
  // The value on one line, for DNS panels that take it whole (the zone stub splits it).
  if (auto entry = dkim::parse_key_zone(dkim::format_key_zone(o.zone))) std::printf("%s\n", entry->record().c_str());
  return 0;
}

}  // namespace cachet::ctl

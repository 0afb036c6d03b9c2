// SPDX-License-Identifier: BSD-2-Clause
//
// tools/cachetctl/cmd_doctor.cpp: `cachetctl doctor`: is this host's mail set up right?
// Checks a domain's DNS (MX and their addresses, PTR and forward-confirmed reverse DNS vs
// myhostname, SPF, DKIM keys of the KeyTable against their records, DMARC and its report
// targets: common/doctor/dns_checks.hpp) and Postfix's main.cf (milter sockets,
// milter_default_action, the SPF service's place, the sender-login check:
// common/doctor/postfix_checks.hpp). Prints one ✓/✗/!/? line per finding, each ✗ and !
// with its fix (or JSON with --json). Exit 0 all good, 1 a problem, 2 something could not
// be checked, 64 usage.
// Offline-safe: DNS goes only to --nameserver, else the Nameservers of dkim.conf or
// dmarc.conf; /etc/resolv.conf only with --system-resolver.
// master.cf next to main.cf: the SPF spawn entry (argv=, _time_limit) and a chrooted smtpd.
// The TLS certificate's expiry. The installed daemons: check mode and socket
// (doctor_daemons.hpp).
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "common/base/strings.hpp"
#include "common/config/dataset.hpp"
#include "common/config/file_reader.hpp"
#include "common/crypto/certificate.hpp"
#include "common/dkim/key_file.hpp"
#include "common/dns/ldns_resolver.hpp"
#include "common/doctor/dns_checks.hpp"
#include "common/doctor/postfix_checks.hpp"
#include "common/postfix/main_cf.hpp"
#include "common/postfix/master_cf.hpp"
#include "tools/cachetctl/args.hpp"
#include "tools/cachetctl/doctor_daemons.hpp"
#include "tools/cachetctl/key_source.hpp"

namespace cachet::ctl {
namespace {

constexpr std::string_view kName = "doctor";

struct DoctorOptions {
  std::string domain, ip, myhostname;
  std::vector<std::string> nameservers;
  std::string dkim_config = "/etc/cachet/dkim.conf";
  std::string dmarc_config = "/etc/cachet/dmarc.conf";
  std::string postfix_dir = "/etc/postfix";
  bool has_postfix_dir = false;
  // postconf: ask it for Postfix's view (defaults included) unless --no-postconf; with
  // --postfix-dir only when --postconf asks for it (then `postconf -c DIR`).
  bool postconf = false, no_postconf = false;
  DaemonPlaces daemons;
  bool json = false;
  bool system_resolver = false;
  bool help = false;
};

void doctor_usage(std::FILE* out) {
  std::fprintf(out,
               "usage: cachetctl doctor -d domain [options]\n"
               "\t-d, --domain=name        the mail domain to check [dkim.conf's Domain]\n"
               "\t    --ip=address         the server's public address [smtp_bind_address, else the MX's]\n"
               "\t    --myhostname=name    Postfix's myhostname [from main.cf]\n"
               "\t-n, --nameserver=addr    nameserver to ask (repeatable) [dkim.conf/dmarc.conf Nameservers]\n"
               "\t    --system-resolver    ask the nameservers of /etc/resolv.conf\n"
               "\t    --dkim-config=file   [/etc/cachet/dkim.conf]\n"
               "\t    --dmarc-config=file  [/etc/cachet/dmarc.conf]\n"
               "\t    --postfix-dir=dir    where main.cf is [postconf's config_directory, /etc/postfix]\n"
               "\t    --postconf           ask postconf -c DIR also with --postfix-dir\n"
               "\t    --no-postconf        read main.cf and master.cf as files only\n"
               "\t    --sbin-dir=dir       where the daemons are installed [/usr/sbin]\n"
               "\t    --config-dir=dir     where their configurations are [/etc/cachet]\n"
               "\t    --json               JSON instead of the table\n"
               "\t-h, --help               print help and exit\n");
}

Result<DoctorOptions> parse_doctor_args(const std::vector<std::string>& args) {
  enum Id {
    opt_domain,
    opt_ip,
    opt_host,
    opt_ns,
    opt_system,
    opt_dkim,
    opt_dmarc,
    opt_postfix,
    opt_json,
    opt_help,
    opt_sbin,
    opt_conf_dir,
    opt_postconf,
    opt_no_postconf
  };
  static constexpr OptionDef kDefs[] = {
      {opt_domain, 'd', "domain", true},
      {opt_ip, '\0', "ip", true},
      {opt_host, '\0', "myhostname", true},
      {opt_ns, 'n', "nameserver", true},
      {opt_system, '\0', "system-resolver"},
      {opt_dkim, '\0', "dkim-config", true},
      {opt_dmarc, '\0', "dmarc-config", true},
      {opt_postfix, '\0', "postfix-dir", true},
      {opt_json, '\0', "json"},
      {opt_help, 'h', "help"},
      {opt_sbin, '\0', "sbin-dir", true},
      {opt_conf_dir, '\0', "config-dir", true},
      {opt_postconf, '\0', "postconf"},
      {opt_no_postconf, '\0', "no-postconf"},
  };
  auto parsed = parse_args(args, kDefs);
  if (!parsed) return fail(parsed.error().code, parsed.error().detail);
  if (!parsed->operands.empty()) return fail(Errc::config, "unexpected argument '" + parsed->operands.front() + "'");
  DoctorOptions o;
  for (const ParsedOption& p : parsed->options) {
    switch (p.id) {
      case opt_domain: o.domain = to_lower(p.value); break;
      case opt_ip: o.ip = p.value; break;
      case opt_host: o.myhostname = to_lower(p.value); break;
      case opt_ns:
        for (std::string_view ns : split(p.value, ','))
          if (!trim(ns).empty()) o.nameservers.emplace_back(trim(ns));
        break;
      case opt_system: o.system_resolver = true; break;
      case opt_dkim: o.dkim_config = p.value; break;
      case opt_dmarc: o.dmarc_config = p.value; break;
      case opt_postfix:
        o.postfix_dir = p.value;
        o.has_postfix_dir = true;
        break;
      case opt_postconf: o.postconf = true; break;
      case opt_no_postconf: o.no_postconf = true; break;
      case opt_json: o.json = true; break;
      case opt_help: o.help = true; break;
      case opt_sbin: o.daemons.sbin_dir = p.value; break;
      case opt_conf_dir: o.daemons.config_dir = p.value; break;
    }
  }
  return o;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::vector<std::string> list_of(std::string_view text) {
  std::vector<std::string> out;
  for (std::string_view x : split(text, ','))
    for (std::string_view y : split(trim(x), ' '))
      if (!trim(y).empty()) out.emplace_back(trim(y));
  return out;
}

// The private keys of dkim.conf (KeyTable rows, else KeyFile) for `domain`.
struct LoadedKeys {
  std::vector<crypto::PrivateKey> keys;  // parallel to checks
  std::vector<doctor::DkimKeyToCheck> checks;
};

void load_keys(const DkimConfValues& conf, const std::string& domain, LoadedKeys& out, doctor::Findings& f) {
  struct Row {
    std::string domain, selector, path, origin;
  };
  std::vector<Row> rows;
  if (!conf.key_table.empty()) {
    auto table = config::load_dataset(conf.key_table);
    if (!table) {
      f.push_back({"dkim.key", doctor::Mark::unchecked, "KeyTable: " + table.error().detail, ""});
      return;
    }
    for (const config::DatasetEntry& e : table->entries()) {
      const auto fields = split(e.value, ':');
      if (fields.size() >= 3)
        rows.push_back({to_lower(trim(fields[0])), std::string(trim(fields[1])), std::string(trim(fields[2])),
                        "KeyTable " + e.key});
    }
  } else if (!conf.key_file.empty() && !conf.selector.empty()) {
    rows.push_back({domain, conf.selector, conf.key_file, "KeyFile"});
  }
  out.keys.reserve(rows.size());
  for (const Row& r : rows) {
    if (r.domain != "%" && r.domain != domain) continue;
    const crypto::PrivateKey* key = nullptr;
    if (auto user = dkim::tool_key_user(conf.user_id)) {
      if (auto file = dkim::read_key_file(r.path, *user)) {
        if (auto k = crypto::PrivateKey::load(file->text)) {
          out.keys.push_back(std::move(*k));
          key = &out.keys.back();
        }
      }
    }
    if (key == nullptr)
      f.push_back({"dkim.key", doctor::Mark::unchecked, r.origin + ": cannot read the private key " + r.path,
                   "run doctor as root, or check the key with cachet-dkim --check-config"});
    out.checks.push_back({domain, r.selector, key, r.origin});
  }
}

// Whether user postfix (its primary and supplementary groups) has write permission on the
// socket and search permission on every directory above it, judged from the modes (doctor
// may run as root, for whom access(2) says yes to everything). No user postfix: true.
bool postfix_may_connect(const std::string& path) {
  const passwd* pw = ::getpwnam("postfix");
  if (pw == nullptr) return true;
  const uid_t uid = pw->pw_uid;
  int count = 64;
  std::vector<gid_t> groups(static_cast<std::size_t>(count));
  if (::getgrouplist(pw->pw_name, pw->pw_gid, groups.data(), &count) < 0) {
    groups.resize(static_cast<std::size_t>(count));
    (void)::getgrouplist(pw->pw_name, pw->pw_gid, groups.data(), &count);
  }
  groups.resize(static_cast<std::size_t>(std::max(count, 0)));
  auto allowed = [&](const std::string& p, mode_t owner_bit, mode_t group_bit, mode_t other_bit) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return false;
    if (uid == 0) return true;
    if (st.st_uid == uid) return (st.st_mode & owner_bit) != 0;
    if (std::find(groups.begin(), groups.end(), st.st_gid) != groups.end()) return (st.st_mode & group_bit) != 0;
    return (st.st_mode & other_bit) != 0;
  };
  if (!allowed(path, S_IWUSR, S_IWGRP, S_IWOTH)) return false;
  for (auto dir = std::filesystem::path(path).parent_path(); !dir.empty(); dir = dir.parent_path()) {
    if (!allowed(dir.string(), S_IXUSR, S_IXGRP, S_IXOTH)) return false;
    if (dir == dir.root_path()) break;
  }
  return true;
}

// The programs master.cf runs with spawn(8) (argv= file names: "cachet-spf").
std::vector<std::string> spawned_daemons(const postfix::MasterCf& master) {
  std::vector<std::string> out;
  for (const postfix::MasterEntry& e : master.entries)
    if (!e.command.empty() && e.command.front() == "spawn")
      if (auto argv = e.argument("argv")) out.push_back(std::filesystem::path(*argv).filename().string());
  return out;
}

// The first postconf found: the packages' /usr/sbin (Debian, Fedora), /usr/bin (Arch).
std::string find_postconf() {
  for (const char* p : {"/usr/sbin/postconf", "/usr/bin/postconf"})
    if (::access(p, X_OK) == 0) return p;
  return {};
}

struct PostfixConfig {
  std::optional<postfix::MainCf> main;
  std::optional<postfix::MasterCf> master;
};

std::optional<std::string> read_optional(const std::string& path) {
  auto text = config::read_text_file(path, postfix::kMaxMainCfBytes);
  return text ? std::optional<std::string>(std::move(*text)) : std::nullopt;
}

// main.cf and master.cf as Postfix reads them: through postconf when it is there (every
// parameter with Postfix's compiled-in defaults, `postconf -M` for the services; the files
// for line numbers), else from the files alone. Unreadable or broken: a ? finding.
PostfixConfig load_postfix(DoctorOptions& o, doctor::Findings& f) {
  PostfixConfig out;
  const std::string postconf = o.no_postconf || (o.has_postfix_dir && !o.postconf) ? "" : find_postconf();
  CommandRun params, services;
  if (!postconf.empty()) {
    std::vector<std::string> argv{postconf};
    if (o.has_postfix_dir) argv.insert(argv.end(), {"-c", o.postfix_dir});
    params = run_program(argv, "", /*with_stderr=*/false, postfix::kMaxMainCfBytes);
    argv.emplace_back("-M");
    services = run_program(argv, "", /*with_stderr=*/false, postfix::kMaxMainCfBytes);
    if (params.status == 0 && services.status == 0) {
      if (auto pc = postfix::parse_main_cf(params.output, "postconf"); pc && !o.has_postfix_dir)
        if (auto dir = pc->expand("config_directory"); dir && !dir->empty()) o.postfix_dir = *dir;
    } else {
      f.push_back({"postfix.config", doctor::Mark::advice,
                   postconf + " failed (exit " + std::to_string(params.status != 0 ? params.status : services.status) +
                       "): main.cf and master.cf read as files, without Postfix's defaults",
                   "run `" + postconf + (o.has_postfix_dir ? " -c " + o.postfix_dir : std::string()) +
                       "` to see why, or give --no-postconf"});
      params.status = services.status = -1;
    }
  }
  const bool use_postconf = !postconf.empty() && params.status == 0;
  const std::string main_path = o.postfix_dir + "/main.cf";
  const std::string master_path = o.postfix_dir + "/master.cf";
  const auto main_text = read_optional(main_path);
  const auto master_text = read_optional(master_path);
  if (use_postconf) {
    auto cf = doctor::main_cf_with_postconf(main_text, main_path, params.output);
    if (cf) {
      const std::string version = cf->expand("mail_version").value_or("");
      f.push_back({"postfix.config", doctor::Mark::ok,
                   "read through " + postconf + (o.has_postfix_dir ? " -c " + o.postfix_dir : std::string()) +
                       " (Postfix " + version + "): unset parameters take its defaults",
                   ""});
      out.main = std::move(*cf);
    } else {
      f.push_back({"postfix.main_cf", doctor::Mark::unchecked, cf.error().detail, ""});
    }
    if (auto m = doctor::master_cf_with_postconf(master_text, master_path, services.output))
      out.master = std::move(*m);
    else
      f.push_back({"postfix.master_cf", doctor::Mark::unchecked, m.error().detail, ""});
    return out;
  }
  if (!main_text) {
    auto e = config::read_text_file(main_path, postfix::kMaxMainCfBytes);
    f.push_back({"postfix.main_cf", doctor::Mark::unchecked, e ? std::string() : e.error().detail,
                 "give --postfix-dir, or --myhostname and --ip"});
    return out;
  }
  if (auto cf = postfix::parse_main_cf(*main_text, main_path))
    out.main = std::move(*cf);
  else
    f.push_back({"postfix.main_cf", doctor::Mark::unchecked, cf.error().detail, ""});
  if (!out.main) return out;
  if (!master_text) {
    auto e = config::read_text_file(master_path, postfix::kMaxMainCfBytes);
    f.push_back({"postfix.master_cf", doctor::Mark::unchecked, e ? std::string() : e.error().detail, ""});
  } else if (auto m = postfix::parse_master_cf(*master_text, master_path)) {
    out.master = std::move(*m);
  } else {
    f.push_back({"postfix.master_cf", doctor::Mark::unchecked, m.error().detail, ""});
  }
  return out;
}

}  // namespace

int cmd_doctor(std::span<char* const> args) {
  auto parsed = parse_doctor_args(to_strings(args));
  if (!parsed) return usage_error(kName, parsed.error().detail, &doctor_usage);
  DoctorOptions& o = *parsed;
  if (o.help) {
    doctor_usage(stdout);
    return 0;
  }
  DkimConfValues dkim_conf;
  if (exists(o.dkim_config))
    if (auto c = read_dkim_conf(o.dkim_config)) dkim_conf = std::move(*c);
  if (o.domain.empty() && dkim_conf.domain.find(',') == std::string::npos) o.domain = to_lower(dkim_conf.domain);
  if (o.domain.empty()) return usage_error(kName, "which domain? give -d", &doctor_usage);
  if (o.nameservers.empty()) o.nameservers = list_of(dkim_conf.nameservers);
  if (o.nameservers.empty() && exists(o.dmarc_config))
    if (auto c = read_dkim_conf(o.dmarc_config)) o.nameservers = list_of(c->nameservers);
  if (o.nameservers.empty() && !o.system_resolver)
    return complain(kName,
                    "no nameserver: give -n, set Nameservers in " + o.dkim_config +
                        ", or allow /etc/resolv.conf with --system-resolver",
                    doctor::kExitUnchecked);
  dns::ResolverOptions ro;
  ro.nameservers = o.nameservers;
  auto resolver = dns::LdnsResolver::create(ro);
  if (!resolver) return complain(kName, "resolver: " + resolver.error().detail, doctor::kExitUnchecked);

  doctor::Findings f;
  PostfixConfig pf = load_postfix(o, f);
  std::optional<postfix::MainCf>& main_cf = pf.main;
  auto from_main = [&](std::string_view name) {
    if (!main_cf) return std::string();
    auto v = main_cf->expand(name);
    return v ? to_lower(*v) : std::string();
  };
  if (o.myhostname.empty()) o.myhostname = from_main("myhostname");
  if (o.ip.empty()) o.ip = from_main("smtp_bind_address");

  const auto mx_addresses = doctor::check_mx(**resolver, o.domain, f);
  if (o.ip.empty() && !mx_addresses.empty()) o.ip = mx_addresses.front();
  if (o.ip.empty())
    f.push_back({"dns.ptr", doctor::Mark::unchecked, "no server address known", "give --ip"});
  else
    doctor::check_ptr(**resolver, o.ip, o.myhostname, f);
  doctor::check_spf(**resolver, o.domain, o.ip, f);
  LoadedKeys keys;
  load_keys(dkim_conf, o.domain, keys, f);
  if (keys.checks.empty())
    f.push_back({"dkim.key", doctor::Mark::advice, "no DKIM key for " + o.domain + " in " + o.dkim_config,
                 "cachetctl keygen -D /etc/cachet/keys -s SELECTOR -d " + o.domain +
                     " --user cachet-dkim, then KeyFile/Selector/Domain in dkim.conf"});
  doctor::check_dkim(**resolver, keys.checks, f);
  doctor::check_dmarc(**resolver, o.domain, f);
  if (main_cf)
    doctor::check_postfix_main(
        *main_cf,
        [](const std::string& p) {
          struct stat st {};
          if (::stat(p.c_str(), &st) != 0) return doctor::SocketState::missing;
          if (!S_ISSOCK(st.st_mode)) return doctor::SocketState::not_socket;
          return postfix_may_connect(p) ? doctor::SocketState::socket : doctor::SocketState::not_connectable;
        },
        f);
  if (main_cf) {
    std::vector<doctor::CertificateFile> certs;
    for (const std::string& path : doctor::tls_certificate_files(*main_cf)) {
      auto pem = config::read_text_file(path, crypto::kMaxCertificateFileBytes);
      certs.push_back({path, pem ? crypto::certificates_in(*pem)
                                 : Result<std::vector<crypto::CertificateValidity>>(Unexpected<Error>(pem.error()))});
    }
    doctor::check_tls_certificates(certs, static_cast<std::int64_t>(std::time(nullptr)), f);
    if (pf.master) {
      o.daemons.spawned = spawned_daemons(*pf.master);
      doctor::check_postfix_master(
          *main_cf, *pf.master,
          [](const std::string& p) {
            struct stat st {};
            return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
          },
          /*chroot_default=*/false, f);
    }
  }
  check_daemons(o.daemons, f);
  const std::string text = o.json ? doctor::format_json(f) : doctor::format_text(f);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return doctor::exit_status(f);
}

}  // namespace cachet::ctl

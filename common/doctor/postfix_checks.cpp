// SPDX-License-Identifier: BSD-2-Clause
// common/doctor/postfix_checks.cpp: see postfix_checks.hpp.
#include "common/doctor/postfix_checks.hpp"

#include <algorithm>

#include "common/base/strings.hpp"

namespace cachet::doctor {
namespace {

void add(Findings& out, std::string check, Mark mark, std::string what, std::string fix = {}) {
  out.push_back(Finding{std::move(check), mark, std::move(what), std::move(fix)});
}

std::string value_of(const postfix::MainCf& cf, std::string_view name) {
  auto v = cf.expand(name);
  return v ? *v : std::string();
}

std::string where(const postfix::MainCf& cf, std::string_view name) {
  const std::string o = cf.origin(name);
  return o.empty() ? std::string(name) : o + ": " + std::string(name);
}

void check_milters(const postfix::MainCf& cf, const std::function<SocketState(const std::string&)>& probe,
                   Findings& out) {
  const std::string queue =
      value_of(cf, "queue_directory").empty() ? "/var/spool/postfix" : value_of(cf, "queue_directory");
  std::vector<std::string> seen;
  for (const char* param : {"smtpd_milters", "non_smtpd_milters"}) {
    for (std::string item : postfix::split_list(value_of(cf, param))) {
      if (!item.empty() && item.front() == '{') item = item.substr(1);  // {unix:/x, ...} form
      if (item.rfind("unix:", 0) != 0) continue;
      const std::string raw = item.substr(5);
      if (raw.empty()) continue;
      const std::string path = raw.front() == '/' ? raw : queue + "/" + raw;
      if (std::find(seen.begin(), seen.end(), path) != seen.end()) continue;
      seen.push_back(path);
      switch (probe(path)) {
        case SocketState::socket:
          add(out, "postfix.milters", Mark::ok, where(cf, param) + ": " + path + " is a listening socket");
          break;
        case SocketState::missing:
          add(out, "postfix.milters", Mark::problem, where(cf, param) + ": " + path + " does not exist",
              "start the milter that listens there (systemctl status cachet-dkim / cachet-dmarc), or correct the path");
          break;
        case SocketState::not_connectable:
          add(out, "postfix.milters", Mark::problem, where(cf, param) + ": user postfix may not connect to " + path,
              "give the socket's directory group postfix (the packages' tmpfiles.d: 2750 cachet-<d>:postfix) "
              "and the daemon UMask 007, so the socket is group postfix and group-writable");
          break;
        case SocketState::not_socket:
          add(out, "postfix.milters", Mark::problem, where(cf, param) + ": " + path + " is not a socket",
              "correct the path to the milter's Socket");
          break;
      }
    }
  }
}

void check_default_action(const postfix::MainCf& cf, Findings& out) {
  const std::string v = to_lower(value_of(cf, "milter_default_action"));
  const bool is_default = !cf.raw("milter_default_action").has_value();
  if (v.empty() || v == "tempfail")
    add(out, "postfix.milter_default", Mark::ok,
        "milter_default_action = tempfail" + std::string(is_default ? " (Postfix's default)" : "") +
            ": mail waits while a milter is down");
  else if (v == "accept")
    add(out, "postfix.milter_default", Mark::advice,
        where(cf, "milter_default_action") + " = accept: while a milter is down mail passes unsigned and unchecked",
        "remove the line (Postfix's default, tempfail, defers mail instead) unless delivery matters more than the "
        "checks");
  else
    add(out, "postfix.milter_default", Mark::advice, where(cf, "milter_default_action") + " = " + v,
        "tempfail (the default) is what the README advises");
}

bool is_spf_service(std::string_view target) {
  const std::string t = to_lower(target);
  return t.find("policy-spf") != std::string::npos || t.find("cachet-spf") != std::string::npos ||
         t.find("policyd-spf") != std::string::npos;
}

void check_spf_order(const postfix::MainCf& cf, Findings& out) {
  const auto items = postfix::split_list(value_of(cf, "smtpd_recipient_restrictions"));
  std::size_t unauth = items.size(), spf = items.size();
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (iequals(items[i], "reject_unauth_destination") && unauth == items.size()) unauth = i;
    if (iequals(items[i], "check_policy_service") && i + 1 < items.size() && is_spf_service(items[i + 1]) &&
        spf == items.size())
      spf = i;
  }
  if (spf == items.size()) {
    add(out, "postfix.spf_order", Mark::advice, "no SPF policy service in smtpd_recipient_restrictions",
        "add `check_policy_service unix:private/policy-spf` after reject_unauth_destination");
    return;
  }
  if (unauth == items.size() || spf < unauth) {
    add(out, "postfix.spf_order", Mark::problem,
        where(cf, "smtpd_recipient_restrictions") +
            ": the SPF check_policy_service comes before reject_unauth_destination",
        "move `check_policy_service " + items[spf + 1] + "` after reject_unauth_destination");
    return;
  }
  add(out, "postfix.spf_order", Mark::ok,
      "SPF policy service (" + items[spf + 1] + ") after reject_unauth_destination");
}

void check_sender_login(const postfix::MainCf& cf, Findings& out) {
  if (!iequals(value_of(cf, "smtpd_sasl_auth_enable"), "yes")) return;
  std::vector<std::string> items = postfix::split_list(value_of(cf, "smtpd_sender_restrictions"));
  for (const auto& x : postfix::split_list(value_of(cf, "smtpd_recipient_restrictions"))) items.push_back(x);
  const bool has_check = std::any_of(items.begin(), items.end(), [](const std::string& x) {
    const std::string l = to_lower(x);
    return l.find("sender_login_mismatch") != std::string::npos || l.find("cachet-sender") != std::string::npos;
  });
  if (has_check)
    add(out, "postfix.sender_login", Mark::ok, "SASL is on and senders are checked against their login");
  else
    add(out, "postfix.sender_login", Mark::problem,
        "SASL is on but nothing checks MAIL FROM against the login: any user can send as any address",
        "add `check_policy_service unix:/run/cachet-sender/sender.sock` (or reject_sender_login_mismatch) "
        "to smtpd_sender_restrictions");
}

// The SPF check_policy_service target of the recipient restrictions, or "".
std::string spf_target(const postfix::MainCf& cf) {
  const auto items = postfix::split_list(value_of(cf, "smtpd_recipient_restrictions"));
  for (std::size_t i = 0; i + 1 < items.size(); ++i)
    if (iequals(items[i], "check_policy_service") && is_spf_service(items[i + 1])) return items[i + 1];
  return {};
}

std::string queue_directory(const postfix::MainCf& cf) {
  const std::string q = value_of(cf, "queue_directory");
  return q.empty() ? "/var/spool/postfix" : q;
}

void check_spf_spawn(const postfix::MainCf& cf, const postfix::MasterCf& master,
                     const std::function<bool(const std::string&)>& is_executable, Findings& out) {
  std::string target = spf_target(cf);
  if (target.rfind("unix:", 0) == 0) target = target.substr(5);
  if (target.rfind("private/", 0) != 0) return;  // a socket of a running service, not master.cf's
  const std::string name = target.substr(8);
  const postfix::MasterEntry* e = master.find(name, "unix");
  const std::string at = master.file_name + ":" + (e ? std::to_string(e->line) : std::string());
  if (e == nullptr) {
    add(out, "postfix.spf_spawn", Mark::problem, master.file_name + " has no `" + name + " unix` service",
        "add `" + name + "  unix  -  n  n  -  0  spawn  user=cachet-spf argv=/usr/sbin/cachet-spf`");
    return;
  }
  if (e->command.empty() || e->command.front() != "spawn") {
    add(out, "postfix.spf_spawn", Mark::ok,
        at + ": " + name + " runs " + (e->command.empty() ? "" : e->command.front()));
    return;
  }
  const auto argv = e->argument("argv");
  if (!argv || argv->empty() || !is_executable(*argv))
    add(out, "postfix.spf_spawn", Mark::problem,
        at + ": " + name + " spawns " + (argv ? *argv : std::string("(no argv=)")) +
            ", which is not an executable file",
        "correct argv= (the packages install /usr/sbin/cachet-spf)");
  else
    add(out, "postfix.spf_spawn", Mark::ok, at + ": " + name + " spawns " + *argv);
  if (value_of(cf, name + "_time_limit").empty())
    add(out, "postfix.spf_spawn", Mark::advice,
        name + "_time_limit is not set: spawn(8) stops the checker after command_time_limit (1000s)",
        "add `" + name + "_time_limit = 3600s` to main.cf");
}

void check_chroot(const postfix::MainCf& cf, const postfix::MasterCf& master, bool chroot_default, Findings& out) {
  // Any smtpd listening on the network ("smtp", "submission", "127.0.0.1:2525", ...).
  const postfix::MasterEntry* smtp = nullptr;
  for (const postfix::MasterEntry& e : master.entries)
    if (e.type == "inet" && !e.command.empty() && e.command.front() == "smtpd" && e.is_chrooted(chroot_default)) {
      smtp = &e;
      break;
    }
  if (smtp == nullptr) return;
  const std::string queue = queue_directory(cf);
  std::vector<std::string> outside;
  for (const char* param : {"smtpd_milters", "smtpd_recipient_restrictions", "smtpd_sender_restrictions"})
    for (std::string item : postfix::split_list(value_of(cf, param))) {
      if (!item.empty() && item.front() == '{') item = item.substr(1);
      if (item.rfind("unix:/", 0) != 0) continue;
      const std::string path = item.substr(5);
      if (path.rfind(queue + "/", 0) == 0) continue;
      if (std::find(outside.begin(), outside.end(), path) == outside.end()) outside.push_back(path);
    }
  const std::string at = master.file_name + ":" + std::to_string(smtp->line);
  for (const std::string& path : outside)
    add(out, "postfix.chroot", Mark::problem, at + ": smtpd runs chrooted in " + queue + " and cannot reach " + path,
        "put the socket under " + queue + " (e.g. Socket local:" + queue +
            "/cachet-dkim/dkim.sock and "
            "unix:cachet-dkim/dkim.sock in main.cf), or set smtpd's chroot column to n");
  if (outside.empty())
    add(out, "postfix.chroot", Mark::ok, at + ": smtpd is chrooted; every socket it uses is inside " + queue);
}

}  // namespace

Result<postfix::MainCf> main_cf_with_postconf(const std::optional<std::string>& main_cf_text,
                                              const std::string& main_cf_path, std::string_view postconf_output) {
  if (!main_cf_text) return postfix::parse_main_cf(postconf_output, "postconf");
  auto cf = postfix::parse_main_cf(*main_cf_text, main_cf_path);
  if (!cf) return cf;
  std::size_t number = 0;
  for (std::string_view line : split(postconf_output, '\n')) {
    ++number;
    if (trim(line).empty()) continue;
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos)
      return fail(Errc::bad_input, "postconf:" + std::to_string(number) + ": expected \"name = value\"");
    const std::string name(trim(line.substr(0, eq)));
    if (!cf->raw(name)) cf->set_default(name, std::string(trim(line.substr(eq + 1))));
  }
  return cf;
}

Result<postfix::MasterCf> master_cf_with_postconf(const std::optional<std::string>& master_text,
                                                  const std::string& master_path, std::string_view postconf_m_output) {
  auto master = postfix::parse_master_cf(postconf_m_output, master_path);
  if (!master) return master;
  std::optional<postfix::MasterCf> file;
  if (master_text)
    if (auto f = postfix::parse_master_cf(*master_text, master_path)) file = std::move(*f);
  for (postfix::MasterEntry& e : master->entries) {
    const postfix::MasterEntry* in_file = file ? file->find(e.service, e.type) : nullptr;
    e.line = in_file != nullptr ? in_file->line : 0;
  }
  return master;
}

std::vector<std::string> tls_certificate_files(const postfix::MainCf& cf) {
  // smtpd_tls_chain_files, when set, replaces the per-algorithm parameters (postconf(5)).
  std::vector<std::string> files = postfix::split_list(value_of(cf, "smtpd_tls_chain_files"));
  if (!files.empty()) return files;
  for (const char* param : {"smtpd_tls_cert_file", "smtpd_tls_eccert_file"})
    if (std::string f = value_of(cf, param); !f.empty() && std::find(files.begin(), files.end(), f) == files.end())
      files.push_back(std::move(f));
  return files;
}

void check_tls_certificates(const std::vector<CertificateFile>& files, std::int64_t now, Findings& out) {
  if (files.empty()) {
    add(out, "postfix.tls_cert", Mark::advice, "no smtpd_tls_cert_file: smtpd offers no STARTTLS",
        "set smtpd_tls_cert_file and smtpd_tls_key_file (e.g. a Let's Encrypt certificate for myhostname)");
    return;
  }
  const std::string renew = "renew it (certbot renew, or your CA) and run postfix reload";
  for (const CertificateFile& file : files) {
    if (!file.certificates) {
      add(out, "postfix.tls_cert", Mark::unchecked, file.path + ": " + file.certificates.error().detail);
      continue;
    }
    const auto& certs = *file.certificates;
    if (certs.empty()) continue;  // certificates_in never returns an empty list
    const auto first = std::min_element(certs.begin(), certs.end(),
                                        [](const auto& a, const auto& b) { return a.not_after < b.not_after; });
    const std::int64_t not_after = first->not_after;
    // Whole days left, counting a started day (a certificate made for 30 days shows 30).
    const std::int64_t days = not_after > now ? (not_after - now + 86399) / 86400 : (not_after - now) / 86400;
    const std::string count = std::to_string(certs.size());
    const std::string which = certs.size() == 1
                                  ? file.path
                                  : file.path + ": certificate " + std::to_string(first - certs.begin() + 1) + " of " +
                                        count + " (" + first->subject + ")";
    if (not_after <= now)
      add(out, "postfix.tls_cert", Mark::problem, which + " expired " + std::to_string(-days) + " days ago", renew);
    else if (days < kCertProblemDays)
      add(out, "postfix.tls_cert", Mark::problem, which + " expires in " + std::to_string(days) + " days", renew);
    else if (days < kCertAdviceDays)
      add(out, "postfix.tls_cert", Mark::advice, which + " expires in " + std::to_string(days) + " days", renew);
    else if (certs.size() == 1)
      add(out, "postfix.tls_cert", Mark::ok, file.path + " valid for " + std::to_string(days) + " more days");
    else
      add(out, "postfix.tls_cert", Mark::ok,
          file.path + ": all " + count + " certificates valid for " + std::to_string(days) + " more days or longer");
  }
}

void check_postfix_master(const postfix::MainCf& cf, const postfix::MasterCf& master,
                          const std::function<bool(const std::string&)>& is_executable, bool chroot_default,
                          Findings& out) {
  check_spf_spawn(cf, master, is_executable, out);
  check_chroot(cf, master, chroot_default, out);
}

void check_postfix_main(const postfix::MainCf& cf, const std::function<SocketState(const std::string&)>& probe,
                        Findings& out) {
  check_milters(cf, probe, out);
  check_default_action(cf, out);
  check_spf_order(cf, out);
  check_sender_login(cf, out);
}

}  // namespace cachet::doctor

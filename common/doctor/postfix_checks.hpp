// SPDX-License-Identifier: BSD-2-Clause
//
// common/doctor/postfix_checks.hpp: the main.cf half of `cachetctl doctor`: is Postfix
// wired to the daemons as the README says?
//   postfix.milters          every unix: socket named in smtpd_milters/non_smtpd_milters
//                            exists (through `probe`: the caller stats, tests fake it);
//                            a path not starting with '/' is relative to the queue
//                            directory (a chrooted smtpd's view)
//   postfix.milter_default   milter_default_action: unset/tempfail ✓ (Postfix's default: not
//                            in the file, whether postconf supplied it or not),
//                            accept ! (mail passes unchecked while a milter is down)
//   postfix.spf_order        a check_policy_service naming an SPF service (policy-spf or
//                            cachet-spf) in smtpd_recipient_restrictions comes after
//                            reject_unauth_destination (else the server checks SPF for
//                            relay attempts and can become an open relay on `permit`)
//   postfix.sender_login     with smtpd_sasl_auth_enable = yes: reject_sender_login_mismatch
//                            (or its variants) or a cachet-sender check_policy_service in
//                            the sender or recipient restrictions
// check_postfix_master adds, from master.cf:
//   postfix.spf_spawn        the SPF service's master.cf entry exists; a spawn entry's argv=
//                            is an executable (`is_executable`), and NAME_time_limit is set
//                            in main.cf (else spawn(8) kills the checker after
//                            command_time_limit, 1000s)
//   postfix.chroot           a chrooted smtpd (an inet smtpd entry, chroot y) cannot reach a UNIX
//                            socket outside the queue directory (/run/cachet-dkim/...)
// Pure over the parsed files; no I/O but the callbacks.
// See also: report.hpp, common/postfix/main_cf.hpp, tools/cachetctl/cmd_doctor.cpp
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/crypto/certificate.hpp"
#include "common/doctor/report.hpp"
#include "common/postfix/main_cf.hpp"
#include "common/postfix/master_cf.hpp"

namespace cachet::doctor {

// not_connectable: a socket user postfix may not connect to (write on the socket, search
// on every directory above it).
enum class SocketState { socket, missing, not_socket, not_connectable };

// Postfix's effective main.cf from `postconf` output (every parameter, Postfix's
// compiled-in defaults included, one `name = value` a line) and main.cf's text: the file's
// parameters keep their line numbers (MainCf::origin), every other one takes postconf's
// value as its default, so unset parameters (milter_default_action, queue_directory,
// myhostname) mean what they mean to this Postfix. No `main_cf_text`: postconf's output
// alone. Errors: those of parse_main_cf; a postconf line without '=' (Errc::bad_input).
[[nodiscard]] Result<postfix::MainCf> main_cf_with_postconf(const std::optional<std::string>& main_cf_text,
                                                            const std::string& main_cf_path,
                                                            std::string_view postconf_output);
// master.cf as `postconf -M` prints it (the entries Postfix reads, one a line), each
// entry's line number taken from master.cf's text when given (0 when not found there).
// Errors: those of parse_master_cf.
[[nodiscard]] Result<postfix::MasterCf> master_cf_with_postconf(const std::optional<std::string>& master_text,
                                                                const std::string& master_path,
                                                                std::string_view postconf_m_output);

// `probe(path)`: what is at an absolute path.
void check_postfix_main(const postfix::MainCf& cf, const std::function<SocketState(const std::string&)>& probe,
                        Findings& out);

// postfix.tls_cert: the certificates smtpd presents: every file of smtpd_tls_chain_files
// (a key and its chain per file), else smtpd_tls_cert_file and smtpd_tls_eccert_file, and
// every certificate in each file (the server's and its intermediates): the one that expires
// first is reported per file. Expired or within kCertProblemDays: ✗; within
// kCertAdviceDays: !. A file that could not be read or parsed: ?. No certificate
// configured: ! (STARTTLS is not offered).
inline constexpr std::int64_t kCertProblemDays = 7;
inline constexpr std::int64_t kCertAdviceDays = 21;
// The certificate files main.cf names, in order; empty if none.
std::vector<std::string> tls_certificate_files(const postfix::MainCf& cf);
struct CertificateFile {
  std::string path;
  Result<std::vector<crypto::CertificateValidity>> certificates;  // crypto::certificates_in, or why not read
};
// `now`: the current time, seconds since the epoch.
void check_tls_certificates(const std::vector<CertificateFile>& files, std::int64_t now, Findings& out);

// `chroot_default`: what '-' in the chroot column means (n since Postfix 3.0).
void check_postfix_master(const postfix::MainCf& cf, const postfix::MasterCf& master,
                          const std::function<bool(const std::string&)>& is_executable, bool chroot_default,
                          Findings& out);

}  // namespace cachet::doctor

// SPDX-License-Identifier: BSD-2-Clause
//
// common/doctor/postfix_checks.hpp: the main.cf half of `cachetctl doctor`: is Postfix
// wired to the daemons as the README says?
//   postfix.milters          every unix: socket named in smtpd_milters/non_smtpd_milters
//                            exists (through `probe`: the caller stats, tests fake it);
//                            a path not starting with '/' is relative to the queue
//                            directory (a chrooted smtpd's view)
//   postfix.milter_default   milter_default_action: unset/tempfail ✓ (Postfix's default),
//                            accept ! (mail passes unchecked while a milter is down)
//   postfix.spf_order        a check_policy_service naming an SPF service (policy-spf or
//                            cachet-spf) in smtpd_recipient_restrictions comes after
//                            reject_unauth_destination (else the server checks SPF for
//                            relay attempts and can become an open relay on `permit`)
//   postfix.sender_login     with smtpd_sasl_auth_enable = yes: reject_sender_login_mismatch
//                            (or its variants) or a cachet-sender check_policy_service in
//                            the sender or recipient restrictions
// Pure over the parsed main.cf; no I/O but `probe`.
// See also: report.hpp, common/postfix/main_cf.hpp, tools/cachetctl/cmd_doctor.cpp
#pragma once

#include <functional>
#include <string>

#include "common/doctor/report.hpp"
#include "common/postfix/main_cf.hpp"

namespace cachet::doctor {

enum class SocketState { socket, missing, not_socket };

// `probe(path)`: what is at an absolute path.
void check_postfix_main(const postfix::MainCf& cf, const std::function<SocketState(const std::string&)>& probe,
                        Findings& out);

}  // namespace cachet::doctor

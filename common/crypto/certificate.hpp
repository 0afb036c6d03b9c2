// SPDX-License-Identifier: BSD-2-Clause
//
// common/crypto/certificate.hpp: the facts `cachetctl doctor` needs from Postfix's TLS
// certificate files: when each certificate of a PEM file (a certificate, its chain, and in
// smtpd_tls_chain_files the private key too, which is skipped) stops being valid.
// Pure (bytes in); any thread. OpenSSL's error queue is cleared on every failure.
// See also: common/doctor/postfix_checks.hpp (the check), crypto.hpp
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"

namespace cachet::crypto {

inline constexpr std::size_t kMaxCertificateFileBytes = 1u << 20;
// A PEM file with more certificates than this is refused (a chain has a handful).
inline constexpr std::size_t kMaxCertificatesPerFile = 32;

struct CertificateValidity {
  std::string subject;       // one line, RFC 2253 ("CN=mail.example.org")
  std::int64_t not_after{};  // seconds since the epoch (UTC)
};

// Every certificate in `pem`, in file order; other PEM blocks (keys) are skipped.
// Errors: bad_input (no PEM certificate at all, a certificate that does not parse, an
// unreadable validity time, more than kMaxCertificatesPerFile, a file too large).
[[nodiscard]] Result<std::vector<CertificateValidity>> certificates_in(std::string_view pem);

// A self-signed certificate (EC P-256, CN=`common_name`) valid from `not_before` to
// `not_after` (seconds since the epoch), as PEM: test data for the chain checks.
// Errors: internal (OpenSSL failed).
[[nodiscard]] Result<std::string> self_signed_certificate_for_test(std::string_view common_name,
                                                                   std::int64_t not_before, std::int64_t not_after);

}  // namespace cachet::crypto

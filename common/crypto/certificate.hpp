// SPDX-License-Identifier: BSD-2-Clause
//
// common/crypto/certificate.hpp: the one fact `cachetctl doctor` needs from Postfix's TLS
// certificate: when the first certificate of a PEM file stops being valid.
// Pure (bytes in); any thread. OpenSSL's error queue is cleared on every failure.
// See also: common/doctor/postfix_checks.hpp (the check), crypto.hpp
#pragma once

#include <cstdint>
#include <string_view>

#include "common/base/result.hpp"

namespace cachet::crypto {

inline constexpr std::size_t kMaxCertificateFileBytes = 1u << 20;

// notAfter of the first certificate in `pem`, as seconds since the epoch (UTC).
// Errors: bad_input (no PEM certificate, unreadable validity time).
[[nodiscard]] Result<std::int64_t> certificate_not_after(std::string_view pem);

}  // namespace cachet::crypto

// SPDX-License-Identifier: BSD-2-Clause
// common/crypto/certificate.cpp: see certificate.hpp.
#include "common/crypto/certificate.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "common/base/c_ptr.hpp"

namespace cachet::crypto {
namespace {

using CertBio = CPtr<BIO, &BIO_free>;
using X509Ptr = CPtr<X509, &X509_free>;

}  // namespace

Result<std::int64_t> certificate_not_after(std::string_view pem) {
  if (pem.size() > kMaxCertificateFileBytes) return fail(Errc::bad_input, "certificate file too large");
  CertBio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) {
    ERR_clear_error();
    return fail(Errc::internal, "BIO_new_mem_buf failed");
  }
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    ERR_clear_error();
    return fail(Errc::bad_input, "no PEM certificate");
  }
  const ASN1_TIME* end = X509_get0_notAfter(cert.get());
  struct tm tm {};
  if (end == nullptr || ASN1_TIME_to_tm(end, &tm) != 1) {
    ERR_clear_error();
    return fail(Errc::bad_input, "unreadable notAfter");
  }
  return static_cast<std::int64_t>(timegm(&tm));
}

}  // namespace cachet::crypto
